/**
 * A lab cluster: lab nodes (real sshd), the K3s layout on each (simulated), the Kubernetes
 * API stand-in on the lab network (real kubectl reaches it through `k3s kubectl`) and the
 * DaemonSet/kubelet simulation. See README.md for what is real and what is not.
 */
import { join } from 'node:path';
import { startLab, type StartLabExtraOptions } from './lab.ts';
import type { Lab, StartLabOptions } from './types.ts';
import { startKubeApi, kubeconfigText, type KubeApi } from './kube-api/server.ts';
import { DEFAULT_DATA_DIR, safeNodePath, upgradeK3sLayout, writeK3sLayout, type K3sUpgradeResult } from './k3s-layout.ts';
import { quote } from '../../src/connection/quote.ts';
import { DEFAULT_K3S_VERSION } from './k3s-standin.ts';
import { k3sBinDir, releaseCacheSync, startKubeletSim, type KubeletSim, type NodeKnobs, type SimNode } from './kubelet-sim/index.ts';
import { writeClusterInventory } from './cluster-inventory.ts';

export interface ClusterNodeOptions extends NodeKnobs {
  /** This node's K3s release (default: the cluster's). */
  k3sVersion?: string;
  /** This node's K3s --data-dir (default: the cluster's). */
  dataDir?: string;
  /** Where a non-default data dir is given: config.yaml (default) or only K3s's command line. */
  dataDirIn?: 'config' | 'command-line';
  /** The data dir is an absolute symlink to this directory (k3s-ansible's k3s_server_location). */
  symlinkedTo?: string;
}

export interface ClusterInventoryOptions {
  /** Name hosts by their address, as k3s-ansible's sample inventory does (default: by node name). */
  hostsByAddress?: boolean;
  /** Extra `all.vars` (e.g. k3s_server_location). */
  vars?: Record<string, unknown>;
  /** Put the cluster's data dir in the inventory as k3s_data_dir when not the default (default true). */
  dataDirVar?: boolean;
  /** Cluster nodes the inventory does not list. */
  leaveOut?: string[];
  /** Host vars by node name (e.g. one node's k3s_server_location). */
  hostVars?: Record<string, Record<string, unknown>>;
}

export interface ClusterOptions {
  /** K3s --data-dir on every node; must lie under /var/lib/rancher (a per-node mount). */
  dataDir?: string;
  /** Default v1.31.2+k3s1; v1.28.14+k3s1 (OLD_K3S_VERSION) gives the older layout without data/cni. */
  k3sVersion?: string;
  perNode?: Record<string, ClusterNodeOptions>;
  /** Delay per node for a Multus pod to start or stop (default 300 ms). */
  podStartDelayMs?: number;
  /** API port (default: a free one). */
  apiPort?: number;
  inventory?: ClusterInventoryOptions;
  log?: (line: string) => void;
}

export interface StartClusterOptions extends StartLabOptions, StartLabExtraOptions, ClusterOptions {}

export interface Cluster {
  lab: Lab;
  api: KubeApi;
  sim: KubeletSim;
  dataDir: string;
  /** k3s-ansible style inventory (server/agent under k3s_cluster) with the lab's vars. */
  inventoryFile: string;
  /** Host-side kubeconfig for the API stand-in (the nodes have theirs at /etc/rancher/k3s/k3s.yaml). */
  kubeconfigFile: string;
  /** The K3s release each node runs now. */
  k3sVersion(node: string): string;
  setKnob<K extends keyof NodeKnobs>(node: string, knob: K, value: NodeKnobs[K]): void;
  /** Let a daemon started with the `holdCacheSync` knob finish starting. */
  releaseCacheSync(node: string): void;
  /** Simulated K3s upgrade of one node (or a restart when `version` is what it runs). */
  upgradeK3s(node: string, version: string): K3sUpgradeResult;
  /** Stops the simulation and the API; the lab too, unless `keepLab`. */
  stop(options?: { keepLab?: boolean }): Promise<void>;
}

export async function startCluster(options: StartClusterOptions): Promise<Cluster> {
  const lab = await startLab(options);
  try {
    return await attachCluster(lab, options);
  } catch (e) {
    await lab.stop();
    throw e;
  }
}

/** Put K3s, the API and the simulation on a running lab (`lab up` does this in its own process). */
export async function attachCluster(lab: Lab, options: ClusterOptions = {}): Promise<Cluster> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  if (dataDir !== DEFAULT_DATA_DIR && !dataDir.startsWith('/var/lib/rancher/')) {
    throw new Error(`lab K3s data dir ${dataDir} must lie under /var/lib/rancher (the per-node mount)`);
  }
  const versions = new Map(lab.nodes.map((n) => [n.name, options.perNode?.[n.name]?.k3sVersion ?? options.k3sVersion ?? DEFAULT_K3S_VERSION]));
  const api = await startKubeApi({
    host: lab.hostAddress,
    port: options.apiPort ?? 0,
    nodes: lab.nodes.map((n) => ({ name: n.name, address: n.address })),
    gitVersion: versions.get(lab.nodes[0].name),
    log: options.log,
  });
  const kubeconfig = kubeconfigText(api.url);
  const nodes: SimNode[] = lab.nodes.map((n, i) => ({
    name: n.name,
    address: n.address,
    subnetIndex: i,
    k3sDataDir: options.perNode?.[n.name]?.dataDir ?? dataDir,
    // Host-side paths follow the node's own symlinks (a symlinked data dir stays in the node).
    at: safeNodePath((path: string) => lab.hostPath(n, path)),
  }));
  for (const [i, node] of nodes.entries()) {
    const o = options.perNode?.[node.name] ?? {};
    writeK3sLayout(node.at, {
      dataDir: node.k3sDataDir,
      version: versions.get(node.name),
      subnetIndex: node.subnetIndex,
      kubeconfig,
      dataDirIn: o.dataDirIn,
      symlinkedTo: o.symlinkedTo,
    });
    if (versions.get(node.name) !== versions.get(nodes[0].name)) setKubeletVersion(api, node.name, versions.get(node.name) ?? '');
    node.cniBinDir = k3sBinDir(node);
    // K3s runs: `k3s server` on the first node, `k3s agent` on the others (idle stand-ins).
    const flags = o.dataDirIn === 'command-line' ? ` --data-dir ${quote(node.k3sDataDir)}` : '';
    await lab.exec(node.name, `setsid /usr/local/bin/k3s ${i === 0 ? 'server' : 'agent'}${flags} </dev/null >/dev/null 2>&1 &`);
  }
  const knobs = Object.fromEntries(
    Object.entries(options.perNode ?? {}).map(([name, { k3sVersion: _v, dataDir: _d, dataDirIn: _i, symlinkedTo: _s, ...knobs }]) => [name, knobs]),
  );
  const sim = startKubeletSim({ store: api.store, nodes, knobs, podStartDelayMs: options.podStartDelayMs, log: options.log });
  const inventoryFile = writeClusterInventory(lab, dataDir, options.inventory);
  const kubeconfigFile = api.kubeconfigPath(join(lab.dir, 'kube'));

  const nodeOf = (name: string): SimNode => {
    const found = nodes.find((n) => n.name === name);
    if (!found) throw new Error(`lab has no node ${JSON.stringify(name)}`);
    return found;
  };
  return {
    lab,
    api,
    sim,
    dataDir,
    inventoryFile,
    kubeconfigFile,
    k3sVersion: (node) => versions.get(nodeOf(node).name) ?? DEFAULT_K3S_VERSION,
    setKnob: (node, knob, value) => sim.setKnob(nodeOf(node).name, knob, value),
    releaseCacheSync: (node) => releaseCacheSync(nodeOf(node)),
    upgradeK3s(name, version) {
      const node = nodeOf(name);
      const result = upgradeK3sLayout(node.at, node.k3sDataDir, version, node.subnetIndex);
      node.cniBinDir = k3sBinDir(node); // the agent restarted: K3s picks its bin dir again
      versions.set(name, version);
      setKubeletVersion(api, name, version);
      return result;
    },
    async stop(stopOptions = {}) {
      await sim.stop();
      await api.stop();
      if (!stopOptions.keepLab) await lab.stop();
    },
  };
}

/** What `kubectl get nodes` shows as VERSION after a node's K3s changed. */
function setKubeletVersion(api: KubeApi, node: string, version: string): void {
  const object = api.store.get('v1', 'Node', undefined, node);
  if (!object) return;
  const status = (object.status ?? {}) as { nodeInfo?: Record<string, unknown> };
  api.store.setStatus('Node', undefined, node, { ...status, nodeInfo: { ...(status.nodeInfo ?? {}), kubeletVersion: version } });
}
