/**
 * What Multus thick left on a node (docs/k3s-multus.md §8–§10), read by one read-only script: its
 * binaries in the K3s CNI bin dir, 00-multus.conf, the Flannel conflist it points at, the
 * daemon's socket and whether `/healthz` answers (asked with curl, else python3, else not
 * at all). v4.3.0 serves `/healthz` only, for GET and POST; every other path is 404
 * (docs/k3s-multus.md §8). It is POSTed, as multus-shim does before each CNI call. A pure parser turns the output into an observation.
 */
import { TaskError } from '../../src/errors.ts';
import { sh } from '../../src/connection/quote.ts';
import type { ExecResult } from '../../src/connection/types.ts';
import type { Fact } from '../../src/module/task.ts';
import { pluginLines, pythonHttpStatus } from '../lib/unix-http.ts';

export interface PluginObservation {
  kind: 'file' | 'symlink' | 'missing' | 'other';
  executable: boolean;
}

export interface MultusObservation {
  plugins: Record<string, PluginObservation>;
  /** Content of 00-multus.conf, or null when it is not a regular file. */
  multus_conf: string | null;
  /** Content of 10-flannel.conflist, or null when it is not a regular file. */
  flannel_conflist: string | null;
  socket_is_socket: boolean;
  /** How /healthz was asked, and the HTTP status it answered ('000': no answer). */
  healthz: { via: 'curl' | 'python3'; status: string } | { via: 'none' | 'no-socket' };
}

export interface MultusProbeOptions {
  binDir: string;
  plugins: string[];
  multusConf: string;
  flannelConflist: string;
  socket: string;
}

/** HTTP/1.0 POST of /healthz over a unix socket; prints the status code, or 000. */
export const PYTHON_HEALTHZ = pythonHttpStatus('b"POST /healthz HTTP/1.0\\r\\nHost: localhost\\r\\nContent-Length: 0\\r\\n\\r\\n"');

export function multusProbeCommand(o: MultusProbeOptions): string {
  return [
    sh`bindir=${o.binDir}; conf=${o.multusConf}; flannel=${o.flannelConflist}; sock=${o.socket}; py=${PYTHON_HEALTHZ}`,
    ...pluginLines(o.plugins),
    // base64 keeps arbitrary file content on one parseable line.
    `show() { if [ -f "$2" ]; then printf '%s ' "$1"; base64 < "$2" | tr -d '\\n'; echo; else echo "$1 -"; fi; }`,
    'show conf "$conf"; show flannel "$flannel"',
    'if [ -S "$sock" ]; then echo socket=yes; else echo socket=no; fi',
    'if ! [ -S "$sock" ]; then echo healthz=no-socket',
    'elif command -v curl >/dev/null 2>&1; then',
    `  echo "healthz=curl $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST --data '' --unix-socket "$sock" http://localhost/healthz 2>/dev/null)"`,
    'elif command -v python3 >/dev/null 2>&1; then echo "healthz=python3 $(python3 -c "$py" "$sock" 2>/dev/null)"',
    'else echo healthz=none; fi',
  ].join('\n');
}

/** Pure parser of multusProbeCommand's output. */
export function parseMultusProbe(result: ExecResult): MultusObservation {
  if (result.exitCode !== 0) {
    throw new TaskError(`reading Multus's files failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  const obs: MultusObservation = {
    plugins: {},
    multus_conf: null,
    flannel_conflist: null,
    socket_is_socket: false,
    healthz: { via: 'none' },
  };
  let sawHealthz = false;
  for (const line of result.stdout.split('\n')) {
    if (line === '') continue;
    const [word, ...rest] = line.split(' ');
    if (word === 'plugin') {
      const [name, kind, x] = rest;
      if (kind !== 'file' && kind !== 'symlink' && kind !== 'missing' && kind !== 'other') throw unexpected(line);
      obs.plugins[name] = { kind, executable: x === 'yes' };
    } else if (word === 'conf' || word === 'flannel') {
      const text = rest[0] === '-' || rest[0] === undefined ? null : Buffer.from(rest[0], 'base64').toString('utf8');
      if (word === 'conf') obs.multus_conf = text;
      else obs.flannel_conflist = text;
    } else if (line.startsWith('socket=')) {
      obs.socket_is_socket = line === 'socket=yes';
    } else if (line.startsWith('healthz=')) {
      sawHealthz = true;
      const [via, status] = line.slice('healthz='.length).split(' ');
      if (via === 'curl' || via === 'python3') obs.healthz = { via, status: /^\d{3}$/.test(status ?? '') ? status : '000' };
      else if (via === 'none' || via === 'no-socket') obs.healthz = { via };
      else throw unexpected(line);
    } else {
      throw unexpected(line);
    }
  }
  if (!sawHealthz) throw new TaskError(`Multus probe output is incomplete: ${JSON.stringify(result.stdout.slice(0, 200))}`);
  return obs;
}

const unexpected = (line: string): TaskError => new TaskError(`unexpected line in Multus probe output: ${JSON.stringify(line)}`);

export function multusProbeFact(options: MultusProbeOptions): Fact<MultusObservation> {
  return { command: multusProbeCommand(options), parse: parseMultusProbe };
}
