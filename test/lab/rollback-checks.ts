/**
 * What a rolled-back node must look like, read from the node's own files (docs/k3s-multus.md
 * §3, §10): the CNI bin dir holds K3s's names, each a link to the current multicall binary,
 * plus what the pristine record lists as there before; the conf dir holds what was there
 * before; /run/multus and /var/lib/cni/multus are gone; the Flannel conflist is unchanged.
 */
import type { Test } from 'tap';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { bundleHash } from './k3s-standin.ts';
import type { Cluster } from './cluster.ts';

export const DATA = '/var/lib/rancher/k3s';
export const CNI_DIR = `${DATA}/data/cni`;
export const CONF_DIR = `${DATA}/agent/etc/cni/net.d`;
export const FLANNEL = `${CONF_DIR}/10-flannel.conflist`;
export const K3S_NAMES = ['cni', 'bandwidth', 'bridge', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap'];
export const PRISTINE = '/var/lib/provision/backups/pristine/record.json';
export const STATE = '/var/lib/provision/state.json';

export const multicallOf = (version: string): string => `${DATA}/data/${bundleHash(version)}/bin/cni`;

/** A file inside the node (the product's /var/lib/provision lives in the node's /var/lib overlay). */
export async function nodeFile(cluster: Cluster, node: string, path: string): Promise<string | undefined> {
  const r = await cluster.lab.exec(node, `cat ${path}`);
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** inode and sha256 of the pristine record: the same file throughout. */
export async function pristineIdentity(cluster: Cluster, node: string): Promise<string> {
  const r = await cluster.lab.exec(node, `stat -c %i ${PRISTINE} && sha256sum < ${PRISTINE}`);
  return r.exitCode === 0 ? r.stdout : `missing: ${r.stderr}`;
}

export function flannelBytes(cluster: Cluster, node: string): Buffer {
  return readFileSync(cluster.lab.hostPath(node, FLANNEL));
}

export function binDirListing(cluster: Cluster, node: string): string[] {
  return readdirSync(cluster.lab.hostPath(node, CNI_DIR)).sort();
}

export async function assertRolledBack(t: Test, cluster: Cluster, node: string, flannelBefore: Buffer): Promise<void> {
  const pristine = JSON.parse((await nodeFile(cluster, node, PRISTINE)) ?? '{}') as { bin_dir_others?: string[]; conf_dir_files?: string[] };
  const multicall = multicallOf(cluster.k3sVersion(node));
  t.same(binDirListing(cluster, node), [...K3S_NAMES, ...(pristine.bin_dir_others ?? [])].sort(), `${node}: bin dir holds K3s's names and what was there before`);
  for (const name of K3S_NAMES) {
    const p = cluster.lab.hostPath(node, `${CNI_DIR}/${name}`);
    t.equal(lstatSync(p).isSymbolicLink() ? readlinkSync(p) : 'not a link', multicall, `${node}: ${name} -> the current multicall binary`);
  }
  t.same(readdirSync(cluster.lab.hostPath(node, CONF_DIR)).sort(), (pristine.conf_dir_files ?? ['10-flannel.conflist']).sort(), `${node}: conf dir as before the install`);
  t.notOk(existsSync(cluster.lab.hostPath(node, '/run/multus')), `${node}: /run/multus gone`);
  t.notOk(existsSync(cluster.lab.hostPath(node, '/var/lib/cni/multus')), `${node}: /var/lib/cni/multus gone`);
  t.same(flannelBytes(cluster, node), flannelBefore, `${node}: 10-flannel.conflist byte-identical`);
  const state = JSON.parse((await nodeFile(cluster, node, STATE)) ?? '{}') as Record<string, unknown>;
  t.match(state, { rolled_back_at: /^\d{4}-\d\d-\d\dT/, rolled_back_by: /^provision / }, `${node}: state.json says rolled back`);
}

/** `nodeN : ok=… changed=0 …` for every node in a recap. */
export function assertNoChanges(t: Test, stdout: string, nodes: string[]): void {
  for (const node of nodes) t.match(stdout, new RegExp(`${node}\\s+: ok=\\d+\\s+changed=0\\s+unreachable=0\\s+failed=0`), `${node}: 0 changed`);
}
