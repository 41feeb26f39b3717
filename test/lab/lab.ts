/**
 * Starting a lab (see types.ts and README.md): state first, then the bridge, keys and per-node
 * files, then each node's namespaces and sshd; resolved only once every sshd answers.
 * Whatever fails on the way is torn down again before the error reaches the caller.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Lab, StartLabOptions } from './types.ts';
import {
  DEFAULT_BASE_DIR, bridgeName, checkBaseDir, checkLabId, hostVethName, labTag, netnsName, nodeAddressOf,
  nodeNames, preferredSubnet, privateAddressOf, privateBridgeName, privateVethName,
} from './names.ts';
import { generateKey, generatePassword, publicKeyOf, shadowHash } from './keys.ts';
import { addVeth, createBridge, createNodeLink, createPrivateBridge } from './network.ts';
import { freeIds, hostKeyPubFiles, nodeLogFile, writeNodeFiles, type NodeAccount } from './node-files.ts';
import { spawnNodeInit } from './node-init.ts';
import { sshBannerInNetns, waitForSshd } from './node-probe.ts';
import { writeInventoryFiles } from './inventory-files.ts';
import { isLive, processRef, readState, writeState, type LabState, type NodeState } from './state.ts';
import { LAB_MARKER, cleanupStaleLabs, netnsInode, nsInode, teardownLab } from './teardown.ts';
import { labFromState, trackOwnedLab, untrackOwnedLab } from './lab-handle.ts';
import { labSupport } from './support.ts';

export { labSupport } from './support.ts';
export { cleanupStaleLabs } from './teardown.ts';
export { openLab } from './lab-handle.ts';

export const LAB_USER = 'labuser';
export const LAB_NOPASSWD_USER = 'labnopass';
const SSHD_START_TIMEOUT_MS = 15_000;

export interface StartLabExtraOptions {
  /** Keep the lab running after this process exits (`lab up`); otherwise it dies with it. */
  detached?: boolean;
}

export async function startLab(options: StartLabOptions & StartLabExtraOptions): Promise<Lab> {
  const support = labSupport();
  if (!support.ok) throw new Error(`the lab cannot run here: ${support.reason}`);
  const baseDir = options.baseDir ?? DEFAULT_BASE_DIR;
  checkBaseDir(baseDir);
  const id = options.id ?? randomBytes(3).toString('hex');
  checkLabId(id);
  const names = nodeNames(options.nodes);
  const role = privateRoles(names, options.privateNetwork);

  mkdirSync(baseDir, { recursive: true });
  cleanupStaleLabs(baseDir);
  const dir = join(baseDir, id);
  const existing = readState(dir);
  if (existing && isLive(existing)) throw new Error(`lab ${id} is already running (${dir}); stop it first`);
  mkdirSync(dir); // fails if a directory is left that the sweep did not claim: never reuse one blindly
  writeFileSync(join(dir, LAB_MARKER), '');
  mkdirSync(join(dir, 'keys'), { mode: 0o700 });

  const tag = labTag(id);
  const state: LabState = {
    version: 1,
    id,
    tag,
    dir,
    bridge: bridgeName(tag),
    ...(options.privateNetwork ? { privateBridge: privateBridgeName(tag) } : {}),
    owner: processRef(process.pid),
    status: 'starting',
    rootKeyFile: join(dir, 'keys', 'root_ed25519'),
    user: { name: LAB_USER, keyFile: join(dir, 'keys', 'user_ed25519'), password: generatePassword() },
    nopasswdUser: { name: LAB_NOPASSWD_USER, keyFile: join(dir, 'keys', 'user_ed25519') },
    nodes: names.map((name, i) => ({
      name,
      index: i + 1,
      address: '',
      root: join(dir, 'nodes', name),
      netns: netnsName(tag, i + 1),
      hostVeth: hostVethName(tag, i + 1),
      ...(role(name) ? { role: role(name)!, privateVeth: privateVethName(tag, i + 1) } : {}),
    })),
  };
  writeState(state);
  trackOwnedLab(state);
  try {
    await bringUp(state);
  } catch (e) {
    untrackOwnedLab(state);
    teardownLab(state);
    throw e;
  }
  if (options.detached) {
    state.owner = null;
    untrackOwnedLab(state);
  }
  state.status = 'running';
  writeState(state);
  return labFromState(state);
}

async function bringUp(state: LabState): Promise<void> {
  const [subnet, passwordHash] = await Promise.all([
    createBridge(state.bridge, state.dir, preferredSubnet(state.id)),
    shadowHash(state.user.password),
    generateKey(state.rootKeyFile, 'ed25519', `root@provision-lab-${state.id}`),
    generateKey(state.user.keyFile, 'ed25519', `${LAB_USER}@provision-lab-${state.id}`),
  ]);
  state.subnet = subnet;
  for (const node of state.nodes) {
    node.address = node.role === 'private' ? privateAddressOf(subnet, node.index) : nodeAddressOf(subnet, node.index);
    if (node.role === 'gateway') node.privateAddress = privateAddressOf(subnet, node.index);
  }
  writeState(state);
  if (state.privateBridge) await createPrivateBridge(state.privateBridge, state.dir);

  const [userUid, nopasswdUid] = freeIds(2);
  const userKey = publicKeyOf(`${state.user.keyFile}.pub`);
  const accounts: NodeAccount[] = [
    { name: state.user.name, uid: userUid, passwordHash, nopasswd: false, authorizedKey: userKey },
    { name: state.nopasswdUser.name, uid: nopasswdUid, nopasswd: true, authorizedKey: userKey },
  ];
  const rootKey = publicKeyOf(`${state.rootKeyFile}.pub`);
  await Promise.all(state.nodes.map((node) => startNode(state, node, accounts, rootKey)));

  writeInventoryFiles(
    state.nodes.map((n) => ({ name: n.name, address: n.address, port: 22, hostKeyPubFiles: hostKeyPubFiles(n.root) })),
    { inventory: join(state.dir, 'inventory.yaml'), knownHosts: join(state.dir, 'known_hosts'), rootKey: state.rootKeyFile },
  );
  await Promise.all(
    state.nodes.map((n) =>
      waitForSshd(
        {
          ...n,
          port: 22,
          logFile: nodeLogFile(n.root),
          pidFile: join(n.root, 'run', 'sshd.pid'),
          // The host cannot reach a private node: ask from inside its own network namespace.
          ...(n.role === 'private' ? { probe: () => sshBannerInNetns(n.netns, n.address, 22) } : {}),
        },
        SSHD_START_TIMEOUT_MS,
      ).then(() => {
        if (n.init) n.mntInode = nsInode(n.init.pid, 'mnt');
      }),
    ),
  );
}

async function startNode(state: LabState, node: NodeState, accounts: NodeAccount[], rootKey: string): Promise<void> {
  await Promise.all([
    writeNodeFiles({
      root: node.root,
      name: node.name,
      address: node.address,
      peers: state.nodes.map((n) => ({ name: n.name, address: n.address })),
      rootAuthorizedKey: rootKey,
      accounts,
    }),
    createNodeLink(node.role === 'private' ? state.privateBridge! : state.bridge, node.netns, node.hostVeth).then(() =>
      node.role === 'gateway' ? addVeth(state.privateBridge!, node.netns, node.privateVeth!, 'eth1') : undefined,
    ),
  ]);
  node.netInode = netnsInode(node.netns);
  writeState(state); // the netns exists now: record it before anything can run inside
  const gateway = state.nodes.find((n) => n.role === 'gateway');
  const pid = spawnNodeInit({
    name: node.name,
    root: node.root,
    address: node.address,
    netns: node.netns,
    ...(node.privateAddress ? { privateAddress: node.privateAddress } : {}),
    ...(node.role === 'private' && gateway?.privateAddress ? { defaultVia: gateway.privateAddress } : {}),
  });
  try {
    node.init = processRef(pid);
  } catch {
    throw new Error(`lab node ${node.name} exited at once; see ${nodeLogFile(node.root)}`);
  }
  writeState(state);
}

/** Which nodes are on the private network, checked against the node names. */
function privateRoles(names: string[], net: StartLabOptions['privateNetwork']): (name: string) => 'private' | 'gateway' | undefined {
  if (!net) return () => undefined;
  for (const n of [net.gateway, ...net.members]) {
    if (!names.includes(n)) throw new Error(`privateNetwork names ${JSON.stringify(n)}, which is not a node of this lab`);
  }
  if (net.members.includes(net.gateway)) throw new Error('the private network\'s gateway cannot also be one of its members');
  if (net.members.length === 0) throw new Error('a private network needs at least one member');
  return (name) => (name === net.gateway ? 'gateway' : net.members.includes(name) ? 'private' : undefined);
}
