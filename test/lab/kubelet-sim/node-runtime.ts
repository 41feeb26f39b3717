/**
 * One Multus DaemonSet pod on one node, as the kubelet would run it (simulated): volume
 * checks, the init containers in order, then the daemon with the config from its
 * ConfigMap volume, all read from the stored pod template. Readiness as the kubelet
 * judges it: with no readinessProbe a container is Ready once started (upstream's
 * manifest has none, so its pod is Ready before 00-multus.conf exists); with an `exec`
 * probe, Ready once the probe's `/bin/sh -c` script, run as rendered, exits 0.
 */
import { posix } from 'node:path';
import type { ObjectStore } from '../kube-api/store.ts';
import type { KubeObject } from '../kube-api/types.ts';
import { runContainerScript } from './container-script.ts';
import { hostPathTypeProblem, imageFiles, runInitContainer } from './init-containers.ts';
import { MultusDaemon, SOCKET_NAME, type DaemonConfigJson } from './multus-daemon.ts';
import { hostPathBehind, hostSide, resolveInNode, type Container, type NodePath, type PodSpec } from './pod-spec.ts';

export interface SimNode {
  name: string;
  /** The node's address on the lab network (the pod's IP: the DaemonSet uses hostNetwork). */
  address: string;
  /** Pod CIDR 10.42.<subnetIndex>.0/24. */
  subnetIndex: number;
  /** The node's K3s --data-dir. */
  k3sDataDir: string;
  /**
   * The CNI bin dir K3s gave containerd when its agent last started (data/cni when its
   * host-local was there, else data/current/bin; pkg/agent/config/config.go). It does not
   * move when host-local goes missing later; set by the cluster at start and on upgrade.
   */
  cniBinDir?: string;
  at: NodePath;
}

/** Per-node behaviour switches (see README.md). */
export interface NodeKnobs {
  /** Init containers run, the daemon never becomes ready: no socket, no 00-multus.conf. */
  neverReady?: boolean;
  /** The plugin installer copies every reference plugin, K3s's names included. */
  overwriteAll?: boolean;
  /** The plugin installer `cp`s every plugin with K3s's data dir mounted: writes through K3s's links. */
  writeThrough?: boolean;
  /** The daemon is stopped with SIGKILL semantics: 00-multus.conf and the socket file stay. */
  killed?: boolean;
  /** The daemon's cache sync does not finish until `releaseCacheSync(node)`: socket open, nothing served, no conf. */
  holdCacheSync?: boolean;
  /** The node's / is not a shared mount: a container asking for Bidirectional propagation cannot start. */
  rootNotShared?: boolean;
}

/**
 * Bidirectional propagation needs the host path's mount to be shared; containerd refuses
 * the container otherwise (its OCI spec generation checks the mount's propagation).
 */
function propagationProblem(spec: PodSpec, knobs: NodeKnobs): string | undefined {
  if (!knobs.rootNotShared) return undefined;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const m of c.volumeMounts ?? []) {
      if (m.mountPropagation !== 'Bidirectional') continue;
      const path = (spec.volumes ?? []).find((v) => v.name === m.name)?.hostPath?.path ?? m.mountPath;
      return `Error: failed to generate container "${c.name}" spec: failed to apply OCI options: path "${path}" is mounted on "/" but it is not a shared mount`;
    }
  }
  return undefined;
}

/** Lab time for an informer cache sync when nothing holds it. */
const CACHE_SYNC_MS = 50;
/** Lab time between two runs of a readiness probe (periodSeconds, scaled down). */
const PROBE_PERIOD_MS = 50;

const heldSyncs = new WeakMap<SimNode, () => void>();

function cacheSync(node: SimNode, knobs: NodeKnobs): Promise<void> {
  if (!knobs.holdCacheSync) return new Promise((resolve) => setTimeout(resolve, CACHE_SYNC_MS));
  return new Promise((resolve) => heldSyncs.set(node, resolve));
}

/** Let a daemon held by `holdCacheSync` finish its start. */
export function releaseCacheSync(node: SimNode): void {
  heldSyncs.get(node)?.();
  heldSyncs.delete(node);
}


export interface PodOutcome {
  ready: boolean;
  phase: 'Pending' | 'Running';
  reason?: string;
  message?: string;
  daemon?: MultusDaemon;
  /** The daemon's binDir (a path inside its pod), for the attachment checks. */
  binDir?: string;
  /** The daemon container and its pod spec: plugins are looked up through its mounts. */
  daemonPod?: { spec: PodSpec; container: Container };
  /** With a readinessProbe: settles true once it passed, false if the daemon stopped first. */
  readiness?: Promise<boolean>;
  log: string[];
}

const DAEMON_CONFIG_KEY = 'daemon-config.json';

/** daemon-config.json from the ConfigMap volume the daemon container mounts. */
function daemonConfigOf(store: ObjectStore, namespace: string, spec: PodSpec, container: Container): DaemonConfigJson | string {
  for (const mount of container.volumeMounts ?? []) {
    const volume = (spec.volumes ?? []).find((v) => v.name === mount.name);
    if (!volume?.configMap) continue;
    const cm = store.get('v1', 'ConfigMap', namespace, volume.configMap.name);
    if (!cm) return `configmap "${volume.configMap.name}" not found`;
    const text = (cm.data as Record<string, string> | undefined)?.[DAEMON_CONFIG_KEY];
    if (text === undefined) continue;
    try {
      return JSON.parse(text) as DaemonConfigJson;
    } catch (e) {
      return `failed to parse ${DAEMON_CONFIG_KEY}: ${(e as Error).message}`;
    }
  }
  return `no ConfigMap volume with ${DAEMON_CONFIG_KEY} is mounted in container ${container.name}`;
}

/** The host-side directory behind an in-pod path of `container`, resolved as the node sees it. */
function hostDirBehind(node: SimNode, spec: PodSpec, container: Container, inPod: string): string | undefined {
  const inNode = hostPathBehind(spec, container, inPod);
  if (inNode === undefined) return undefined;
  const real = resolveInNode(node.at, inNode);
  return real?.directory ? hostSide(node.at, real.path) : undefined;
}

export async function runDaemonPod(store: ObjectStore, pod: KubeObject, node: SimNode, knobs: NodeKnobs): Promise<PodOutcome> {
  const spec = pod.spec as PodSpec;
  const log: string[] = [];
  const volumeProblem = hostPathTypeProblem(node.at, spec);
  if (volumeProblem) return { ready: false, phase: 'Pending', reason: 'ContainerCreating', message: volumeProblem, log };
  const mountProblem = propagationProblem(spec, knobs);
  if (mountProblem) return { ready: false, phase: 'Pending', reason: 'CreateContainerError', message: mountProblem, log };

  for (const init of spec.initContainers ?? []) {
    const outcome = await runInitContainer(node.at, spec, init, knobs);
    log.push(...outcome.log.map((l) => `${init.name}: ${l}`));
    if (!outcome.ok) return { ready: false, phase: 'Pending', reason: 'Init:Error', message: outcome.log.join('; '), log };
  }

  const container = spec.containers[0];
  const config = daemonConfigOf(store, pod.metadata.namespace ?? 'default', spec, container);
  if (typeof config === 'string') return { ready: false, phase: 'Pending', reason: 'CreateContainerConfigError', message: config, log };
  const binDir = config.binDir ?? '/opt/cni/bin';
  if (knobs.neverReady) {
    return { ready: false, phase: 'Running', reason: 'ContainersNotReady', message: 'containers with unready status: [kube-multus]', binDir, log };
  }

  const confDirInPod = config.cniConfigDir ?? '/host/etc/cni/net.d';
  const socketDirInPod = config.socketDir ?? '/run/multus/';
  const confDirHost = hostDirBehind(node, spec, container, confDirInPod);
  const socketDir = hostPathBehind(spec, container, socketDirInPod);
  const cacheDir = hostPathBehind(spec, container, '/var/lib/cni/multus');
  if (!confDirHost || !socketDir || !cacheDir) {
    const what = !confDirHost ? `cniConfigDir ${confDirInPod}` : !socketDir ? `socketDir ${socketDirInPod}` : '/var/lib/cni/multus';
    return { ready: false, phase: 'Running', reason: 'CrashLoopBackOff', message: `${what} is not backed by a host directory`, binDir, log };
  }
  const daemon = new MultusDaemon(
    {
      confDirHost,
      confDirInPod,
      socketHost: hostSide(node.at, posix.join(socketDir, SOCKET_NAME)),
      cacheDirHost: hostSide(node.at, cacheDir),
    },
    config,
    { cacheSync: cacheSync(node, knobs) },
  );
  try {
    await daemon.start();
  } catch (e) {
    return { ready: false, phase: 'Running', reason: 'CrashLoopBackOff', message: (e as Error).message, binDir, log };
  }
  log.push(`kube-multus: listening on ${daemon.socketPath}`);
  const probe = container.readinessProbe;
  const daemonPod = { spec, container };
  if (!probe) return { ready: true, phase: 'Running', daemon, binDir, daemonPod, log };
  const command = probe.exec?.command ?? [];
  return {
    ready: false,
    phase: 'Running',
    reason: 'ContainersNotReady',
    message: 'containers with unready status: [kube-multus]',
    daemon,
    binDir,
    daemonPod,
    readiness: probeUntilReady(node, spec, container, command, daemon),
    log,
  };
}

/** The kubelet runs the probe every period while the container runs; Ready on the first success. */
async function probeUntilReady(node: SimNode, spec: PodSpec, container: Container, command: string[], daemon: MultusDaemon): Promise<boolean> {
  for (;;) {
    if (!daemon.running) return false;
    const run = runContainerScript({ at: node.at, spec, container }, imageFiles, command);
    // A probe the lab cannot run (not `/bin/sh -c`) never passes: an honest "unknown".
    if (run && (await run).code === 0) return daemon.running;
    await new Promise((resolve) => setTimeout(resolve, PROBE_PERIOD_MS));
  }
}
