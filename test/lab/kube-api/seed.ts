/** The objects a fresh cluster starts with: its namespaces and one Ready Node per lab node. */
import type { KubeObject } from './types.ts';
import { timestamp } from './store.ts';

export function namespaceObject(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** A lab node: its name, and optionally the address it has on the lab network. */
export type NodeSpec = string | { name: string; address: string };

export function nodeObject(node: NodeSpec, index: number, kubeletVersion: string): KubeObject {
  const name = typeof node === 'string' ? node : node.name;
  const address = typeof node === 'string' ? `10.99.0.${index + 2}` : node.address;
  const now = timestamp();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
        ...(index === 0 ? { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true' } : {}),
      },
      annotations: { 'flannel.alpha.coreos.com/backend-type': 'vxlan' },
    },
    spec: { podCIDR: `10.42.${index}.0/24`, podCIDRs: [`10.42.${index}.0/24`] },
    status: {
      addresses: [
        { type: 'InternalIP', address },
        { type: 'Hostname', address: name },
      ],
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now },
      ],
      nodeInfo: { kubeletVersion, containerRuntimeVersion: 'containerd://1.7.0-k3s1', operatingSystem: 'linux', architecture: 'amd64' },
    },
  };
}
