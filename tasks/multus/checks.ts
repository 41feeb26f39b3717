/**
 * The checks of multus_verify, as a pure function of what was read: every check is
 * evaluated and reported, not only the first that fails, so one run shows everything
 * wrong with a node. A check of severity 'warning' is reported but does not fail the task.
 */
import { posix } from 'node:path';
import { K3S_OWNED_PLUGINS, type CniLayout } from '../k3s/layout.ts';
import { multicallOverwrittenSince, type BackupRecord } from '../k3s/backup-record.ts';
import { linkedNames, wantedLinkTarget } from '../k3s/facts.ts';
import { describeEntry, type K3sProbe } from '../k3s/probe.ts';
import type { MultusObservation } from './probe.ts';
import { thickInstallerBinaries } from './release.ts';
import { conflistName, parseJsonObject } from '../lib/cni-json.ts';

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
  severity: 'error' | 'warning';
}

export interface VerifyInput {
  k3s: K3sProbe;
  layout: CniLayout;
  binDir: string;
  flannelConflistPath: string;
  multusConfPath: string;
  socket: string;
  extraPlugins: string[];
  /** The Multus release installed: which binaries its installer writes (release.ts). */
  multusVersion?: string;
  multus: MultusObservation;
  /** Backups, newest first (latest, then pristine). */
  records: BackupRecord[];
}

export function evaluateMultusInstall(input: VerifyInput): VerifyCheck[] {
  return [
    ...pluginChecks(input),
    ...k3sLinkChecks(input),
    ...multicallChecks(input),
    ...multusConfChecks(input),
    flannelCheck(input),
    socketCheck(input),
    healthzCheck(input),
  ];
}

const pass = (name: string, detail: string): VerifyCheck => ({ name, ok: true, detail, severity: 'error' });
const fail = (name: string, detail: string, severity: VerifyCheck['severity'] = 'error'): VerifyCheck => ({
  name,
  ok: false,
  detail,
  severity,
});

function pluginChecks(input: VerifyInput): VerifyCheck[] {
  return [...thickInstallerBinaries(input.multusVersion), ...input.extraPlugins].map((name) => {
    const path = posix.join(input.binDir, name);
    const p = input.multus.plugins[name] ?? { kind: 'missing', executable: false };
    const check = `plugin ${name}`;
    if (p.kind === 'missing') return fail(check, `${path} is missing`);
    if (p.kind !== 'file') return fail(check, `${path} is a ${p.kind === 'symlink' ? 'symlink' : 'special file'}, not a regular file`);
    if (!p.executable) return fail(check, `${path} is not executable`);
    return pass(check, `${path} is an executable regular file`);
  });
}

function k3sLinkChecks(input: VerifyInput): VerifyCheck[] {
  const mc = input.k3s.multicall;
  if (!mc) return [fail('K3s plugin links', `cannot tell K3s's multicall binary in ${input.binDir}`)];
  const want = wantedLinkTarget(input.layout, mc.target);
  return linkedNames(input.layout, K3S_OWNED_PLUGINS).map((name) => {
    const entry = input.k3s.entries[name];
    const check = `K3s link ${name}`;
    if (entry?.kind === 'symlink' && entry.target === want) return pass(check, `${name} -> ${want}`);
    return fail(check, `${describeEntry(name, entry)}; want a symlink to ${want}`);
  });
}

function multicallChecks(input: VerifyInput): VerifyCheck[] {
  const mc = input.k3s.multicall;
  if (!mc) return [];
  const out: VerifyCheck[] = [];
  if (!mc.exists) out.push(fail('multicall binary', `${mc.target} does not exist`));
  else if (!mc.executable) out.push(fail('multicall binary', `${mc.target} is not an executable regular file`));
  else out.push(pass('multicall binary', `${mc.target} exists and is executable`));

  const name = 'multicall sha256';
  if (input.records.length === 0) {
    out.push(fail(name, 'no backup record to compare with (run k3s_cni_backup first)', 'warning'));
    return out;
  }
  // After a K3s upgrade only a backup of the new bundle knows the new binary's sha256. Every
  // record of this path is compared, not just the newest: a later record may have been
  // taken after something already wrote through a link.
  const original = multicallOverwrittenSince(input.records, mc);
  const record = original ?? input.records.find((r) => r.multicall.target === mc.target);
  if (!record) {
    const backed = input.records[0].multicall.target;
    out.push(fail(name, `multicall target changed since backup (K3s upgraded?): backed up ${backed}, now ${mc.target}`, 'warning'));
  } else if (mc.sha256 === null) {
    out.push(fail(name, `cannot read ${mc.target}`));
  } else if (record.multicall.sha256 !== mc.sha256) {
    out.push(
      fail(
        name,
        `${mc.target} has sha256 ${mc.sha256}, backed up as ${record.multicall.sha256 ?? 'unknown'} (${record.time}): something wrote THROUGH a plugin link onto K3s's multicall binary`,
      ),
    );
  } else {
    out.push(pass(name, `${mc.target} matches the backup of ${record.time}`));
  }
  return out;
}

function multusConfChecks(input: VerifyInput): VerifyCheck[] {
  const path = input.multusConfPath;
  const text = input.multus.multus_conf;
  if (text === null) return [fail('00-multus.conf', `${path} does not exist (or is not a regular file)`)];
  const parsed = parseJsonObject(text);
  if ('problem' in parsed) return [fail('00-multus.conf', `${path} does not parse: ${parsed.problem}`)];
  const conf = parsed.object;
  const out = [
    conf.type === 'multus-shim'
      ? pass('00-multus.conf', `${path} parses and is type multus-shim`)
      : fail('00-multus.conf', `${path} has type ${JSON.stringify(conf.type)}, want "multus-shim"`),
  ];
  const cluster = conf.clusterNetwork;
  const flannelName = conflistName(input.multus.flannel_conflist);
  const flannelFile = posix.basename(input.flannelConflistPath);
  // The daemon names the conflist by its path as it sees it (/host/etc/cni/net.d/…), or by network name.
  const matches =
    typeof cluster === 'string' && (posix.basename(cluster) === flannelFile || (flannelName !== undefined && cluster === flannelName));
  out.push(
    matches
      ? pass('multus clusterNetwork', `clusterNetwork ${JSON.stringify(cluster)} is the Flannel conflist`)
      : fail(
          'multus clusterNetwork',
          `clusterNetwork is ${JSON.stringify(cluster)}, want ${flannelFile}${flannelName ? ` or "${flannelName}"` : ''}`,
        ),
  );
  return out;
}

/**
 * A changed Flannel conflist is a warning, not a failure: K3s rewrites it from its own
 * flags at every agent start, so a new sha256 after an upgrade or a flag change is K3s's
 * doing, and Multus only names the file (checked above) rather than depending on its bytes.
 */
function flannelCheck(input: VerifyInput): VerifyCheck {
  const name = '10-flannel.conflist';
  const path = input.flannelConflistPath;
  const sha = input.k3s.flannel_conflist_sha256;
  if (input.multus.flannel_conflist === null || sha === null) return fail(name, `${path} is missing`);
  const record = input.records[0];
  if (!record) return fail(name, `${path} exists; no backup record to compare its sha256 with`, 'warning');
  if (record.flannel_conflist_sha256 !== sha) {
    return fail(name, `${path} changed since the backup of ${record.time} (sha256 ${sha}, was ${record.flannel_conflist_sha256}); K3s rewrites it at agent start`, 'warning');
  }
  return pass(name, `${path} is unchanged since the backup of ${record.time}`);
}

function socketCheck(input: VerifyInput): VerifyCheck {
  return input.multus.socket_is_socket
    ? pass('multus socket', `${input.socket} is a socket`)
    : fail('multus socket', `${input.socket} is not a socket (is multus-daemon running?)`);
}

/** v4.3.0 answers `/healthz` (GET or POST) and 404 for any other path (docs/k3s-multus.md §8). */
function healthzCheck(input: VerifyInput): VerifyCheck {
  const r = input.multus.healthz;
  const name = 'multus healthz';
  if (r.via === 'none') return fail(name, 'not checked: the host has neither curl nor python3', 'warning');
  if (r.via === 'no-socket') return fail(name, `not asked: ${input.socket} is not a socket`, 'warning');
  if (!('status' in r)) return fail(name, 'not asked', 'warning');
  return r.status === '200'
    ? pass(name, `POST /healthz answered 200 (asked with ${r.via})`)
    : fail(name, `POST /healthz answered ${r.status === '000' ? 'nothing' : r.status} (asked with ${r.via})`);
}

/** The checks that fail the task, and those that only warn. */
export function splitChecks(checks: VerifyCheck[]): { errors: VerifyCheck[]; warnings: VerifyCheck[] } {
  return {
    errors: checks.filter((c) => !c.ok && c.severity === 'error'),
    warnings: checks.filter((c) => !c.ok && c.severity === 'warning'),
  };
}
