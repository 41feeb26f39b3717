/**
 * Reading a pod template the way a kubelet does: which host path backs a path inside a
 * container (its hostPath volume mounts), and what a container's env and command say.
 * Everything the simulation does on a node is derived from the stored DaemonSet through
 * these, never from paths hard-coded here.
 */
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { posix } from 'node:path';

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  mountPropagation?: string;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  volumeMounts?: VolumeMount[];
  readinessProbe?: { exec?: { command?: string[] } };
}

export interface Volume {
  name: string;
  hostPath?: { path: string; type?: string };
  configMap?: { name: string; items?: Array<{ key: string; path: string }> };
}

export interface PodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  hostNetwork?: boolean;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}

/** Maps an in-node path to its host-side file; throws for paths the lab does not mount. */
export type NodePath = (inNodePath: string) => string;

/**
 * The in-node host path behind `containerPath` in `container`: the longest mount that holds
 * it, when that mount is a hostPath volume. Undefined when nothing host-backed holds it.
 */
export function hostPathBehind(spec: PodSpec, container: Container, containerPath: string): string | undefined {
  const path = posix.normalize(containerPath).replace(/(.)\/$/, '$1');
  let best: { mount: VolumeMount; length: number } | undefined;
  for (const mount of container.volumeMounts ?? []) {
    const at = posix.normalize(mount.mountPath).replace(/(.)\/$/, '$1');
    const holds = path === at || path.startsWith(at === '/' ? '/' : `${at}/`);
    if (holds && (!best || at.length > best.length)) best = { mount, length: at.length };
  }
  if (!best) return undefined;
  const volume = (spec.volumes ?? []).find((v) => v.name === best.mount.name);
  if (!volume?.hostPath) return undefined;
  const at = posix.normalize(best.mount.mountPath).replace(/(.)\/$/, '$1');
  return posix.join(volume.hostPath.path, path.slice(at.length));
}

export function envOf(container: Container, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}

/** command + args, as the container runtime joins them. */
export function argvOf(container: Container): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])];
}

/**
 * The host-side file for an in-node path. Paths the lab does not mount per node are the
 * host's own (the node shares them), so they are looked at directly.
 */
export function hostSide(at: NodePath, inNodePath: string): string {
  try {
    return at(inNodePath);
  } catch {
    return inNodePath;
  }
}

/**
 * realpath as the node sees it: every component's symlink followed, absolute targets taken
 * as in-node paths. K3s's entries are absolute symlinks (and data/current is one), so a
 * host-side realpath would wander onto the host's own, missing /var/lib/rancher.
 */
export function realPathInNode(at: NodePath, inNodePath: string): string | undefined {
  const parts = posix.normalize(inNodePath).split('/').filter(Boolean);
  let resolved = '/';
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      resolved = posix.dirname(resolved);
      continue;
    }
    const next = posix.join(resolved, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(hostSide(at, next)).isSymbolicLink();
    } catch {
      return undefined;
    }
    if (!isLink) {
      resolved = next;
      continue;
    }
    if (++hops > 40) return undefined; // ELOOP on a real node
    const target = readlinkSync(hostSide(at, next));
    parts.unshift(...target.split('/').filter(Boolean));
    if (target.startsWith('/')) resolved = '/';
  }
  return resolved;
}

/** The file an in-node path finally names, and whether the node could exec it. */
export function resolveInNode(at: NodePath, inNodePath: string): { path: string; executable: boolean; directory: boolean } | undefined {
  const path = realPathInNode(at, inNodePath);
  if (!path) return undefined;
  try {
    const st = statSync(hostSide(at, path));
    return { path, executable: st.isFile() && (st.mode & 0o111) !== 0, directory: st.isDirectory() };
  } catch {
    return undefined;
  }
}

/**
 * What a container finds at `containerPath` (docs/k3s-multus.md §7: multus-daemon looks plugins up inside
 * its pod before exec'ing them chrooted to /hostroot). Only the container's hostPath mounts
 * are visible; the kubelet resolves a mount's host path when mounting, but a symlink met
 * inside the container is followed in the container's view: an absolute target (K3s's
 * data/cni entries) is found only when a mount holds that path too.
 */
export function resolveInPod(at: NodePath, spec: PodSpec, container: Container, containerPath: string): { executable: boolean } | undefined {
  let path = posix.normalize(containerPath);
  for (let hops = 0; hops < 40; hops++) {
    const nodePath = hostPathBehind(spec, container, path);
    if (!nodePath) return undefined;
    const dir = realPathInNode(at, posix.dirname(nodePath));
    if (!dir) return undefined;
    const entry = hostSide(at, posix.join(dir, posix.basename(nodePath)));
    let st;
    try {
      st = lstatSync(entry);
    } catch {
      return undefined;
    }
    if (!st.isSymbolicLink()) return { executable: st.isFile() && (st.mode & 0o111) !== 0 };
    const target = readlinkSync(entry);
    path = target.startsWith('/') ? posix.normalize(target) : posix.join(posix.dirname(path), target);
  }
  return undefined; // ELOOP
}

