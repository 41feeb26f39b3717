/**
 * Everything drift needs from one node, read by ONE read-only script (one exec per host):
 * K3s's side through k3s_facts' own probe (run in a subshell, its output carried
 * base64-encoded), then Multus's binaries, 00-multus.conf, the Flannel conflist, the
 * daemon's socket and its `/healthz` (docs/k3s-multus.md §8), Multus's other directories,
 * state.json and the two backup records. A pure parser (tested from recorded output) turns
 * the output into an observation; evaluation is separate (host-items.ts).
 */
import { TaskError } from '../../src/errors.ts';
import { sh } from '../../src/connection/quote.ts';
import type { ExecResult } from '../../src/connection/types.ts';
import type { Fact } from '../../src/module/task.ts';
import { k3sProbeCommand, parseK3sProbe, type K3sProbe } from '../k3s/probe.ts';
import { RECORD_FILE, LATEST, PRISTINE } from '../k3s/backup-record.ts';
import { STATE_FILE } from '../multus/install-record.ts';
import type { PluginObservation } from '../multus/probe.ts';
import { pluginLines, pythonHttpStatus } from '../lib/unix-http.ts';

/** Multus v4.3.0's daemon answers here (its /readyz is a 404). */
export const HEALTH_PATH = '/healthz';
/** state.json and record.json are small; a larger file is not ours and is not read whole. */
export const RECORD_LIMIT = 1024 * 1024;

export interface DriftProbeOptions {
  /** K3s --data-dir; undefined: read from the K3s config, as k3s_facts does. */
  dataDir?: string;
  binary?: string;
  plugins: string[];
  socket: string;
  stateDir: string;
  backupDir: string;
}

export type HealthObservation = { via: 'curl' | 'python3'; status: string } | { via: 'none' | 'no-socket' };

export interface DriftObservation {
  hostname: string;
  k3s: K3sProbe;
  plugins: Record<string, PluginObservation>;
  multus_conf: string | null;
  flannel_conflist: string | null;
  socket_is_socket: boolean;
  /** How /healthz was asked, and the HTTP status ('000': nothing answered). */
  health: HealthObservation;
  socket_dir: boolean;
  cache_dir: boolean;
  state: string | null;
  pristine: string | null;
  latest: string | null;
}

/** HTTP/1.0 GET of argv[2] over the unix socket argv[1]; prints the status, or 000. */
const PYTHON_GET = pythonHttpStatus('b"GET " + sys.argv[2].encode() + b" HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n"');

/**
 * Asks the daemon's /healthz on "$sock" (curl, else python3, else not at all) and prints
 * one `health=` line: `health=curl 200`, `health=python3 000`, `health=no-socket`,
 * `health=none`. healthScript sets $sock, $hpath and $py first.
 */
const HEALTH_LINES = [
  'if ! [ -S "$sock" ]; then health=no-socket',
  'elif command -v curl >/dev/null 2>&1; then',
  `  health="curl $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket "$sock" "http://localhost$hpath" 2>/dev/null)"`,
  'elif command -v python3 >/dev/null 2>&1; then health="python3 $(python3 -c "$py" "$sock" "$hpath" 2>/dev/null)"',
  'else health=none; fi',
  'echo "health=$health"',
];

export function healthScript(socket: string): string[] {
  return [sh`sock=${socket}; hpath=${HEALTH_PATH}; py=${PYTHON_GET}`, ...HEALTH_LINES];
}

/** Pure: a `health=` line's value. */
export function parseHealth(value: string): HealthObservation | undefined {
  const [via, status] = value.split(' ');
  if (via === 'curl' || via === 'python3') return { via, status: /^\d{3}$/.test(status ?? '') ? status : '000' };
  if (via === 'none' || via === 'no-socket') return { via };
  return undefined;
}

export function driftProbeCommand(o: DriftProbeOptions): string {
  return [
    sh`sock=${o.socket}; statedir=${o.stateDir}; backup=${o.backupDir}; hpath=${HEALTH_PATH}; py=${PYTHON_GET}; limit=${String(RECORD_LIMIT)}`,
    `printf 'hostname %s\\n' "$(hostname 2>/dev/null | head -n 1)"`,
    // k3s_facts' probe exits early on some nodes: a subshell keeps this script going.
    `k3s=$( ( ${k3sProbeCommand({ ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}), ...(o.binary !== undefined ? { binary: o.binary } : {}) })}\n) 2>&1 ); rc=$?`,
    `printf 'k3s %s ' "$rc"; printf '%s' "$k3s" | base64 | tr -d '\\n'; echo`,
    // The same derivation as layout.ts's k3sMultusPaths, from the probe's first lines.
    `dd=$(printf '%s\\n' "$k3s" | sed -n 's/^data_dir=//p' | head -n 1)`,
    `layout=$(printf '%s\\n' "$k3s" | sed -n 's/^layout=//p' | head -n 1)`,
    'case $layout in cni) bindir=$dd/data/cni ;; current) bindir=$dd/data/current/bin ;; *) bindir= ;; esac',
    'netd=$dd/agent/etc/cni/net.d',
    'if [ -n "$bindir" ]; then',
    ...pluginLines(o.plugins, '  '),
    'fi',
    // base64 keeps any content on one parseable line; head bounds what is read.
    `show() { if [ -f "$2" ]; then printf '%s ' "$1"; head -c "$limit" < "$2" | base64 | tr -d '\\n'; echo; else echo "$1 -"; fi; }`,
    'if [ -n "$dd" ]; then show conf "$netd/00-multus.conf"; show flannel "$netd/10-flannel.conflist"; fi',
    `show state "$statedir/${STATE_FILE}"`,
    `show pristine "$backup/${PRISTINE}/${RECORD_FILE}"`,
    `show latest "$backup/${LATEST}/${RECORD_FILE}"`,
    'if [ -d "${sock%/*}" ]; then echo socket_dir=yes; else echo socket_dir=no; fi',
    'if [ -d /var/lib/cni/multus ]; then echo cache_dir=yes; else echo cache_dir=no; fi',
    'if [ -S "$sock" ]; then echo socket=yes; else echo socket=no; fi',
    ...HEALTH_LINES,
  ].join('\n');
}

const decode = (b64: string | undefined): string | null =>
  b64 === undefined || b64 === '-' ? null : Buffer.from(b64, 'base64').toString('utf8');

/** Pure parser of driftProbeCommand's output. */
export function parseDriftProbe(result: ExecResult): DriftObservation {
  if (result.exitCode !== 0) {
    throw new TaskError(`the drift probe failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  let k3s: K3sProbe | undefined;
  let health: HealthObservation | undefined;
  const obs: Omit<DriftObservation, 'k3s' | 'health'> = {
    hostname: '',
    plugins: {},
    multus_conf: null,
    flannel_conflist: null,
    socket_is_socket: false,
    socket_dir: false,
    cache_dir: false,
    state: null,
    pristine: null,
    latest: null,
  };
  for (const line of result.stdout.split('\n')) {
    if (line === '') continue;
    const [word, ...rest] = line.split(' ');
    if (word === 'hostname') obs.hostname = rest.join(' ');
    else if (word === 'k3s') {
      const rc = Number(rest[0]);
      k3s = parseK3sProbe({ exitCode: Number.isInteger(rc) ? rc : 1, stdout: decode(rest[1] ?? '') ?? '', stderr: '' });
    } else if (word === 'plugin') {
      const [name, kind, x] = rest;
      if (kind !== 'file' && kind !== 'symlink' && kind !== 'missing' && kind !== 'other') throw unexpected(line);
      obs.plugins[name] = { kind, executable: x === 'yes' };
    } else if (word === 'conf') obs.multus_conf = decode(rest[0]);
    else if (word === 'flannel') obs.flannel_conflist = decode(rest[0]);
    else if (word === 'state') obs.state = decode(rest[0]);
    else if (word === 'pristine') obs.pristine = decode(rest[0]);
    else if (word === 'latest') obs.latest = decode(rest[0]);
    else if (line.startsWith('socket_dir=')) obs.socket_dir = line === 'socket_dir=yes';
    else if (line.startsWith('cache_dir=')) obs.cache_dir = line === 'cache_dir=yes';
    else if (line.startsWith('socket=')) obs.socket_is_socket = line === 'socket=yes';
    else if (line.startsWith('health=')) {
      health = parseHealth(line.slice('health='.length));
      if (!health) throw unexpected(line);
    } else throw unexpected(line);
  }
  if (!k3s || !health) throw new TaskError(`the drift probe output is incomplete: ${JSON.stringify(result.stdout.slice(0, 200))}`);
  return { ...obs, k3s, health };
}

const unexpected = (line: string): TaskError => new TaskError(`unexpected line in the drift probe output: ${JSON.stringify(line.slice(0, 200))}`);

export function driftProbeFact(options: DriftProbeOptions): Fact<DriftObservation> {
  return { command: driftProbeCommand(options), parse: parseDriftProbe };
}
