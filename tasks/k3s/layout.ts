/**
 * Where K3s keeps its CNI pieces on a node, and where Multus thick leaves its own.
 *
 * Everything K3s-owned hangs off the K3s data dir (`--data-dir`, default
 * /var/lib/rancher/k3s), so every path is derived from it rather than hard-coded.
 * Pure: no file system access; callers read facts from the host separately.
 */
import { DEFAULT_K3S_DATA_DIR, MULTUS_CACHE_DIR, MULTUS_SOCKET, MULTUS_SOCKET_DIR } from '../lib/defaults.ts';

/**
 * 'cni': the stable `<data-dir>/data/cni` bin dir K3s has used since
 * v1.28.15 / v1.29.10 / v1.30.6 / v1.31.2, whose entries are absolute symlinks into
 * the versioned bundle. 'current': older K3s, `<data-dir>/data/current/bin`, which
 * moves to a new bundle on every upgrade.
 */
export type CniLayout = 'cni' | 'current';

export const CNI_LAYOUTS: readonly CniLayout[] = ['cni', 'current'];

export { DEFAULT_K3S_DATA_DIR };

/**
 * Names K3s itself puts in its CNI bin dir: the multicall binary `cni` and the seven
 * plugin links to it. Nothing we install may ever take one of these names (a
 * host-local that is not K3s's breaks the node's primary pod network).
 */
export const K3S_OWNED_PLUGINS: readonly string[] = [
  'cni',
  'bandwidth',
  'bridge',
  'firewall',
  'flannel',
  'host-local',
  'loopback',
  'portmap',
];

/** Names the multus `install_multus` init container writes into the bin dir. */
export const MULTUS_OWNED_BINARIES: readonly string[] = ['multus-shim', 'passthru'];

export interface K3sMultusPaths {
  /** The K3s data dir itself (`--data-dir`). */
  k3sDataDir: string;
  layout: CniLayout;
  /** `<data-dir>/data`: the bundles the bin dir's absolute symlinks point into. */
  dataDir: string;
  /** The directory K3s hands to containerd as the CNI bin dir. */
  cniBinDir: string;
  /** `<data-dir>/agent/etc/cni/net.d`: the CNI config dir K3s's containerd reads. */
  cniConfDir: string;
  /** Rewritten by K3s on every agent start. */
  flannelConflist: string;
  /** Written by multus-daemon (mode 0600), removed by it on SIGTERM only. */
  multusConf: string;
  /** Host side of the daemon's socket dir (`/host/run/multus/` in the pod). */
  socketDir: string;
  socketPath: string;
  /** Per-container delegate caches. */
  cacheDir: string;
  /** Flannel's runtime file; the flannel plugin reads it on every ADD. */
  flannelSubnetEnv: string;
}

/**
 * A data dir must be absolute and plainly spelled: it is substituted into manifests
 * and compared with paths read back from hosts, so `..`, doubled or trailing slashes
 * and exotic characters would make two spellings of one directory disagree.
 */
export function dataDirProblem(dir: string): string | undefined {
  if (!dir.startsWith('/')) return `must be an absolute path, got "${dir}"`;
  if (dir === '/') return 'must not be the root directory';
  if (!/^[A-Za-z0-9._/+@-]+$/.test(dir)) {
    return `may contain only letters, digits and . _ / + @ -, got "${dir}"`;
  }
  if (dir.endsWith('/')) return `must not end with "/", got "${dir}"`;
  const segments = dir.slice(1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    return `must not contain empty, "." or ".." segments, got "${dir}"`;
  }
  return undefined;
}

export function k3sMultusPaths(
  k3sDataDir: string = DEFAULT_K3S_DATA_DIR,
  layout: CniLayout = 'cni',
): K3sMultusPaths {
  const problem = dataDirProblem(k3sDataDir);
  if (problem) throw new Error(`k3s_data_dir ${problem}`);
  if (!CNI_LAYOUTS.includes(layout)) throw new Error(`unknown K3s CNI layout "${String(layout)}"`);
  const dataDir = `${k3sDataDir}/data`;
  const cniConfDir = `${k3sDataDir}/agent/etc/cni/net.d`;
  return {
    k3sDataDir,
    layout,
    dataDir,
    cniBinDir: layout === 'cni' ? `${dataDir}/cni` : `${dataDir}/current/bin`,
    cniConfDir,
    flannelConflist: `${cniConfDir}/10-flannel.conflist`,
    multusConf: `${cniConfDir}/00-multus.conf`,
    socketDir: MULTUS_SOCKET_DIR,
    socketPath: MULTUS_SOCKET,
    cacheDir: MULTUS_CACHE_DIR,
    flannelSubnetEnv: '/run/flannel/subnet.env',
  };
}
