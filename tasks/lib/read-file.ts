/**
 * Reading a whole file from the host as base64 (slurp, fetch): one command that reports
 * missing / not a regular file / too large before sending any content, and a pure parser.
 */
import { TaskError } from '../../src/errors.ts';
import { sh } from '../../src/connection/quote.ts';
import type { ExecResult } from '../../src/connection/types.ts';
import type { Fact } from '../../src/module/task.ts';

export type RemoteFile =
  | { kind: 'missing' }
  | { kind: 'not-a-file' }
  | { kind: 'too-large'; size: number }
  | { kind: 'content'; content: Buffer };

export function readFileCommand(path: string, limit: number): string {
  return [
    sh`p=${path}`,
    `if ! [ -e "$p" ]; then echo missing; exit 0; fi`,
    `if ! [ -f "$p" ]; then echo not-a-file; exit 0; fi`,
    `size=$(wc -c < "$p") || exit 1`,
    sh`if [ "$size" -gt ${limit} ]; then echo "too-large $size"; exit 0; fi`,
    'echo content',
    'base64 < "$p"',
  ].join('\n');
}

/** Pure parser of readFileCommand's output; the size is checked here too, not only by the node. */
export function parseReadFile(result: ExecResult, limit = Infinity): RemoteFile {
  if (result.exitCode !== 0) {
    throw new TaskError(`cannot read file (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  const out = result.stdout;
  const nl = out.indexOf('\n');
  const head = (nl < 0 ? out : out.slice(0, nl)).trim();
  if (head === 'missing' || head === 'not-a-file') return { kind: head };
  const large = /^too-large (\d+)$/.exec(head);
  if (large) return { kind: 'too-large', size: Number(large[1]) };
  if (head !== 'content') throw new TaskError(`unexpected output while reading a file: ${JSON.stringify(out.slice(0, 200))}`);
  const b64 = out.slice(nl + 1).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new TaskError('file content was not valid base64');
  const content = Buffer.from(b64, 'base64');
  if (content.length > limit) return { kind: 'too-large', size: content.length };
  return { kind: 'content', content };
}

/** Base64 of `limit` bytes with base64(1)'s line breaks, plus the head line. */
export function base64OutputLimit(limit: number): number {
  const encoded = Math.ceil(limit / 3) * 4;
  return encoded + Math.ceil(encoded / 76) + 4096;
}

export function readFileFact(path: string, limit: number): Fact<RemoteFile> {
  return {
    command: readFileCommand(path, limit),
    parse: (result) => parseReadFile(result, limit),
    // A node that ignores the size check and sends more is cut off at what the limit allows.
    options: { maxOutputBytes: base64OutputLimit(limit) },
  };
}
