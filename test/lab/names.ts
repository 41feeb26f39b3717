/**
 * Names and addresses of a lab's kernel objects. Everything a lab creates on the host is
 * named `pv-<tag>-…`, so a crashed lab can be found and removed from its names alone, and
 * every name stays within Linux's 15-character interface name limit.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';

export const LAB_PREFIX = 'pv-';
export const DEFAULT_BASE_DIR = '/tmp/provision-lab';
/** Nodes get .2, .3, … of the lab's /24; .1 is the host end. */
export const MAX_NODES = 250;

const TAG_AS_IS = /^[a-z0-9]{1,7}$/;
const LAB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Characters that would break overlayfs mount options or an unquoted sshd_config value. */
const UNSAFE_DIR = /[\s,:"'\\]/;

/** Short tag used in kernel object names: the id itself when short and plain, else a hash. */
export function labTag(id: string): string {
  return TAG_AS_IS.test(id) ? id : createHash('sha256').update(id).digest('hex').slice(0, 6);
}

export const bridgeName = (tag: string): string => `${LAB_PREFIX}${tag}-br`;
export const hostVethName = (tag: string, index: number): string => `${LAB_PREFIX}${tag}-h${index}`;
export const netnsName = (tag: string, index: number): string => `${LAB_PREFIX}${tag}-n${index}`;
/** The private network's bridge and its host-side veth ends (see StartLabOptions.privateNetwork). */
export const privateBridgeName = (tag: string): string => `${LAB_PREFIX}${tag}-pb`;
export const privateVethName = (tag: string, index: number): string => `${LAB_PREFIX}${tag}-p${index}`;

/** Tag of a lab object name (`pv-<tag>-br`, `-pb`, `-h3`, `-p3`, `-n3`), or undefined. */
export function tagOfObject(name: string): string | undefined {
  const m = /^pv-([a-z0-9]{1,7})-(br|pb|h\d+|p\d+|n\d+)$/.exec(name);
  return m ? m[1] : undefined;
}

export const isBridgeObject = (name: string): boolean => /-(br|pb)$/.test(name);

/** Where the search for a free 10.213.X.0/24 starts: derived from the id, so usually stable. */
export function preferredSubnet(id: string): number {
  return createHash('sha256').update(id).digest()[0];
}

export const hostAddressOf = (subnet: number): string => `10.213.${subnet}.1`;
export const nodeAddressOf = (subnet: number, index: number): string => `10.213.${subnet}.${index + 1}`;
/**
 * Addresses on the private network: 10.214.X.0/24 with the X the lab claimed for 10.213.X,
 * so two labs never share one. The host has no address there and no route to it.
 */
export const privateAddressOf = (subnet: number, index: number): string => `10.214.${subnet}.${index + 1}`;

/** Node names from a count (node1…nodeN) or an explicit list; rejects what is not a hostname. */
export function nodeNames(nodes: number | string[]): string[] {
  const names = typeof nodes === 'number' ? Array.from({ length: nodes }, (_, i) => `node${i + 1}`) : [...nodes];
  if (names.length < 1 || names.length > MAX_NODES) {
    throw new Error(`a lab has 1 to ${MAX_NODES} nodes, not ${names.length}`);
  }
  for (const name of names) {
    if (!NODE_NAME.test(name)) throw new Error(`node name ${JSON.stringify(name)} is not a valid hostname label`);
  }
  if (new Set(names).size !== names.length) throw new Error('node names must be unique');
  return names;
}

export function checkLabId(id: string): void {
  if (!LAB_ID.test(id)) throw new Error(`lab id ${JSON.stringify(id)} must be letters, digits, '.', '_' or '-'`);
}

export function checkBaseDir(dir: string): void {
  if (!posix.isAbsolute(dir) || UNSAFE_DIR.test(dir)) {
    throw new Error(`lab base directory ${JSON.stringify(dir)} must be absolute, without spaces, commas, colons or quotes`);
  }
}

/**
 * The in-node directories that are bind mounts of per-node host directories. The host side
 * of `<path>` is `<node root><path>`, so tests can read what the product wrote.
 */
export const NODE_MOUNTS = [
  '/var/lib/rancher',
  '/var/lib/cni',
  '/etc/rancher',
  '/usr/local/bin',
  '/run',
  '/root',
  '/home',
  '/tmp',
] as const;

/**
 * The product's own paths under the node's /etc and /var/lib overlays. A fresh node has
 * none of them, so a node must not inherit the host's (a /var/lib/provision left on the
 * machine would show through every node): each is hidden by an overlay whiteout.
 */
export const HIDDEN_HOST_PATHS = ['/var/lib/provision'] as const;

/** Host path of an in-node path, or an error naming the mounts when it is on none of them. */
export function hostPathIn(nodeRoot: string, path: string): string {
  if (!posix.isAbsolute(path)) throw new Error(`in-node path ${JSON.stringify(path)} must be absolute`);
  const normal = posix.normalize(path);
  const onMount = NODE_MOUNTS.some((m) => normal === m || normal.startsWith(`${m}/`));
  if (!onMount) {
    throw new Error(`${normal} is not under a per-node mount (${NODE_MOUNTS.join(', ')}); it has no host-side copy`);
  }
  return posix.join(nodeRoot, normal);
}
