/**
 * From one node's drift observation to its items and its path table (pure). The checks are
 * install's verify checks (tasks/multus/checks.ts), each named by the kind of drift it
 * finds, with what was expected and what was found.
 */
import { posix } from 'node:path';
import { K3S_OWNED_PLUGINS, MULTUS_OWNED_BINARIES, k3sMultusPaths, type CniLayout } from '../k3s/layout.ts';
import { multicallOverwrittenSince, parseRecord, type BackupRecord } from '../k3s/backup-record.ts';
import { linkedNames, wantedLinkTarget } from '../k3s/facts.ts';
import { describeEntry, type K3sEntry } from '../k3s/probe.ts';
import type { DriftObservation } from './probe.ts';
import type { DriftItem, DriftKind, DriftSeverity, PathRow } from './types.ts';
import { conflistName, parseJsonObject } from '../lib/cni-json.ts';

export interface HostDriftConfig {
  extraPlugins: string[];
  socket: string;
  stateFile: string;
}

export type HostDrift =
  | { checked: true; items: DriftItem[]; paths: PathRow[]; problems: string[] }
  | { checked: false; error: string; paths: PathRow[] };

/** host-local first: it is the name whose loss breaks the node's pod network. */
export function k3sNamesInOrder(layout: CniLayout): string[] {
  const names = linkedNames(layout, K3S_OWNED_PLUGINS);
  return [...names.filter((n) => n === 'host-local'), ...names.filter((n) => n !== 'host-local')];
}

export function evaluateHostDrift(host: string, obs: DriftObservation, config: HostDriftConfig): HostDrift {
  const { k3s } = obs;
  const item = (kind: DriftKind, severity: DriftSeverity, expected: string, found: string, path?: string): DriftItem => ({
    host,
    kind,
    ...(path !== undefined ? { path } : {}),
    expected,
    found,
    severity,
  });
  if (!k3s.data_dir_exists) return { checked: false, error: `K3s data dir ${k3s.data_dir} does not exist`, paths: [] };
  if (k3s.layout === null || !k3s.multicall) return { checked: false, error: `no K3s CNI bin dir under ${k3s.data_dir}`, paths: [] };
  const layout = k3s.layout;
  const mc = k3s.multicall;
  const paths = k3sMultusPaths(k3s.data_dir, layout);
  const binDir = paths.cniBinDir;
  const problems: string[] = [];
  const records = [obs.latest, obs.pristine].flatMap((text, i) => {
    if (text === null) return [];
    const r = parseRecord(text);
    if (typeof r === 'string') {
      problems.push(`${i === 0 ? 'latest' : 'pristine'} backup record: ${r}`);
      return [];
    }
    return [r];
  });
  const pristine = obs.pristine === null ? undefined : records[records.length - 1];
  const items: DriftItem[] = [];

  if (obs.state === null) {
    items.push(item('not_installed', 'error', `${config.stateFile} written by provision install`, 'missing', config.stateFile));
    return { checked: true, items, paths: pathTable(obs, config, binDir, paths.multusConf, paths.flannelConflist, pristine, records, layout), problems };
  }

  // K3s's names: each a link to the multicall binary data/cni/cni points at now; a link
  // into another bundle is what an upgrade leaves when the link was not K3s's (docs/k3s-multus.md §4).
  const want = wantedLinkTarget(layout, mc.target);
  const bundles = `${k3s.data_dir}/data/`;
  for (const name of k3sNamesInOrder(layout)) {
    const entry: K3sEntry = k3s.entries[name] ?? { kind: 'missing' };
    const path = posix.join(binDir, name);
    if (entry.kind === 'symlink' && entry.target === want) continue;
    const stale = entry.kind === 'symlink' && layout === 'cni' && entry.target.startsWith(bundles) && /\/bin\/[^/]+$/.test(entry.target);
    items.push(item(stale ? 'k3s_link_stale' : 'k3s_link_replaced', 'error', `symlink to ${want}`, describeEntry(name, entry), path));
  }

  if (!mc.exists || !mc.executable) {
    items.push(item('multicall_missing', 'critical', 'an executable K3s multicall binary', mc.exists ? 'not executable' : 'missing', mc.target));
  } else {
    const original = multicallOverwrittenSince(records, mc);
    if (original) {
      items.push(item('multicall_changed', 'critical', `sha256 ${original.multicall.sha256} (backup of ${original.time})`, `sha256 ${mc.sha256}`, mc.target));
    } else if (records.length > 0 && !records.some((r) => r.multicall.target === mc.target)) {
      items.push(item('multicall_unrecorded', 'warning', `a backed-up multicall binary (${records[0].multicall.target})`, `${mc.target}, in no backup (K3s upgraded?)`, mc.target));
    }
  }

  for (const name of [...MULTUS_OWNED_BINARIES, ...config.extraPlugins]) {
    const p = obs.plugins[name] ?? { kind: 'missing', executable: false };
    const path = posix.join(binDir, name);
    if (p.kind === 'missing') items.push(item('plugin_missing', 'error', 'an executable regular file', 'missing', path));
    else if (p.kind !== 'file' || !p.executable) {
      items.push(item('plugin_not_executable', 'error', 'an executable regular file', p.kind === 'file' ? 'not executable' : p.kind === 'symlink' ? 'a symlink' : 'a special file', path));
    }
  }

  const answered = 'status' in obs.health && obs.health.status !== '000';
  const healthy = 'status' in obs.health && obs.health.status === '200';
  const conf = paths.multusConf;
  if (obs.multus_conf !== null && !answered && obs.health.via !== 'none') {
    // Every new pod on the node fails: the shim finds the conf and nothing behind the socket (docs/k3s-multus.md §9).
    items.push(item('conf_stale', 'critical', `multus-daemon answering on ${config.socket}`, `${posix.basename(conf)} present, ${obs.socket_is_socket ? 'nothing answers on the socket' : 'no socket'}`, conf));
  } else {
    if (obs.multus_conf === null) items.push(item('conf_missing', 'error', '00-multus.conf written by multus-daemon', 'missing', conf));
    else {
      const wrong = confProblem(obs.multus_conf, paths.flannelConflist, obs.flannel_conflist);
      if (wrong) items.push(item('conf_wrong', 'error', wrong.expected, wrong.found, conf));
    }
    if (!obs.socket_is_socket) items.push(item('socket_missing', 'error', 'a unix socket', 'missing', config.socket));
    else if (obs.health.via === 'none') items.push(item('health_unchecked', 'warning', 'GET /healthz answered', 'not asked: the host has neither curl nor python3', config.socket));
    else if (!healthy) items.push(item('not_ready', 'error', 'GET /healthz answered 200', answered ? `answered ${(obs.health as { status: string }).status}` : 'nothing answered', config.socket));
  }

  const flannel = paths.flannelConflist;
  if (obs.flannel_conflist === null || k3s.flannel_conflist_sha256 === null) {
    items.push(item('flannel_conf_missing', 'error', 'the Flannel conflist K3s writes', 'missing', flannel));
  } else if (records[0] && records[0].flannel_conflist_sha256 !== k3s.flannel_conflist_sha256) {
    items.push(item('flannel_conf_changed', 'warning', `sha256 ${records[0].flannel_conflist_sha256} (backup of ${records[0].time})`, `sha256 ${k3s.flannel_conflist_sha256} (K3s rewrites it at agent start)`, flannel));
  }
  return { checked: true, items, paths: pathTable(obs, config, binDir, conf, flannel, pristine, records, layout), problems };
}

function confProblem(text: string, flannelPath: string, flannelText: string | null): { expected: string; found: string } | undefined {
  const parsed = parseJsonObject(text);
  if ('problem' in parsed) return { expected: 'a JSON CNI config', found: `does not parse: ${parsed.problem}` };
  const conf = parsed.object;
  if (conf.type !== 'multus-shim') return { expected: 'type "multus-shim"', found: `type ${JSON.stringify(conf.type)}` };
  const file = posix.basename(flannelPath);
  const name = conflistName(flannelText);
  const cluster = conf.clusterNetwork;
  if (typeof cluster === 'string' && (posix.basename(cluster) === file || (name !== undefined && cluster === name))) return undefined;
  return { expected: `clusterNetwork ${file}${name ? ` or "${name}"` : ''}`, found: `clusterNetwork ${JSON.stringify(cluster)}` };
}

/** Every path install touches, marked against the first backup (K3s's) or against nothing (Multus's). */
function pathTable(
  obs: DriftObservation,
  config: HostDriftConfig,
  binDir: string,
  conf: string,
  flannel: string,
  pristine: BackupRecord | undefined,
  records: BackupRecord[],
  layout: CniLayout,
): PathRow[] {
  const rows: PathRow[] = [];
  const mc = obs.k3s.multicall;
  for (const name of k3sNamesInOrder(layout)) {
    const now = obs.k3s.entries[name] ?? { kind: 'missing' };
    const path = posix.join(binDir, name);
    if (now.kind === 'missing') rows.push({ path, mark: 'missing', owner: 'k3s' });
    else {
      const was = pristine?.entries[name];
      const same = was !== undefined && sameEntry(was, now);
      const wanted = mc !== null && now.kind === 'symlink' && now.target === wantedLinkTarget(layout, mc.target);
      rows.push({ path, mark: same || wanted ? 'unchanged' : 'overwritten', owner: 'k3s', note: describeEntry(name, now).slice(name.length).replace(/^:? ?/, '') });
    }
  }
  for (const name of [...MULTUS_OWNED_BINARIES, ...config.extraPlugins]) {
    const p = obs.plugins[name];
    rows.push({ path: posix.join(binDir, name), mark: !p || p.kind === 'missing' ? 'missing' : 'new', owner: 'multus' });
  }
  if (mc) {
    const overwritten = multicallOverwrittenSince(records, mc) !== undefined;
    rows.push({ path: mc.target, mark: !mc.exists ? 'missing' : overwritten ? 'overwritten' : 'unchanged', owner: 'k3s' });
  }
  rows.push({ path: conf, mark: obs.multus_conf === null ? 'missing' : 'new', owner: 'multus' });
  const flannelMark = obs.k3s.flannel_conflist_sha256 === null ? 'missing' : records[0] && records[0].flannel_conflist_sha256 !== obs.k3s.flannel_conflist_sha256 ? 'overwritten' : 'unchanged';
  rows.push({ path: flannel, mark: flannelMark, owner: 'k3s' });
  rows.push({ path: config.socket, mark: obs.socket_is_socket ? 'new' : 'missing', owner: 'multus' });
  rows.push({ path: '/var/lib/cni/multus', mark: obs.cache_dir ? 'new' : 'missing', owner: 'multus' });
  rows.push({ path: config.stateFile, mark: obs.state === null ? 'missing' : 'new', owner: 'provision' });
  return rows;
}

function sameEntry(a: K3sEntry, b: K3sEntry): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'symlink' && b.kind === 'symlink') return a.target === b.target;
  if (a.kind === 'file' && b.kind === 'file') return a.sha256 === b.sha256 && a.mode === b.mode;
  return true;
}
