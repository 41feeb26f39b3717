/**
 * What a K3s node looks like from the CNI side (docs/k3s-multus.md §3–§4), read by ONE read-only shell
 * script and turned into a typed observation by a pure parser (tested from recorded
 * output). k3s_facts, k3s_cni_backup, k3s_cni_relink and multus_verify all read the host
 * through it, each at the moment it acts: the bin dir changes between tasks (the
 * manifest's installers write into it), so an earlier reading is never trusted for a change.
 */
import { TaskError } from '../../src/errors.ts';
import { sh } from '../../src/connection/quote.ts';
import type { ExecResult } from '../../src/connection/types.ts';
import type { Fact } from '../../src/module/task.ts';
import { K3S_OWNED_PLUGINS, type CniLayout } from './layout.ts';
import { DEFAULT_K3S_DATA_DIR } from '../lib/defaults.ts';
import { normalizeMode } from '../lib/mode.ts';
import { isSiblingTempName } from '../lib/temp-path.ts';

export const DEFAULT_K3S_CONFIG_FILE = '/etc/rancher/k3s/config.yaml';
export const DEFAULT_K3S_BINARY = 'k3s';

/** One K3s-owned name in the bin dir, as found. */
export type K3sEntry =
  | { kind: 'symlink'; target: string }
  | { kind: 'file'; sha256: string | null; mode: string }
  | { kind: 'missing' }
  | { kind: 'other' };

export interface MulticallObservation {
  /** 'link': the target of `data/cni/cni`; 'current': `<data/current's target>/bin/cni`. */
  source: 'link' | 'current';
  /** Absolute path of K3s's multicall binary. */
  target: string;
  exists: boolean;
  executable: boolean;
  sha256: string | null;
}

export interface K3sProbe {
  /** Path of the k3s command, or null when none was found. */
  binary: string | null;
  /** First line of `k3s --version` ('' when it printed nothing). */
  version_line: string;
  /** `uname -m` ('' when unknown). */
  machine: string;
  data_dir: string;
  /** 'argument', 'default' or 'config <file>' (the last file that set data-dir). */
  data_dir_source: string;
  data_dir_exists: boolean;
  /** null when neither data/cni nor data/current/bin exists. */
  layout: CniLayout | null;
  multicall: MulticallObservation | null;
  /** cni and the seven plugin names; empty when there is no bin dir. */
  entries: Record<string, K3sEntry>;
  /** null when 10-flannel.conflist is not a readable regular file. */
  flannel_conflist_sha256: string | null;
  /** Its top-level `cniVersion`, or null when it has none or does not parse. */
  flannel_cni_version: string | null;
  multus_conf_present: boolean;
  /** Names in the bin dir other than K3s's own (what else was there: rollback keeps it). */
  bin_dir_others: string[];
  /** False when the bin dir exists but cannot be written (a read-only mount). */
  bin_dir_writable: boolean;
  /** `.provision-link-…` symlinks in the bin dir: temp links of a re-link that was cut short. */
  stray_temp_links: string[];
  /** Every name in the CNI config dir. */
  conf_dir_files: string[];
}

export interface K3sProbeOptions {
  /** The data dir to use; undefined: read data-dir from the K3s config, else the default. */
  dataDir?: string;
  configFile?: string;
  binary?: string;
}

/**
 * Line-oriented output: `key=value` lines, and per entry `entry <name> <kind> [mode sha]`;
 * a symlink's raw readlink output follows its entry line up to `end-entry`.
 */
export function k3sProbeCommand(options: K3sProbeOptions = {}): string {
  const binary = options.binary ?? DEFAULT_K3S_BINARY;
  const config = options.configFile ?? DEFAULT_K3S_CONFIG_FILE;
  return [
    sh`bin=${binary}; config=${config}; dd=${options.dataDir ?? ''}; names=${K3S_OWNED_PLUGINS.join(' ')}`,
    // A sha256 or nothing: an unreadable file must not look like a checksum.
    `sha() { { sha256sum < "$1" | cut -d ' ' -f 1; } 2>/dev/null; }`,
    'k3s=',
    'if command -v "$bin" >/dev/null 2>&1; then k3s=$(command -v "$bin")',
    sh`elif [ "$bin" = ${DEFAULT_K3S_BINARY} ] && [ -x /usr/local/bin/k3s ]; then k3s=/usr/local/bin/k3s; fi`,
    `printf 'binary=%s\\n' "$k3s"`,
    `printf 'machine=%s\\n' "$(uname -m)"`,
    `if [ -n "$k3s" ]; then printf 'version=%s\\n' "$("$k3s" --version 2>/dev/null | head -n 1)"; else echo version=; fi`,
    'src=argument',
    'if [ -z "$dd" ]; then',
    sh`  src=default; dd=${DEFAULT_K3S_DATA_DIR}`,
    // Later files win, as K3s merges config.yaml then config.yaml.d/*.yaml in name order.
    '  for f in "$config" "$config.d"/*.yaml; do',
    '    [ -f "$f" ] || continue',
    `    v=$(sed -n 's/^data-dir:[[:space:]]*//p' "$f" | tail -n 1 | sed -e 's/[[:space:]]#.*$//' -e 's/[[:space:]]*$//' -e "s/^[\\"']//" -e "s/[\\"']\\$//")`,
    '    if [ -n "$v" ]; then dd=$v; src="config $f"; fi',
    '  done',
    'fi',
    `printf 'data_dir=%s\\ndata_dir_source=%s\\n' "$dd" "$src"`,
    'if ! [ -d "$dd" ]; then echo data_dir_exists=no; exit 0; fi',
    'echo data_dir_exists=yes',
    'conf=$dd/agent/etc/cni/net.d',
    `if [ -f "$conf/10-flannel.conflist" ]; then printf 'flannel_sha256=%s\\n' "$(sha "$conf/10-flannel.conflist")"; else echo flannel_sha256=; fi`,
    // base64 keeps the JSON on one line; the parser reads its cniVersion.
    `if [ -f "$conf/10-flannel.conflist" ]; then printf 'flannel_b64=%s\\n' "$(head -c 65536 "$conf/10-flannel.conflist" | base64 | tr -d '\\n')"; fi`,
    'if [ -e "$conf/00-multus.conf" ] || [ -L "$conf/00-multus.conf" ]; then echo multus_conf=yes; else echo multus_conf=no; fi',
    // Names as base64: any byte a file name may hold stays on one parseable line.
    `for p in "$conf"/*; do if [ -e "$p" ] || [ -L "$p" ]; then printf 'conffile '; printf '%s' "\${p##*/}" | base64 | tr -d '\\n'; echo; fi; done`,
    'if [ -d "$dd/data/cni" ]; then layout=cni; bindir=$dd/data/cni',
    'elif [ -d "$dd/data/current/bin" ]; then layout=current; bindir=$dd/data/current/bin',
    'else echo layout=none; exit 0; fi',
    'echo "layout=$layout"',
    // K3s links data/current to the bundle's full path; a relative link is read relative to data/.
    'cur=$(readlink -- "$dd/data/current" 2>/dev/null) || cur=',
    'case $cur in "") cur=$dd/data/current ;; /*) ;; *) cur=$dd/data/$cur ;; esac',
    'if [ "$layout" = cni ] && [ -L "$bindir/cni" ]; then',
    '  t=$(readlink -- "$bindir/cni"); msrc=link',
    '  case $t in /*) ;; *) t=$bindir/$t ;; esac',
    'else t=$cur/bin/cni; msrc=current; fi',
    `printf 'multicall_source=%s\\nmulticall_target=%s\\n' "$msrc" "$t"`,
    'if [ -e "$t" ]; then echo multicall_exists=yes; else echo multicall_exists=no; fi',
    'if [ -f "$t" ] && [ -x "$t" ]; then echo multicall_executable=yes; else echo multicall_executable=no; fi',
    `if [ -f "$t" ]; then printf 'multicall_sha256=%s\\n' "$(sha "$t")"; else echo multicall_sha256=; fi`,
    'for n in $names; do',
    '  p=$bindir/$n',
    '  if [ -L "$p" ]; then echo "entry $n symlink"; readlink -- "$p"; echo end-entry',
    '  elif [ -f "$p" ]; then echo "entry $n file $(stat -c %a -- "$p") $(sha "$p")"',
    '  elif [ -e "$p" ]; then echo "entry $n other"',
    '  else echo "entry $n missing"; fi',
    'done',
    'for p in "$bindir"/*; do',
    '  [ -e "$p" ] || [ -L "$p" ] || continue',
    '  case " $names " in *" ${p##*/} "*) continue ;; esac',
    `  printf 'other '; printf '%s' "\${p##*/}" | base64 | tr -d '\\n'; echo`,
    'done',
    // access(2): false on a read-only file system even for root.
    'if [ -d "$bindir" ] && ! [ -w "$bindir" ]; then echo bin_dir_writable=no; else echo bin_dir_writable=yes; fi',
    // `*` skips dot names: the temp links an interrupted re-link leaves are listed apart.
    'for p in "$bindir"/.provision-link-*; do',
    '  [ -L "$p" ] && printf \'straylink %s\\n\' "${p##*/}"',
    'done',
    'true',
  ].join('\n');
}

/** Pure parser of k3sProbeCommand's output. */
export function parseK3sProbe(result: ExecResult): K3sProbe {
  if (result.exitCode !== 0) {
    throw new TaskError(`reading the K3s layout failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  const kv = new Map<string, string>();
  const entries: Record<string, K3sEntry> = {};
  const others: string[] = [];
  const confFiles: string[] = [];
  const strays: string[] = [];
  const lines = result.stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    if (line.startsWith('other ') || line.startsWith('conffile ')) {
      const [word, b64 = ''] = line.split(' ');
      (word === 'other' ? others : confFiles).push(Buffer.from(b64, 'base64').toString('utf8'));
      continue;
    }
    if (line.startsWith('straylink ')) {
      const name = line.slice('straylink '.length);
      if (isSiblingTempName(name, 'link')) strays.push(name);
      continue;
    }
    if (line.startsWith('entry ')) {
      const [, name, kind, mode, sha] = line.split(' ');
      if (kind === 'symlink') {
        const end = lines.indexOf('end-entry', i + 1);
        if (end < 0) throw new TaskError(`unterminated link entry for ${name} in the K3s layout output`);
        entries[name] = { kind: 'symlink', target: lines.slice(i + 1, end).join('\n') };
        i = end;
      } else if (kind === 'file') {
        entries[name] = { kind: 'file', mode: normalizeMode(mode ?? '0'), sha256: validSha(sha) };
      } else if (kind === 'missing' || kind === 'other') {
        entries[name] = { kind };
      } else {
        throw new TaskError(`unexpected entry line in the K3s layout output: ${JSON.stringify(line)}`);
      }
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new TaskError(`unexpected line in the K3s layout output: ${JSON.stringify(line)}`);
    kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  if (!kv.has('data_dir')) throw new TaskError(`the K3s layout output is incomplete: ${JSON.stringify(result.stdout.slice(0, 200))}`);
  const yes = (key: string): boolean => kv.get(key) === 'yes';
  const layout = kv.get('layout');
  const target = kv.get('multicall_target');
  return {
    binary: kv.get('binary') || null,
    version_line: kv.get('version') ?? '',
    machine: kv.get('machine') ?? '',
    data_dir: kv.get('data_dir') ?? '',
    data_dir_source: kv.get('data_dir_source') ?? '',
    data_dir_exists: yes('data_dir_exists'),
    layout: layout === 'cni' || layout === 'current' ? layout : null,
    multicall:
      target === undefined
        ? null
        : {
            source: kv.get('multicall_source') === 'link' ? 'link' : 'current',
            target,
            exists: yes('multicall_exists'),
            executable: yes('multicall_executable'),
            sha256: validSha(kv.get('multicall_sha256')),
          },
    entries,
    flannel_conflist_sha256: validSha(kv.get('flannel_sha256')),
    flannel_cni_version: cniVersionOf(kv.get('flannel_b64')),
    multus_conf_present: yes('multus_conf'),
    bin_dir_others: others.sort(),
    bin_dir_writable: kv.get('bin_dir_writable') !== 'no',
    stray_temp_links: strays.sort(),
    conf_dir_files: confFiles.sort(),
  };
}

function cniVersionOf(b64: string | undefined): string | null {
  if (!b64) return null;
  try {
    const v = (JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as { cniVersion?: unknown }).cniVersion;
    return typeof v === 'string' && /^\d+\.\d+\.\d+$/.test(v) ? v : null;
  } catch {
    return null;
  }
}

function validSha(s: string | undefined): string | null {
  return s !== undefined && /^[0-9a-f]{64}$/.test(s) ? s : null;
}

export function k3sProbeFact(options: K3sProbeOptions = {}): Fact<K3sProbe> {
  return { command: k3sProbeCommand(options), parse: parseK3sProbe };
}

/** How an entry appears in messages and diffs: `host-local -> /…/cni`, `host-local: regular file sha256 …`. */
export function describeEntry(name: string, entry: K3sEntry | undefined): string {
  if (!entry || entry.kind === 'missing') return `${name}: missing`;
  if (entry.kind === 'symlink') return `${name} -> ${entry.target}`;
  if (entry.kind === 'file') return `${name}: regular file sha256 ${entry.sha256 ?? 'unreadable'} mode ${entry.mode}`;
  return `${name}: not a file or symlink`;
}
