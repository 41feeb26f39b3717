/**
 * The inventory of a lab cluster, shaped like k3s-ansible's: `k3s_cluster` with `server`
 * (the first node) and `agent` (the rest), plus the lab's connection vars.
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { Lab } from './types.ts';
import { DEFAULT_DATA_DIR } from './k3s-layout.ts';

type Hosts = Record<string, { ansible_host?: string; ansible_port: number }>;

export interface InventoryTextOptions {
  /** k3s-ansible's sample names hosts by IP (`192.16.35.11:`), not by node name. */
  hostsByAddress?: boolean;
  vars?: Record<string, unknown>;
  dataDirVar?: boolean;
  /** Cluster nodes the inventory does not list (they are still Kubernetes nodes). */
  leaveOut?: string[];
  /** Host vars by node name (whatever the host is called in the inventory). */
  hostVars?: Record<string, Record<string, unknown>>;
}

export function clusterInventoryText(lab: Lab, dataDir: string, options: InventoryTextOptions = {}): string {
  const hostsOf = (nodes: Lab['nodes']): Hosts =>
    Object.fromEntries(
      nodes.map((n) => {
        const own = options.hostVars?.[n.name] ?? {};
        return options.hostsByAddress ? [n.address, { ansible_port: n.port, ...own }] : [n.name, { ansible_host: n.address, ansible_port: n.port, ...own }];
      }),
    );
  const [server, ...agents] = lab.nodes.filter((n) => !(options.leaveOut ?? []).includes(n.name));
  const vars: Record<string, unknown> = {
    ansible_user: 'root',
    ansible_ssh_private_key_file: lab.rootKeyFile,
    provision_known_hosts: lab.knownHostsFile,
  };
  if (dataDir !== DEFAULT_DATA_DIR && options.dataDirVar !== false) vars.k3s_data_dir = dataDir;
  Object.assign(vars, options.vars ?? {});
  const k3sCluster: Record<string, unknown> = { server: { hosts: hostsOf([server]) } };
  if (agents.length > 0) k3sCluster.agent = { hosts: hostsOf(agents) };
  const inventory = { all: { vars, children: { k3s_cluster: { children: k3sCluster } } } };
  return `# provision lab cluster inventory (generated; removed with the lab)\n${stringify(inventory)}`;
}

export function writeClusterInventory(lab: Lab, dataDir: string, options: InventoryTextOptions = {}): string {
  writeFileSync(lab.inventoryFile, clusterInventoryText(lab, dataDir, options), { mode: 0o644 });
  return lab.inventoryFile;
}
