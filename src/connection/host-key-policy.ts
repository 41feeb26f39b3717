/**
 * What to do with the host key a server offers: the OpenSSH StrictHostKeyChecking modes
 * `strict` (yes), `accept-new` and `off` (no), against one known_hosts file. A refusal
 * carries a message meant for the operator: which host, which key, what is on file and how
 * to fix it.
 */
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { addHostKey, checkHostKey, fingerprint, hostEntryName, keyTypeOf, knownKeyTypes } from './known-hosts.ts';
import { quote } from './quote.ts';

export type HostKeyChecking = 'strict' | 'accept-new' | 'off';

export interface HostKeyPolicy {
  mode: HostKeyChecking;
  knownHostsFile: string;
}

/**
 * `pin`: accept-new's record of a new key, to be written only once the server has proved
 * it holds the key (the handshake finished) and we logged in; never from the verifier.
 */
export type HostKeyDecision = { accept: true; pin?: () => void } | { accept: false; reason: string };

/** Decide on an offered key; in accept-new mode an unknown key is accepted and pinned after the handshake. */
export function decideHostKey(policy: HostKeyPolicy, address: string, port: number, keyBlob: Buffer): HostKeyDecision {
  if (policy.mode === 'off') return { accept: true };
  const file = policy.knownHostsFile;
  const where = `${address}:${port}`;
  let keyType: string;
  try {
    keyType = keyTypeOf(keyBlob);
  } catch (err) {
    return { accept: false, reason: `${where} offered an unreadable host key (${(err as Error).message})` };
  }
  const offered = `${keyType} key ${fingerprint(keyBlob)}`;
  let check;
  try {
    check = checkHostKey(file, address, port, keyType, keyBlob);
  } catch (err) {
    return { accept: false, reason: `cannot read known_hosts file ${file}: ${(err as Error).message}` };
  }
  switch (check.status) {
    case 'match':
      return { accept: true };
    case 'cert-authority':
      return {
        accept: false,
        reason:
          `host key verification failed for ${where}: ${file} vouches for this host only through a @cert-authority line, ` +
          'and host certificates are not supported; add the host\'s own key (ssh-keyscan) to the file',
      };
    case 'revoked':
      return { accept: false, reason: `host key verification failed for ${where}: the offered ${offered} is marked @revoked in ${file}` };
    case 'mismatch':
      return {
        accept: false,
        reason:
          `HOST KEY MISMATCH for ${where}: the server offered ${offered}, but ${file} has ${(check.known ?? []).join(', ')}. ` +
          'Someone could be intercepting the connection, or the host was reinstalled. If the change is expected, remove the old entry ' +
          `(ssh-keygen -R ${quote(hostEntryName(address, port))} -f ${quote(file)}) and add the new key.`,
      };
    case 'unknown':
      if (policy.mode === 'accept-new') return { accept: true, pin: () => addHostKey(file, address, port, keyType, keyBlob) };
      return {
        accept: false,
        reason:
          `host key verification failed for ${where}: the server offered ${offered} and no key for this host is on file in ${file}. ` +
          `After checking the fingerprint, add it with \`ssh-keyscan -p ${port} ${quote(address)} >> ${quote(file)}\`, ` +
          'or set provision_host_key_checking: accept-new to trust keys on first use.',
      };
  }
}

const ALGORITHMS_BY_KEY_TYPE: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * Host key algorithms to ask for first: those whose keys are on file for this host, so a
 * server with several host keys shows us one we can verify (as ssh orders them too).
 */
export function preferredHostKeyAlgorithms(policy: HostKeyPolicy, address: string, port: number): ServerHostKeyAlgorithm[] {
  if (policy.mode === 'off') return [];
  let types: string[];
  try {
    types = knownKeyTypes(policy.knownHostsFile, address, port);
  } catch {
    return []; // the verifier reports the unreadable file
  }
  return types.flatMap((t) => ALGORITHMS_BY_KEY_TYPE[t] ?? []);
}
