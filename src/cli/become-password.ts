/**
 * The sudo password from the operator instead of the command line, where `ps` shows it to
 * every local user: `-K/--ask-become-pass` asks once (no echo on a terminal; the first line
 * of stdin otherwise, so cron can pipe it), `--become-password-file FILE` reads the file's
 * first line. Either is the default for hosts whose inventory sets no become password, as
 * Ansible's `-K` is.
 */
import { readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError } from '../errors.ts';
import type { CommonFlags } from './options.ts';

const asked = new WeakMap<CommonFlags, Promise<string | undefined>>();

/** The password the flags ask for, read once per command however many playbooks it runs. */
export function becomePassword(flags: CommonFlags): Promise<string | undefined> {
  let pending = asked.get(flags);
  if (!pending) {
    pending = flags.becomePasswordFile !== undefined
      ? Promise.resolve(readPasswordFile(flags.becomePasswordFile))
      : flags.askBecomePass
        ? askPassword('BECOME password: ')
        : Promise.resolve(undefined);
    asked.set(flags, pending);
  }
  return pending;
}

function readPasswordFile(file: string): string {
  let text: string;
  try {
    if (statSync(file).mode & 0o077 && process.getuid?.() === 0) {
      process.stderr.write(`[WARNING]: --become-password-file ${file} is readable by other users; chmod 600 it\n`);
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--become-password-file ${file}: ${(err as Error).message}`);
  }
  const first = text.split(/\r?\n/)[0] ?? '';
  if (first === '') throw new UsageError(`--become-password-file ${file}: the first line is empty`);
  return first;
}

async function askPassword(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) return firstLine(input);
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done(() => resolve(typed));
          if (ch === '\u0003') return done(() => reject(new UsageError('interrupted at the password prompt')));
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      const done = (settle: () => void) => {
        input.off('data', onData);
        settle();
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stderr.write('\n');
  }
}

async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw new UsageError('--ask-become-pass: no password on stdin');
}
