/** The files a user of the lab points the product at: an Ansible inventory and known_hosts. */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { publicKeyOf } from './keys.ts';

export interface InventoryNode {
  name: string;
  address: string;
  port: number;
  hostKeyPubFiles: string[];
}

/** Lines for `[ip]:port` and, port 22 being the default, the bare ip (how ssh looks it up). */
export function knownHostsText(nodes: InventoryNode[]): string {
  const lines: string[] = [];
  for (const n of nodes) {
    const names = n.port === 22 ? `${n.address},[${n.address}]:22` : `[${n.address}]:${n.port}`;
    for (const pub of n.hostKeyPubFiles) lines.push(`${names} ${publicKeyOf(pub)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function inventoryText(nodes: InventoryNode[], rootKeyFile: string, knownHostsFile: string): string {
  const hosts: Record<string, { ansible_host: string; ansible_port: number }> = {};
  for (const n of nodes) hosts[n.name] = { ansible_host: n.address, ansible_port: n.port };
  const inventory = {
    all: {
      hosts,
      vars: {
        ansible_user: 'root',
        ansible_ssh_private_key_file: rootKeyFile,
        provision_known_hosts: knownHostsFile,
      },
    },
  };
  return `# provision lab inventory (generated; removed with the lab)\n${stringify(inventory)}`;
}

export function writeInventoryFiles(
  nodes: InventoryNode[],
  files: { inventory: string; knownHosts: string; rootKey: string },
): void {
  writeFileSync(files.knownHosts, knownHostsText(nodes), { mode: 0o644 });
  writeFileSync(files.inventory, inventoryText(nodes, files.rootKey, files.knownHosts), { mode: 0o644 });
}
