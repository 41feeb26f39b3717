/**
 * From a K3s probe to the facts later tasks use (`{{ k3s.cni_bin_dir }}`), or to the list
 * of preflight checks that failed, each naming what it found. Pure.
 */
import { posix } from 'node:path';
import { dataDirProblem, k3sMultusPaths, type CniLayout } from './layout.ts';
import type { K3sEntry, K3sProbe } from './probe.ts';

export interface K3sFacts {
  /** Path of the k3s command that answered. */
  binary: string;
  /** e.g. v1.31.2+k3s1 */
  version: string;
  /** First line of `k3s --version`. */
  version_line: string;
  /** The node's architecture as images name it (GOARCH: amd64, arm64, arm, ppc64le, s390x), from `uname -m`. */
  architecture: string;
  data_dir: string;
  data_dir_source: string;
  layout: CniLayout;
  cni_bin_dir: string;
  cni_conf_dir: string;
  flannel_conflist: string;
  flannel_conflist_sha256: string;
  /** The conflist's cniVersion: the Multus daemon must use a compatible one (docs/k3s-multus.md §8). */
  flannel_cni_version: string;
  multus_conf: string;
  multus_conf_present: boolean;
  /**
   * `<data-dir>/data` as K3s spells it in its bin dir's links (the multicall target's
   * `…/data/<hash>/bin/cni`): the daemon must see this path for the links to resolve, which
   * differs from `data_dir`/data when the data dir was given through a symlink.
   */
  bundle_dir: string;
  /** The Kubernetes node name K3s registers (k3s_facts: --node-name / node-name: / K3S_NODE_NAME, else the hostname). */
  node_name?: string;
  node_name_source?: string;
  /** The node address this connection reached (SSH_CONNECTION), '' when not known. */
  connected_address?: string;
  /** K3s's multicall binary: every K3s-owned name must link to `target`. */
  multicall: { source: 'link' | 'current'; target: string; sha256: string | null };
  entries: Record<string, K3sEntry>;
  /** Other names in the bin dir (Multus's binaries, a user's plugins). */
  bin_dir_others: string[];
  /** Every name in the CNI config dir. */
  conf_dir_files: string[];
}

export type K3sFactsOutcome =
  | { ok: true; facts: K3sFacts; warnings: string[] }
  | { ok: false; problems: string[] };

/** `uname -m` → the architecture name image indexes use. */
export function goArch(machine: string): string {
  const names: Record<string, string> = { x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64', armv7l: 'arm', armv8l: 'arm', ppc64le: 'ppc64le', s390x: 's390x' };
  return names[machine] ?? machine;
}

/** `v1.31.2+k3s1` out of `k3s version v1.31.2+k3s1 (6da204df)`. */
export function versionFromLine(line: string): string | undefined {
  return /\bv?\d+\.\d+\.\d+[^\s()]*/.exec(line)?.[0];
}

export function k3sFactsFromProbe(probe: K3sProbe): K3sFactsOutcome {
  const problems: string[] = [];
  const version = versionFromLine(probe.version_line);
  if (probe.binary === null) problems.push('k3s binary: not found on PATH nor at /usr/local/bin/k3s (not a K3s node?)');
  else if (!version) problems.push(`k3s version: \`${probe.binary} --version\` printed ${JSON.stringify(probe.version_line)}, no version`);

  const where = `${probe.data_dir} (from ${probe.data_dir_source})`;
  const dirProblem = dataDirProblem(probe.data_dir);
  if (dirProblem) return { ok: false, problems: [...problems, `data dir: ${where} ${dirProblem}`] };
  if (!probe.data_dir_exists) return { ok: false, problems: [...problems, `data dir: ${where} does not exist`] };
  if (probe.layout === null) {
    problems.push(`CNI bin dir: neither ${probe.data_dir}/data/cni nor ${probe.data_dir}/data/current/bin exists`);
  }
  const paths = k3sMultusPaths(probe.data_dir, probe.layout ?? 'cni');
  const mc = probe.multicall;
  if (probe.layout !== null && mc) {
    if (!mc.exists) problems.push(`multicall binary: ${mc.target} does not exist`);
    else if (!mc.executable) problems.push(`multicall binary: ${mc.target} is not an executable regular file`);
  }
  // Found before anything changes: the backup, the DaemonSet and the re-link would each fail
  // on such a node only after the ones before them had acted.
  if (probe.layout !== null && probe.bin_dir_writable === false) {
    problems.push(`CNI bin dir: ${paths.cniBinDir} is not writable (a read-only file system?): Multus's installer and the re-link could not write there`);
  }
  for (const [name, entry] of Object.entries(probe.entries)) {
    if (entry.kind === 'other') {
      problems.push(`${paths.cniBinDir}/${name} is neither a file nor a symlink (a directory?): K3s keeps a symlink to its multicall binary there; move it away and rerun`);
    }
  }
  if (probe.flannel_conflist_sha256 === null) {
    problems.push(`Flannel conflist: ${paths.flannelConflist} is missing or unreadable`);
  } else if (probe.flannel_cni_version === null) {
    problems.push(`Flannel conflist: ${paths.flannelConflist} has no top-level cniVersion of the form X.Y.Z (does it parse as JSON?)`);
  }
  if (problems.length > 0 || probe.layout === null || !mc || probe.binary === null || !version) {
    return { ok: false, problems };
  }

  const warnings: string[] = [];
  if (probe.layout === 'current') {
    warnings.push(
      `K3s ${version} has no stable data/cni bin dir: plugins live in ${paths.cniBinDir}, which moves on every K3s upgrade, so Multus's binaries must be redeployed after each upgrade`,
    );
  }
  const hostLocal = probe.entries['host-local'];
  if (probe.layout === 'cni' && (hostLocal === undefined || hostLocal.kind === 'missing' || hostLocal.kind === 'other')) {
    // K3s picks its CNI bin dir by where it finds host-local: without it in data/cni, K3s
    // runs from data/current/bin until its next restart, where multus-shim is not.
    warnings.push(
      `${paths.cniBinDir}/host-local is missing: K3s falls back to data/current/bin until it restarts; the re-link restores host-local, then restart K3s on this node`,
    );
  }
  if (hostLocal?.kind === 'file') {
    warnings.push(
      `${paths.cniBinDir}/host-local is a regular file, not K3s's link: an earlier manual install overwrote it, and K3s upgrades will never replace it`,
    );
  }
  return {
    ok: true,
    warnings,
    facts: {
      binary: probe.binary,
      version,
      version_line: probe.version_line,
      architecture: goArch(probe.machine),
      data_dir: probe.data_dir,
      data_dir_source: probe.data_dir_source,
      layout: probe.layout,
      cni_bin_dir: paths.cniBinDir,
      cni_conf_dir: paths.cniConfDir,
      flannel_conflist: paths.flannelConflist,
      flannel_conflist_sha256: probe.flannel_conflist_sha256 as string,
      flannel_cni_version: probe.flannel_cni_version as string,
      multus_conf: paths.multusConf,
      multus_conf_present: probe.multus_conf_present,
      bundle_dir: /^\/.+\/data\/[^/]+\/bin\/cni$/.test(mc.target) ? posix.dirname(posix.dirname(posix.dirname(mc.target))) : paths.dataDir,
      multicall: { source: mc.source, target: mc.target, sha256: mc.sha256 },
      entries: probe.entries,
      bin_dir_others: probe.bin_dir_others,
      conf_dir_files: probe.conf_dir_files,
    },
  };
}

/** The link every K3s-owned name should be: absolute in data/cni, relative `cni` in a bundle's bin. */
export function wantedLinkTarget(layout: CniLayout, multicallTarget: string): string {
  return layout === 'cni' ? multicallTarget : 'cni';
}

/** Names to keep linked: in the 'current' layout `cni` is the binary itself, not a link. */
export function linkedNames(layout: CniLayout, owned: readonly string[]): string[] {
  return layout === 'cni' ? [...owned] : owned.filter((n) => n !== 'cni');
}

/**
 * What the modules after k3s_facts need from the `facts` argument: the data dir and the
 * k3s command. Checked by hand because the argument is a templated object.
 */
export function factsProblem(facts: unknown): string | undefined {
  if (!facts || typeof facts !== 'object') return 'facts must be the object k3s_facts sets (`{{ k3s }}`)';
  const f = facts as Partial<K3sFacts>;
  if (typeof f.data_dir !== 'string' || typeof f.binary !== 'string' || typeof f.layout !== 'string') {
    return 'facts lacks data_dir, binary or layout: pass the object k3s_facts sets (`{{ k3s }}`)';
  }
  return undefined;
}
