/**
 * What Multus thick left on a node and what rollback may remove (docs/k3s-multus.md §9–§10):
 * 00-multus.conf (a stale one included), /run/multus, /var/lib/cni/multus, multus-shim and
 * passthru, and the extra plugins install recorded in state.json `files_added` — never a
 * K3s-owned name, never a name the pristine backup record lists as there before the install.
 * One read-only script reports what is at each candidate path and whether anything answers
 * on the daemon's socket; the planning around it is pure.
 */
import { posix } from 'node:path';
import { TaskError } from '../../src/errors.ts';
import { sh } from '../../src/connection/quote.ts';
import type { ExecResult } from '../../src/connection/types.ts';
import { absoluteDirArg, type ArgsOfProperties } from '../../src/module/args.ts';
import type { Fact, HostContext } from '../../src/module/task.ts';
import { DEFAULT_BACKUP_DIR, type BackupRecord } from '../k3s/backup-record.ts';
import { readStoredBackups } from '../k3s/backup-store.ts';
import type { K3sFacts } from '../k3s/facts.ts';
import type { WithK3sFacts } from '../k3s/current.ts';
import { K3S_OWNED_PLUGINS, MULTUS_OWNED_BINARIES, k3sMultusPaths } from '../k3s/layout.ts';
import { readFileFact } from '../lib/read-file.ts';
import { DEFAULT_STATE_DIR, STATE_FILE, parseState, type InstallState } from './install-record.ts';
import { MULTUS_CACHE_DIR, MULTUS_SOCKET_DIR } from '../lib/defaults.ts';

export type PathKind = 'file' | 'symlink' | 'dir' | 'socket' | 'other' | 'missing';

/** Whether the daemon is still there: something accepts connections on its socket. */
export type DaemonState = 'no-socket' | 'refused' | 'answering' | 'unknown';

export const leftoverArgProperties = {
  facts: { type: 'object', description: 'The facts k3s_facts set for this host: `"{{ k3s }}"`.' },
  state_dir: absoluteDirArg(DEFAULT_STATE_DIR, "Directory of install's state.json."),
  backup_dir: absoluteDirArg(DEFAULT_BACKUP_DIR, "Where k3s_cni_backup keeps the pristine record."),
  extra_cni_plugins: {
    type: 'array',
    items: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9._-]+$' },
    default: ['ipvlan'],
    description: 'Only when there is no state.json: the extra plugins install would have added; removed only when the pristine record shows they were not there before.',
  },
  socket_dir: absoluteDirArg(MULTUS_SOCKET_DIR, "The daemon's socket dir on the host."),
  cache_dir: absoluteDirArg(MULTUS_CACHE_DIR, "The daemon's per-container caches on the host."),
} as const;

export type LeftoverArgs = WithK3sFacts<ArgsOfProperties<typeof leftoverArgProperties>>;

export interface Candidate {
  path: string;
  /** A binary in the bin dir, a file in the conf dir, or one of the daemon's directories. */
  what: 'binary' | 'conf' | 'dir';
}

export interface Kept {
  path: string;
  why: string;
}

export interface CandidateInput {
  facts: K3sFacts;
  state: Partial<InstallState> | undefined;
  pristine: BackupRecord | undefined;
  extraPlugins: string[];
  socketDir: string;
  cacheDir: string;
}

/** The paths rollback may remove and the ones it keeps, with why (pure). */
export function leftoverCandidates(input: CandidateInput): { candidates: Candidate[]; kept: Kept[] } {
  const paths = k3sMultusPaths(input.facts.data_dir, input.facts.layout);
  const binDirs = new Set([input.facts.cni_bin_dir, ...(typeof input.state?.bin_dir === 'string' ? [input.state.bin_dir] : [])]);
  const before = input.pristine?.bin_dir_others;
  const confBefore = input.pristine?.conf_dir_files;
  const candidates: Candidate[] = [
    { path: paths.multusConf, what: 'conf' },
    { path: input.socketDir, what: 'dir' },
    { path: input.cacheDir, what: 'dir' },
  ];
  const kept: Kept[] = [];
  const add = (c: Candidate): void => {
    if (!candidates.some((x) => x.path === c.path) && !kept.some((k) => k.path === c.path)) candidates.push(c);
  };
  const keep = (path: string, why: string): void => {
    if (!kept.some((k) => k.path === path)) kept.push({ path, why });
  };
  const binary = (dir: string, name: string, recorded: boolean): void => {
    const path = posix.join(dir, name);
    if (K3S_OWNED_PLUGINS.includes(name)) return keep(path, "K3s's own name: restored, not removed");
    if (before?.includes(name)) return keep(path, 'was there before the install (pristine backup record)');
    if (!recorded && before === undefined && !MULTUS_OWNED_BINARIES.includes(name)) {
      return keep(path, 'no state.json and no pristine listing say provision added it');
    }
    add({ path, what: 'binary' });
  };
  for (const name of MULTUS_OWNED_BINARIES) binary(input.facts.cni_bin_dir, name, true);
  const added = Array.isArray(input.state?.files_added) ? input.state.files_added.filter((p): p is string => typeof p === 'string') : undefined;
  if (added === undefined) {
    for (const name of input.extraPlugins) binary(input.facts.cni_bin_dir, name, false);
  }
  for (const path of added ?? []) {
    const dir = posix.dirname(path);
    const name = posix.basename(path);
    if (path === input.socketDir || path === input.cacheDir || path === paths.multusConf) continue;
    // Only plainly spelled absolute paths: `..` or `//` could name something else entirely.
    if (!path.startsWith('/') || posix.normalize(path) !== path || name === '' || name === '.' || name === '..') {
      keep(path, 'not a plainly spelled absolute path');
      continue;
    }
    if (binDirs.has(dir)) binary(dir, name, true);
    else if (dir === paths.cniConfDir && name !== posix.basename(paths.flannelConflist)) {
      if (confBefore?.includes(name)) keep(path, 'was there before the install (pristine backup record)');
      else add({ path, what: 'conf' });
    } else keep(path, 'not a place Multus leaves files; remove it by hand if it is not needed');
  }
  return { candidates, kept };
}

/** `path <base64> <kind>` per candidate, then `daemon <state>`. */
export function leftoverProbeCommand(paths: string[], socket: string): string {
  return [
    sh`sock=${socket}`,
    sh`for p in ${paths}; do`,
    '  if [ -L "$p" ]; then k=symlink; elif [ -S "$p" ]; then k=socket; elif [ -d "$p" ]; then k=dir; elif [ -f "$p" ]; then k=file; elif [ -e "$p" ]; then k=other; else k=missing; fi',
    `  printf 'path %s %s\\n' "$(printf '%s' "$p" | base64 | tr -d '\\n')" "$k"`,
    'done',
    // curl exits 7 when nothing accepts the connection (a killed daemon's socket file).
    'if ! [ -S "$sock" ]; then echo daemon no-socket',
    'elif command -v curl >/dev/null 2>&1; then',
    `  curl -s -o /dev/null --max-time 5 --unix-socket "$sock" http://localhost/healthz; rc=$?`,
    '  case $rc in 0|22|28|52|56) echo daemon answering ;; 7) echo daemon refused ;; *) echo daemon unknown ;; esac',
    'elif command -v python3 >/dev/null 2>&1; then',
    `  if python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])' "$sock" 2>/dev/null; then echo daemon answering; else echo daemon refused; fi`,
    'else echo daemon unknown; fi',
  ].join('\n');
}

export interface LeftoverProbe {
  kinds: Record<string, PathKind>;
  daemon: DaemonState;
}

/** Pure parser of leftoverProbeCommand's output. */
export function parseLeftoverProbe(result: ExecResult): LeftoverProbe {
  if (result.exitCode !== 0) throw new TaskError(`reading Multus's leftovers failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`);
  const kinds: Record<string, PathKind> = {};
  let daemon: DaemonState | undefined;
  for (const line of result.stdout.split('\n')) {
    if (line === '') continue;
    const [word, a, b] = line.split(' ');
    if (word === 'path' && a !== undefined && ['file', 'symlink', 'dir', 'socket', 'other', 'missing'].includes(b ?? '')) {
      kinds[Buffer.from(a, 'base64').toString('utf8')] = b as PathKind;
    } else if (word === 'daemon' && ['no-socket', 'refused', 'answering', 'unknown'].includes(a ?? '')) {
      daemon = a as DaemonState;
    } else {
      throw new TaskError(`unexpected line in the leftover probe output: ${JSON.stringify(line)}`);
    }
  }
  if (!daemon) throw new TaskError(`the leftover probe output is incomplete: ${JSON.stringify(result.stdout.slice(0, 200))}`);
  return { kinds, daemon };
}

export function leftoverProbeFact(paths: string[], socket: string): Fact<LeftoverProbe> {
  return { command: leftoverProbeCommand(paths, socket), parse: parseLeftoverProbe };
}

export interface Leftovers {
  state_file: string;
  /** state.json as found, or null. */
  state: Partial<InstallState> | null;
  rolled_back_at: string | null;
  pristine: boolean;
  /** Present paths to remove, in removal order (the conf first: no new pod goes through the shim). */
  remove: Array<{ path: string; kind: PathKind; what: Candidate['what'] }>;
  kept: Kept[];
  daemon: DaemonState;
  /** There is something of Multus or of install here: state.json or a file to remove. */
  had_multus: boolean;
  /**
   * Bin dir names that neither K3s, the pristine record nor state.json account for (an
   * installer that copied every plugin): left in place, and named, for a person to judge.
   */
  unaccounted: string[];
  warnings: string[];
}

/** Reads state.json, the pristine record and the candidate paths, at the moment of asking. */
export async function readLeftovers(ctx: HostContext, args: LeftoverArgs): Promise<Leftovers> {
  const warnings: string[] = [];
  const stateFile = posix.join(args.state_dir ?? DEFAULT_STATE_DIR, STATE_FILE);
  const read = await ctx.fact(readFileFact(stateFile, 1024 * 1024));
  let state: Partial<InstallState> | undefined;
  if (read.kind === 'content') {
    state = parseState(read.content.toString('utf8'));
    if (!state) warnings.push(`${stateFile} is not a JSON object; going by the pristine record and Multus's own names`);
  } else if (read.kind !== 'missing') {
    warnings.push(`${stateFile} is ${read.kind === 'not-a-file' ? 'not a regular file' : 'too large'}; ignored`);
  }
  const stored = await readStoredBackups(ctx, args.backup_dir ?? DEFAULT_BACKUP_DIR);
  warnings.push(...stored.problems.map((p) => `unusable backup: ${p}`));
  const socketDir = args.socket_dir ?? '/run/multus';
  const { candidates, kept } = leftoverCandidates({
    facts: args.facts,
    state,
    pristine: stored.pristine,
    extraPlugins: args.extra_cni_plugins ?? ['ipvlan'],
    socketDir,
    cacheDir: args.cache_dir ?? '/var/lib/cni/multus',
  });
  const probePaths = [...candidates.map((c) => c.path), ...kept.map((k) => k.path)];
  const probe = await ctx.fact(leftoverProbeFact(probePaths, posix.join(socketDir, 'multus.sock')));
  const present = (path: string): boolean => (probe.kinds[path] ?? 'missing') !== 'missing';
  const remove = candidates
    .map((c) => ({ path: c.path, what: c.what, kind: probe.kinds[c.path] ?? 'missing' }))
    .filter((c) => present(c.path));
  const listedBefore = stored.pristine?.bin_dir_others;
  const accounted = new Set([...K3S_OWNED_PLUGINS, ...(listedBefore ?? []), ...candidates.map((c) => posix.basename(c.path)), ...kept.map((k) => posix.basename(k.path))]);
  const unaccounted = listedBefore === undefined ? [] : (args.facts.bin_dir_others ?? []).filter((n) => !accounted.has(n));
  const rolledBack = typeof (state as { rolled_back_at?: unknown } | undefined)?.rolled_back_at === 'string';
  return {
    state_file: stateFile,
    state: state ?? null,
    rolled_back_at: rolledBack ? String((state as { rolled_back_at: string }).rolled_back_at) : null,
    pristine: stored.pristine !== undefined,
    remove,
    kept: kept.filter((k) => present(k.path)),
    daemon: probe.daemon,
    had_multus: state !== undefined || remove.length > 0,
    unaccounted,
    warnings,
  };
}
