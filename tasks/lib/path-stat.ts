/**
 * The fact behind stat, file, copy and symlink: one POSIX shell script that reports what
 * is at a path (type, mode, ids, names, size, mtime, sha256, link target), and a pure
 * parser of its output. Every interpolated value goes through `sh`, so hostile names
 * (quotes, `$()`, newlines) stay one literal word.
 */
import { TaskError } from '../../src/errors.ts';
import { sh, shRaw } from '../../src/connection/quote.ts';
import type { ExecResult } from '../../src/connection/types.ts';
import type { Fact } from '../../src/module/task.ts';
import { formatMode } from './mode.ts';

export type PathStat = AbsentPath | PresentPath;

export interface AbsentPath {
  exists: false;
}

export interface PresentPath {
  exists: true;
  isreg: boolean;
  isdir: boolean;
  islnk: boolean;
  issock: boolean;
  /** Target of the symlink, as stored (only when islnk). */
  lnk_target?: string;
  /** Permission bits as four octal digits, e.g. '0644'. */
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** sha256 of the content (regular files, when asked for and readable). */
  checksum?: string;
}

export interface StatOptions {
  /** Compute the sha256 of a regular file. */
  checksum?: boolean;
  /** Report on what a symlink points at rather than the link itself. */
  follow?: boolean;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFSOCK = 0o140000;

/**
 * Output: `absent`, or `present`, a line `<hex mode> <uid> <gid> <size> <mtime> <owner>
 * <group>`, a line with the sha256 or `-`, and for a symlink `target:` followed by the raw
 * readlink output (which may itself contain newlines, so it comes last).
 */
export function statCommand(path: string, options: StatOptions = {}): string {
  const exists = options.follow ? shRaw`[ -e "$p" ]` : shRaw`{ [ -e "$p" ] || [ -L "$p" ]; }`;
  const isReg = options.follow ? shRaw`[ -f "$p" ]` : shRaw`{ [ -f "$p" ] && ! [ -L "$p" ]; }`;
  const statFlags = options.follow ? ['-L', '-c'] : ['-c'];
  const lines = [
    sh`p=${path}`,
    sh`if ! ${exists}; then echo absent; exit 0; fi`,
    'echo present',
    sh`stat ${statFlags} ${'%f %u %g %s %Y %U %G'} -- "$p" || exit 1`,
    options.checksum
      ? sh`if ${isReg}; then { sha256sum < "$p" || echo -; } 2>/dev/null; else echo -; fi`
      : 'echo -',
  ];
  if (!options.follow) lines.push('if [ -L "$p" ]; then echo target:; readlink -- "$p"; fi');
  return lines.join('\n');
}

/** Pure parser of statCommand's output. */
export function parseStat(result: ExecResult): PathStat {
  if (result.exitCode !== 0) {
    throw new TaskError(`stat failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  const out = result.stdout;
  if (out.trim() === 'absent') return { exists: false };
  const lines = out.split('\n');
  if (lines[0] !== 'present' || lines.length < 3) throw new TaskError(`unexpected stat output: ${JSON.stringify(out)}`);
  const fields = lines[1].split(' ');
  if (fields.length < 7) throw new TaskError(`unexpected stat line: ${JSON.stringify(lines[1])}`);
  const [hexMode, uid, gid, size, mtime, owner, ...groupWords] = fields;
  const raw = parseInt(hexMode, 16);
  const type = raw & S_IFMT;
  const stat: PresentPath = {
    exists: true,
    isreg: type === S_IFREG,
    isdir: type === S_IFDIR,
    islnk: type === S_IFLNK,
    issock: type === S_IFSOCK,
    mode: formatMode(raw & 0o7777),
    uid: Number(uid),
    gid: Number(gid),
    owner,
    group: groupWords.join(' '),
    size: Number(size),
    mtime: Number(mtime),
  };
  const sum = lines[2].split(/\s+/)[0];
  if (/^[0-9a-f]{64}$/.test(sum)) stat.checksum = sum;
  const marker = out.indexOf('\ntarget:\n');
  if (stat.islnk && marker >= 0) {
    const target = out.slice(marker + '\ntarget:\n'.length);
    // readlink ends its output with one newline of its own.
    stat.lnk_target = target.endsWith('\n') ? target.slice(0, -1) : target;
  }
  return stat;
}

export function statFact(path: string, options: StatOptions = {}): Fact<PathStat> {
  return { command: statCommand(path, options), parse: parseStat };
}

/** A short name for what is at a path, for messages and diffs. */
export function describeKind(stat: PathStat): string {
  if (!stat.exists) return 'absent';
  if (stat.islnk) return 'link';
  if (stat.isdir) return 'directory';
  if (stat.isreg) return 'file';
  if (stat.issock) return 'socket';
  return 'special file';
}
