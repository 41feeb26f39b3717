/**
 * Where a node's K3s takes its data dir and node name from (docs/k3s-multus.md §1–§2), read
 * from the node by one read-only script and resolved by a pure function:
 *
 *   the flags K3s runs with: the running k3s process's command line (its environment for
 *   K3S_*), else the systemd unit's ExecStart (its Environment= and .env file);
 *   then the config files: K3S_CONFIG_FILE, else --config/-c, else
 *   /etc/rancher/k3s/config.yaml, then <file>.d/*.yaml|yml in name order, the last wins;
 *   then K3S_DATA_DIR / K3S_NODE_NAME; then k3s-ansible's `k3s_server_location`
 *   (data dir only); then the default (/var/lib/rancher/k3s; the hostname, lower-cased).
 *
 * That is K3s's own order: pkg/configfilearg/parser.go inserts the config values right after
 * the `server`/`agent` word, before the command line's own flags, and urfave/cli takes an
 * env var only as a flag's default. A k3s process in another mount namespace (a container,
 * a k3d node) is not this node's and is skipped.
 */
import { parse as parseYaml } from 'yaml';
import { TaskError } from '../../src/errors.ts';
import { sh } from '../../src/connection/quote.ts';
import type { ExecResult } from '../../src/connection/types.ts';
import type { Fact } from '../../src/module/task.ts';
import { DEFAULT_K3S_DATA_DIR } from './layout.ts';
import { DEFAULT_K3S_CONFIG_FILE } from './probe.ts';

/** The only environment variables read (and so the only ones that leave the node). */
const ENV_NAMES = '^(export[[:space:]]+)?K3S_(DATA_DIR|CONFIG_FILE|NODE_NAME)=';

const UNITS = ['/etc/systemd/system/k3s.service', '/etc/systemd/system/k3s-agent.service', '/lib/systemd/system/k3s.service', '/usr/lib/systemd/system/k3s.service'];

export interface K3sSources {
  processes: Array<{ pid: number; argv: string[]; env: Record<string, string> }>;
  units: Array<{ path: string; text: string; envFile?: string }>;
  configs: Array<{ path: string; text: string }>;
  hostname: string;
  /** The node's address this connection reached (SSH_CONNECTION's third field), if any. */
  connectedAddress: string;
}

/** Reads processes, units and config files; `configFile` is read (with its .d) besides the default. */
export function k3sSourcesCommand(configFile?: string): string {
  // The default is always read too: `--config` on K3s's command line may name another file.
  const b64 = (what: string) => `$(${what} 2>/dev/null | base64 | tr -d '\\n')`;
  return [
    sh`units=${UNITS.join(' ')}; configs=${[DEFAULT_K3S_CONFIG_FILE, ...(configFile && configFile !== DEFAULT_K3S_CONFIG_FILE ? [configFile] : [])].join(' ')}`,
    'self=$(readlink /proc/self/ns/mnt 2>/dev/null)',
    'for d in /proc/[0-9]*; do',
    '  c=$(cat "$d/comm" 2>/dev/null) || continue',
    '  case $c in k3s|k3s-server|k3s-agent) ;; *) continue ;; esac',
    '  [ "$(readlink "$d/ns/mnt" 2>/dev/null)" = "$self" ] || continue',
    // Of the environment only the three variables read here: K3S_TOKEN and the like stay on the node.
    `  echo "proc \${d#/proc/} ${b64('tr "\\\\0" "\\\\n" < "$d/cmdline"')} ${b64(`tr "\\\\0" "\\\\n" < "$d/environ" | grep -E '${ENV_NAMES}'`)}"`,
    'done',
    'for u in $units; do',
    `  [ -f "$u" ] && echo "unit $u ${b64('cat "$u"')} ${b64(`grep -E '${ENV_NAMES}' "$u.env"`)}"`,
    'done',
    'for f in $configs; do',
    `  [ -f "$f" ] && echo "config $f ${b64('cat "$f"')}"`,
    '  for g in "$f.d"/*.yaml "$f.d"/*.yml; do',
    `    [ -f "$g" ] && echo "config $g ${b64('cat "$g"')}"`,
    '  done',
    'done',
    `echo "hostname $(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"`,
    'set -- $SSH_CONNECTION; echo "connected ${3:-}"',
    'true',
  ].join('\n');
}

const unb64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');
const envOf = (text: string): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
};

export function parseK3sSources(result: ExecResult): K3sSources {
  if (result.exitCode !== 0) throw new TaskError(`reading K3s's settings failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  const out: K3sSources = { processes: [], units: [], configs: [], hostname: '', connectedAddress: '' };
  for (const line of result.stdout.split('\n')) {
    const [word, a, b, c] = line.split(' ');
    if (word === 'proc') out.processes.push({ pid: Number(a), argv: unb64(b).split('\n').filter((x, i, all) => x !== '' || i < all.length - 1), env: envOf(unb64(c)) });
    else if (word === 'unit') out.units.push({ path: a, text: unb64(b), ...(c ? { envFile: unb64(c) } : {}) });
    else if (word === 'config') out.configs.push({ path: a, text: unb64(b) });
    else if (word === 'hostname') out.hostname = line.slice('hostname '.length).trim();
    else if (word === 'connected') out.connectedAddress = (a ?? '').trim();
  }
  return out;
}

export function k3sSourcesFact(configFile?: string): Fact<K3sSources> {
  return { command: k3sSourcesCommand(configFile), parse: parseK3sSources };
}

/** ExecStart of a unit as argv: backslash continuations joined, single and double quotes honoured. */
export function execStartArgv(unit: string): string[] {
  const joined = unit.replace(/\\\r?\n/g, ' ');
  const line = joined.split('\n').find((l) => /^\s*ExecStart\s*=/.test(l));
  if (!line) return [];
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.replace(/^\s*ExecStart\s*=\s*[-@!+:]*/, '').matchAll(re)) words.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]);
  return words;
}

function unitEnv(unit: { text: string; envFile?: string }): Record<string, string> {
  const env = envOf(unit.envFile ?? '');
  for (const m of unit.text.matchAll(/^\s*Environment\s*=\s*(.*)$/gm)) {
    for (const w of m[1].matchAll(/"([^"]*)"|(\S+)/g)) Object.assign(env, envOf(w[1] ?? w[2]));
  }
  return env;
}

/** The last value of a flag after the `server`/`agent` word (`--f v`, `--f=v`, `-s v`). */
export function flagValue(argv: string[], long: string, short?: string): string | undefined {
  const start = argv.findIndex((a, i) => i > 0 && (a === 'server' || a === 'agent'));
  if (start < 0) return undefined;
  let value: string | undefined;
  for (let i = start + 1; i < argv.length; i++) {
    const a = argv[i];
    for (const name of [`--${long}`, `-${long}`, ...(short ? [`-${short}`] : [])]) {
      if (a === name && i + 1 < argv.length) value = argv[++i];
      else if (a.startsWith(`${name}=`)) value = a.slice(name.length + 1);
    }
  }
  return value;
}

function configValue(configs: K3sSources['configs'], file: string, key: string): { value: string; file: string } | undefined {
  const files = configs.filter((c) => c.path === file);
  const dropins = configs.filter((c) => c.path.startsWith(`${file}.d/`)).sort((x, y) => (x.path < y.path ? -1 : 1));
  let found: { value: string; file: string } | undefined;
  for (const c of [...files, ...dropins]) {
    let doc: unknown;
    try {
      doc = parseYaml(c.text);
    } catch {
      continue; // K3s itself fails on such a file; the preflight reports what K3s runs with
    }
    const v = doc && typeof doc === 'object' ? (doc as Record<string, unknown>)[key] : undefined;
    if (typeof v === 'string' && v !== '') found = { value: v, file: c.path };
  }
  return found;
}

export interface K3sSettings {
  data_dir: string;
  data_dir_source: string;
  node_name: string;
  node_name_source: string;
  /** The config file K3s reads (may not exist). */
  config_file: string;
  connected_address: string;
}

export function resolveK3sSettings(src: K3sSources, serverLocation?: string, defaultConfigFile: string = DEFAULT_K3S_CONFIG_FILE): K3sSettings {
  const proc = src.processes.find((p) => p.argv.some((a, i) => i > 0 && (a === 'server' || a === 'agent')));
  const unit = src.units[0];
  const argv = proc?.argv ?? (unit ? execStartArgv(unit.text) : []);
  const env = proc ? proc.env : unit ? unitEnv(unit) : {};
  const where = proc ? `the command line of k3s (pid ${proc.pid})` : unit ? `ExecStart of ${unit.path}` : '';
  const envWhere = proc ? `the environment of k3s (pid ${proc.pid})` : unit ? `the environment of ${unit.path}` : '';
  const configFile = env.K3S_CONFIG_FILE || flagValue(argv, 'config', 'c') || defaultConfigFile;

  const pick = (flag: string, short: string | undefined, envName: string): { value: string; source: string } | undefined => {
    const fromArgs = flagValue(argv, flag, short);
    if (fromArgs) return { value: fromArgs, source: `--${flag} in ${where}` };
    const fromConfig = configValue(src.configs, configFile, flag);
    if (fromConfig) return { value: fromConfig.value, source: `config ${fromConfig.file}` };
    if (env[envName]) return { value: env[envName], source: `${envName} in ${envWhere}` };
    return undefined;
  };
  const dataDir = pick('data-dir', 'd', 'K3S_DATA_DIR') ??
    (serverLocation ? { value: serverLocation, source: 'k3s_server_location (inventory)' } : { value: DEFAULT_K3S_DATA_DIR, source: 'default' });
  const nodeName = pick('node-name', undefined, 'K3S_NODE_NAME') ?? { value: src.hostname, source: 'hostname' };
  return {
    data_dir: dataDir.value.replace(/(.)\/+$/, '$1'),
    data_dir_source: dataDir.source,
    // K3s lower-cases the name (pkg/util/net.go GetHostnameAndIPs).
    node_name: nodeName.value.toLowerCase(),
    node_name_source: nodeName.source,
    config_file: configFile,
    connected_address: src.connectedAddress,
  };
}
