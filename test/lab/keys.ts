/** Keys and secrets of a lab, made with the system's own tools (ssh-keygen, openssl). */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { runOk } from './host-commands.ts';

/** An unencrypted key pair at `file` and `file.pub`. */
export async function generateKey(file: string, type: 'ed25519' | 'ecdsa', comment: string): Promise<void> {
  await runOk('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', comment, '-f', file]);
}

/** `<type> <base64>` of a .pub file, without its comment. */
export function publicKeyOf(pubFile: string): string {
  const [type, key] = readFileSync(pubFile, 'utf8').trim().split(/\s+/);
  if (!type || !key) throw new Error(`${pubFile} is not an OpenSSH public key`);
  return `${type} ${key}`;
}

/** A password that survives any shell or YAML unquoted: letters and digits only. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 20);
}

/** SHA-512 crypt(3) hash for /etc/shadow; the password goes over stdin, never argv. */
export async function shadowHash(password: string): Promise<string> {
  return (await runOk('openssl', ['passwd', '-6', '-stdin'], `${password}\n`)).trim();
}
