/**
 * Pods asking for a secondary network (`k8s.v1.cni.cncf.io/networks`), simulated: the pod
 * is scheduled, and it runs with the network-status annotation only when Multus really
 * works on its node as the lab sees it: 00-multus.conf in K3s's conf dir, multus-shim in
 * K3s's bin dir, a socket that answers, the NetworkAttachmentDefinition and its plugins.
 * Otherwise it stays Pending with the error a kubelet would report.
 */
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import type { ObjectStore } from '../kube-api/store.ts';
import type { KubeObject } from '../kube-api/types.ts';
import { isDaemonSetPod, podStatus } from './pod-objects.ts';
import { hostSide, resolveInNode, resolveInPod } from './pod-spec.ts';
import type { CniRequest } from './multus-daemon.ts';
import type { PodOutcome, SimNode } from './node-runtime.ts';

export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';
export const NETWORK_STATUS_ANNOTATION = 'k8s.v1.cni.cncf.io/network-status';
const NAD_API = 'k8s.cni.cncf.io/v1';
/** Where multus-shim dials the daemon on the host. */
const SHIM_SOCKET = '/run/multus/multus.sock';

export interface AttachContext {
  store: ObjectStore;
  nodes: SimNode[];
  podOn(node: string): PodOutcome | undefined;
}

interface NetworkRef {
  namespace: string;
  name: string;
  interface?: string;
}

export function parseNetworks(text: string, podNamespace: string): NetworkRef[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    return (JSON.parse(trimmed) as Array<{ name: string; namespace?: string; interface?: string }>).map((n) => ({
      name: n.name,
      namespace: n.namespace ?? podNamespace,
      ...(n.interface ? { interface: n.interface } : {}),
    }));
  }
  return trimmed
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const [ref, iface] = item.split('@');
      const [namespace, name] = ref.includes('/') ? ref.split('/') : [podNamespace, ref];
      return { namespace, name, ...(iface ? { interface: iface } : {}) };
    });
}

/** GET or POST over the daemon's unix socket, as multus-shim does. */
function overSocket(socketPath: string, method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: { 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

/** The bin dir K3s picks at agent start: data/cni when its host-local is there, else data/current/bin. */
export function k3sBinDir(node: SimNode): string {
  const stable = posix.join(node.k3sDataDir, 'data', 'cni');
  return resolveInNode(node.at, posix.join(stable, 'host-local'))?.executable ? stable : posix.join(node.k3sDataDir, 'data', 'current', 'bin');
}

const found = (node: SimNode, dir: string, plugin: string) => resolveInNode(node.at, posix.join(dir, plugin))?.executable === true;

/** The first reason Multus cannot attach these networks on this node, or undefined. */
async function attachProblem(ctx: AttachContext, node: SimNode, networks: NetworkRef[]): Promise<string | undefined> {
  const confDir = posix.join(node.k3sDataDir, 'agent', 'etc', 'cni', 'net.d');
  let conf: { type?: string };
  try {
    conf = JSON.parse(readFileSync(hostSide(node.at, posix.join(confDir, '00-multus.conf')), 'utf8')) as { type?: string };
  } catch {
    return `Multus is not set up on node ${node.name}: no 00-multus.conf in ${confDir}, so the pod would get no secondary network`;
  }
  // Fixed when the K3s agent started: a host-local lost since then does not move it.
  const binDir = node.cniBinDir ?? k3sBinDir(node);
  const shim = conf.type ?? 'multus-shim';
  if (!found(node, binDir, shim)) return `failed to find plugin "${shim}" in path [${binDir}]`;
  try {
    // multus-shim POSTs /healthz before each CNI call (pkg/server/api/shim.go, api.go WaitUntilAPIReady).
    await overSocket(hostSide(node.at, SHIM_SOCKET), 'POST', '/healthz', 'null');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
    return `plugin type="${shim}" name="multus-cni-network" failed (add): dial unix ${SHIM_SOCKET}: connect: ${why}`;
  }
  // The daemon finds every delegate inside its own pod: the cluster network's plugins (from
  // the conflist 00-multus.conf names) and each attachment's plugin and IPAM.
  const pod = ctx.podOn(node.name);
  const daemonBinDir = pod?.binDir ?? binDir;
  const inDaemon = (plugin: string): boolean =>
    pod?.daemonPod
      ? resolveInPod(node.at, pod.daemonPod.spec, pod.daemonPod.container, posix.join(daemonBinDir, plugin))?.executable === true
      : found(node, daemonBinDir, plugin);
  // Flannel delegates to bridge with host-local IPAM (flannel-io/cni-plugin): without
  // host-local the cluster network's ADD fails, whatever Multus does.
  const cluster = clusterNetworkPlugins(node, confDir);
  for (const plugin of cluster.includes('flannel') ? [...cluster, 'bridge', 'host-local'] : cluster) {
    if (!inDaemon(plugin)) return `failed to find plugin "${plugin}" in path [${daemonBinDir}]`;
  }
  for (const net of networks) {
    const nad = ctx.store.list(NAD_API, 'NetworkAttachmentDefinition', { namespace: net.namespace }).find((o) => o.metadata.name === net.name);
    if (!nad) return `cannot find a network-attachment-definition (${net.name}) in namespace (${net.namespace})`;
    const config = nadConfig(nad);
    for (const plugin of [config.type, config.ipam?.type].filter((p): p is string => Boolean(p))) {
      if (!inDaemon(plugin)) return `failed to find plugin "${plugin}" in path [${daemonBinDir}]`;
    }
  }
  return undefined;
}

/** The plugin types of the cluster network: the first conflist in the conf dir other than Multus's. */
function clusterNetworkPlugins(node: SimNode, confDir: string): string[] {
  try {
    const conflist = JSON.parse(readFileSync(hostSide(node.at, posix.join(confDir, '10-flannel.conflist')), 'utf8')) as { plugins?: Array<{ type?: string }> };
    return (conflist.plugins ?? []).flatMap((p) => (p.type ? [p.type] : []));
  } catch {
    return [];
  }
}

interface NadConfig {
  type?: string;
  ipam?: { type?: string; subnet?: string; rangeStart?: string; rangeEnd?: string; gateway?: string; ranges?: Array<Array<{ subnet?: string; rangeStart?: string; rangeEnd?: string; gateway?: string }>> };
}

function nadConfig(nad: KubeObject): NadConfig {
  try {
    const config = JSON.parse(String((nad.spec as { config?: string } | undefined)?.config ?? '{}')) as NadConfig & { plugins?: NadConfig[] };
    return config.plugins?.[0] ? { ...config.plugins[0] } : config;
  } catch {
    return {};
  }
}

const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

/**
 * The next address host-local would hand out from the NAD's first range (IPv4), as
 * containernetworking/plugins' plugins/ipam/host-local/backend/allocator/range.go
 * Canonicalize sets it up: rangeStart defaults to the subnet's first host address, the
 * gateway defaults to that same address and is never handed out, so a range without
 * rangeStart or gateway starts at .2; rangeEnd defaults to the last address before broadcast.
 */
function nextAddress(config: NadConfig, used: number): string | undefined {
  const range = config.ipam?.ranges?.[0]?.[0] ?? config.ipam ?? {};
  if (!range.subnet) return undefined;
  const [network, bits] = range.subnet.split('/');
  const base = (toInt(network) & (~0 << (32 - Number(bits)))) >>> 0;
  const gateway = range.gateway ?? toIp(base + 1);
  const first = range.rangeStart ? toInt(range.rangeStart) : base + 1;
  const last = range.rangeEnd ? toInt(range.rangeEnd) : base + 2 ** (32 - Number(bits)) - 2;
  for (let n = first, skip = used; n <= last; n++) {
    if (toIp(n) === gateway) continue;
    if (skip-- === 0) return toIp(n);
  }
  return undefined; // host-local: "no IP addresses available in range set"
}

/** Addresses handed out so far, per "node/network". */
const allocated = new Map<string, number>();

function allocate(key: string): number {
  const n = allocated.get(key) ?? 0;
  allocated.set(key, n + 1);
  return n;
}

/** Bring one annotated pod as far as its node allows; writes only when something changes. */
export async function attachPod(ctx: AttachContext, namespace: string, name: string): Promise<void> {
  const pod = ctx.store.get('v1', 'Pod', namespace, name);
  const annotations = pod?.metadata.annotations ?? {};
  if (!pod || pod.metadata.deletionTimestamp || isDaemonSetPod(pod) || !annotations[NETWORKS_ANNOTATION] || annotations[NETWORK_STATUS_ANNOTATION]) return;
  const spec = pod.spec as { nodeName?: string; nodeSelector?: Record<string, string>; containers?: Array<{ name: string }> };
  const wanted = spec.nodeName ?? spec.nodeSelector?.['kubernetes.io/hostname'];
  const readyNodes = ctx.store.list('v1', 'Node').filter((n) =>
    ((n.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  const node = ctx.nodes.find((n) => (wanted ? n.name === wanted : readyNodes.some((r) => r.metadata.name === n.name)));
  const containers = (spec.containers ?? []).map((c) => c.name);
  const status = pod.status as { reason?: string; conditions?: Array<{ type: string; message?: string }> } | undefined;
  const write = (next: KubeObject, reason: string, message: string) => {
    const current = status?.conditions?.find((c) => c.type === 'Ready')?.message;
    if (current === message && pod.spec && (pod.spec as { nodeName?: string }).nodeName === (next.spec as { nodeName?: string }).nodeName) return;
    next.status = podStatus({ phase: 'Pending', ready: false, reason, message, containers });
    ctx.store.put(next);
  };
  if (!node) {
    write(pod, 'Unschedulable', `0/${ctx.nodes.length} nodes are available: no lab node matches ${wanted ?? 'a Ready node'}`);
    return;
  }
  const placed: KubeObject = { ...pod, spec: { ...spec, nodeName: node.name } };
  let networks: NetworkRef[];
  try {
    networks = parseNetworks(annotations[NETWORKS_ANNOTATION], namespace);
  } catch (e) {
    write(placed, 'ContainerCreating', `bad ${NETWORKS_ANNOTATION} annotation: ${(e as Error).message}`);
    return;
  }
  const problem = await attachProblem(ctx, node, networks);
  if (problem) {
    write(placed, 'ContainerCreating', `Failed to create pod sandbox: ${problem}`);
    return;
  }
  const containerId = (pod.metadata.uid ?? name).replace(/[^A-Za-z0-9]/g, '');
  const cni: CniRequest = { command: 'ADD', containerId, podNamespace: namespace, podName: name, networks: networks.map((n) => `${n.namespace}/${n.name}`) };
  await overSocket(hostSide(node.at, SHIM_SOCKET), 'POST', '/cni', JSON.stringify(cni));
  const podIP = `10.42.${node.subnetIndex}.${allocate(`${node.name}/cbr0`) + 2}`;
  const entries: Array<Record<string, unknown>> = [{ name: 'cbr0', interface: 'eth0', ips: [podIP], default: true, dns: {} }];
  networks.forEach((net, i) => {
    const nad = ctx.store.list(NAD_API, 'NetworkAttachmentDefinition', { namespace: net.namespace }).find((o) => o.metadata.name === net.name);
    const ip = nad && nextAddress(nadConfig(nad), allocate(`${node.name}/${net.namespace}/${net.name}`));
    entries.push({ name: `${net.namespace}/${net.name}`, interface: net.interface ?? `net${i + 1}`, ips: ip ? [ip] : [], dns: {} });
  });
  placed.metadata = { ...placed.metadata, annotations: { ...annotations, [NETWORK_STATUS_ANNOTATION]: JSON.stringify(entries, null, 4) } };
  placed.status = podStatus({ phase: 'Running', ready: true, containers, podIP, hostIP: node.address });
  ctx.store.put(placed);
}
