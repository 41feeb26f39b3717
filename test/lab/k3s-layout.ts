/**
 * The K3s file layout of one lab node (docs/k3s-multus.md §3), written from the host side at the real
 * in-node paths, and a K3s upgrade or restart applied to it the way K3s does it. All of it
 * is a simulation: no K3s runs; see k3s-standin.ts for the programs.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, posix } from 'node:path';
import {
  DEFAULT_K3S_VERSION,
  K3S_PLUGIN_LINKS,
  bundleHash,
  flannelConflist,
  flannelSubnetEnv,
  hasStableCniDir,
  k3sCommandScript,
  multicallCniScript,
  realKubectlPath,
} from './k3s-standin.ts';

export const DEFAULT_DATA_DIR = '/var/lib/rancher/k3s';
export const K3S_KUBECONFIG = '/etc/rancher/k3s/k3s.yaml';
export const K3S_CONFIG = '/etc/rancher/k3s/config.yaml';

/** Maps an in-node path to the host-side file (lab.hostPath bound to one node). */
export type NodePath = (inNodePath: string) => string;

export interface K3sLayoutOptions {
  /** K3s --data-dir; must lie on one of the lab's per-node mounts. Default /var/lib/rancher/k3s. */
  dataDir?: string;
  /** Default v1.31.2+k3s1. Releases before the stable bin dir (e.g. v1.28.14) get no data/cni. */
  version?: string;
  /** Pod CIDR index of the node: 10.42.<subnetIndex>.0/24 (node1 = 0, as the Node objects say). */
  subnetIndex: number;
  /** Kubeconfig text for the API stand-in, stored where K3s keeps its own. */
  kubeconfig: string;
  /** Where a non-default data dir is given: `data-dir:` in config.yaml (default), or only on K3s's command line. */
  dataDirIn?: 'config' | 'command-line';
  /**
   * The data dir is an absolute symlink to this directory (k3s-ansible's current way to move
   * it: roles/prereq/tasks/main.yml). `at` must then follow in-node symlinks (safeNodePath).
   */
  symlinkedTo?: string;
}

/**
 * An in-node path mapper that follows in-node symlinks in every existing component, so a
 * host-side write through a node's absolute symlink lands inside the node, never on the
 * host's own file system. Missing components are appended as they are.
 */
export function safeNodePath(raw: NodePath): NodePath {
  return (inNodePath: string) => {
    // Parents only, as the kernel resolves a path for lstat, rename or symlink: the last
    // component itself (e.g. data/current, a symlink to be replaced) is left as it is.
    const normal = posix.normalize(inNodePath);
    if (normal === '/') return raw(normal);
    const last = posix.basename(normal);
    const parts = posix.dirname(normal).split('/').filter(Boolean);
    let resolved = '/';
    for (let hops = 0; parts.length > 0; ) {
      const part = parts.shift() as string;
      const next = posix.join(resolved, part);
      let host: string;
      try {
        host = raw(next);
      } catch {
        resolved = next; // above the per-node mounts: the host's own directories
        continue;
      }
      let link: string | undefined;
      try {
        link = lstatSync(host).isSymbolicLink() ? readlinkSync(host) : undefined;
      } catch {
        return raw(posix.join(next, ...parts, last));
      }
      if (link === undefined) {
        resolved = next;
        continue;
      }
      if (++hops > 40) throw new Error(`too many symlinks in ${inNodePath}`);
      parts.unshift(...link.split('/').filter(Boolean));
      if (link.startsWith('/')) resolved = '/';
    }
    return raw(posix.join(resolved, last));
  };
}

export interface K3sUpgradeResult {
  version: string;
  hash: string;
  /** Entries of data/cni K3s re-pointed (they were symlinks). */
  repointed: string[];
  /** Entries of data/cni that were missing and were created. */
  created: string[];
  /** Regular files K3s left alone ("Not replacing non-symlink CNI plugin"). */
  keptRegular: string[];
}

const CNI_ENTRIES = ['cni', ...K3S_PLUGIN_LINKS];

export function writeK3sLayout(at: NodePath, options: K3sLayoutOptions): { dataDir: string; version: string; hash: string } {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const version = options.version ?? DEFAULT_K3S_VERSION;
  if (options.symlinkedTo) {
    mkdirSync(at(options.symlinkedTo), { recursive: true, mode: 0o755 });
    replaceWithSymlink(at(dataDir), options.symlinkedTo);
  }
  const hash = installBundle(at, dataDir, version);
  pointCurrent(at, dataDir, hash);
  if (hasStableCniDir(version)) syncCniDir(at, dataDir, hash);
  writeAgentFiles(at, dataDir, options.subnetIndex);

  const config = ['# K3s configuration (lab)', 'write-kubeconfig-mode: "0600"'];
  if (dataDir !== DEFAULT_DATA_DIR && options.dataDirIn !== 'command-line') config.push(`data-dir: ${dataDir}`);
  writeFile(at(K3S_CONFIG), `${config.join('\n')}\n`, 0o644);
  writeFile(at(K3S_KUBECONFIG), options.kubeconfig, 0o600);
  writeK3sCommand(at, version);
  // K3s's installer links kubectl (and crictl, ctr) to k3s; only kubectl is simulated.
  replaceWithSymlink(at('/usr/local/bin/kubectl'), 'k3s');
  return { dataDir, version, hash };
}

/**
 * A K3s upgrade (or a restart, when `version` is what runs now): unpack the new bundle,
 * move data/current, and in data/cni re-point every symlink entry, create the missing ones
 * and leave regular files alone. A restart on the same version recreates nothing there.
 * Either way the agent rewrites 10-flannel.conflist.
 */
export function upgradeK3sLayout(at: NodePath, dataDir: string, version: string, subnetIndex: number): K3sUpgradeResult {
  const hash = bundleHash(version);
  const current = posix.join(dataDir, 'data', 'current');
  const running = readlinkOr(at(current));
  const result: K3sUpgradeResult = { version, hash, repointed: [], created: [], keptRegular: [] };
  if (running !== posix.join(dataDir, 'data', hash)) {
    installBundle(at, dataDir, version);
    if (running) replaceWithSymlink(at(posix.join(dataDir, 'data', 'previous')), running);
    pointCurrent(at, dataDir, hash);
    if (hasStableCniDir(version)) Object.assign(result, syncCniDir(at, dataDir, hash), { version, hash });
    writeK3sCommand(at, version);
  }
  writeAgentFiles(at, dataDir, subnetIndex);
  return result;
}

function installBundle(at: NodePath, dataDir: string, version: string): string {
  const hash = bundleHash(version);
  const bin = posix.join(dataDir, 'data', hash, 'bin');
  mkdirSync(at(bin), { recursive: true, mode: 0o755 });
  writeFile(at(posix.join(bin, 'cni')), multicallCniScript(version), 0o755);
  for (const name of K3S_PLUGIN_LINKS) replaceWithSymlink(at(posix.join(bin, name)), 'cni');
  return hash;
}

function pointCurrent(at: NodePath, dataDir: string, hash: string): void {
  // K3s links data/current to the bundle's full path.
  replaceWithSymlink(at(posix.join(dataDir, 'data', 'current')), posix.join(dataDir, 'data', hash));
}

/** K3s's handling of data/cni on start: symlinks follow the running bundle, files stay. */
function syncCniDir(at: NodePath, dataDir: string, hash: string): Omit<K3sUpgradeResult, 'version' | 'hash'> {
  const dir = posix.join(dataDir, 'data', 'cni');
  const target = posix.join(dataDir, 'data', hash, 'bin', 'cni');
  mkdirSync(at(dir), { recursive: true, mode: 0o755 });
  const out = { repointed: [] as string[], created: [] as string[], keptRegular: [] as string[] };
  for (const name of CNI_ENTRIES) {
    const file = at(posix.join(dir, name));
    const kind = lstatOr(file);
    if (kind === 'missing') out.created.push(name);
    else if (kind !== 'symlink') {
      out.keptRegular.push(name);
      continue;
    } else if (readlinkSync(file) === target) continue;
    else out.repointed.push(name);
    replaceWithSymlink(file, target);
  }
  return out;
}

function writeAgentFiles(at: NodePath, dataDir: string, subnetIndex: number): void {
  writeFile(at(posix.join(dataDir, 'agent', 'etc', 'cni', 'net.d', '10-flannel.conflist')), flannelConflist(), 0o644);
  writeFile(at('/run/flannel/subnet.env'), flannelSubnetEnv(subnetIndex), 0o644);
}

function writeK3sCommand(at: NodePath, version: string): void {
  writeFile(at('/usr/local/bin/k3s'), k3sCommandScript(version, realKubectlPath()), 0o755);
}

/** The version whose bundle data/current points at, read back from the layout. */
export function runningBundle(at: NodePath, dataDir: string): string | undefined {
  const target = readlinkOr(at(posix.join(dataDir, 'data', 'current')));
  return target ? posix.basename(target) : undefined;
}

function lstatOr(file: string): 'missing' | 'symlink' | 'file' | 'other' {
  try {
    const st = lstatSync(file);
    return st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

function readlinkOr(file: string): string | undefined {
  try {
    return readlinkSync(file);
  } catch {
    return undefined;
  }
}

/** Write by temp file + rename, so readers never see a half-written or missing file. */
export function writeFile(file: string, text: string | Buffer, mode: number): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.lab-tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

/** Put a symlink at `file` by rename, as K3s does: the name is never missing on the way. */
function replaceWithSymlink(file: string, target: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.lab-tmp-${process.pid}`;
  if (existsSync(tmp) || lstatOr(tmp) !== 'missing') rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, file);
}
