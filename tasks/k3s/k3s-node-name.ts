/**
 * k3s_node_name: which Kubernetes node this inventory host is (docs/k3s-multus.md §2). The
 * inventory name is not it (k3s-ansible names hosts by IP); K3s registers --node-name /
 * node-name: / K3S_NODE_NAME, else the lower-cased hostname, which k3s_facts read from the
 * node. That name is checked against the cluster's node list, and so is the address the
 * connection reached, against each node's InternalIP. Pure: runs on the control machine.
 */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';

interface NodeObject {
  metadata?: { name?: string };
  status?: { addresses?: Array<{ type?: string; address?: string }> };
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['nodes', 'facts'],
  properties: {
    nodes: { type: 'array', items: { type: 'object' }, description: 'The cluster\'s Node objects (kubectl_get `resources`).' },
    facts: { type: 'object', description: 'The facts k3s_facts set for this host: `"{{ k3s }}"`.' },
    addresses: { type: 'array', items: { type: ['string', 'null'] }, description: 'More addresses this host is reached at (e.g. `ansible_host`).' },
    name: { type: ['string', 'null'], description: 'The node name, when set by hand (`k8s_node_name`); still checked against the cluster.' },
  },
} as const satisfies ArgsSchema;

/**
 * The schema says only `array of object` and `object`: a Node is read as far as it has
 * metadata.name and InternalIPs, and of k3s_facts's facts only the name and address fields.
 */
export type K3sNodeNameArgs = Omit<ArgsOf<typeof schema>, 'nodes' | 'facts'> & {
  nodes: NodeObject[];
  facts: { node_name?: string; node_name_source?: string; connected_address?: string };
};

const internalIPs = (n: NodeObject) => (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address ?? '');
const describe = (n: NodeObject) => `${n.metadata?.name ?? '?'} (${internalIPs(n).join(', ') || 'no InternalIP'})`;

export type NodeMatch = { ok: true; name: string; warning?: string } | { ok: false; problem: string };

export function matchClusterNode(args: K3sNodeNameArgs): NodeMatch {
  const wanted = args.name || args.facts.node_name || '';
  const from = args.name ? 'k8s_node_name' : `K3s's node name, from ${args.facts.node_name_source ?? 'the node'}`;
  const addrs = [args.facts.connected_address, ...(args.addresses ?? [])].filter((a): a is string => typeof a === 'string' && a !== '');
  const byName = args.nodes.find((n) => n.metadata?.name === wanted);
  const byIp = args.nodes.filter((n) => internalIPs(n).some((ip) => addrs.includes(ip)));
  if (byName && (byIp.length === 0 || byIp.includes(byName))) return { ok: true, name: wanted };
  if (byName) {
    return {
      ok: false,
      problem: `${from} is ${wanted}, but the cluster node whose InternalIP is the address connected to (${addrs.join(', ')}) is ${byIp.map(describe).join(', ')}: the inventory host and the node disagree; set k8s_node_name`,
    };
  }
  if (byIp.length === 1) {
    const name = byIp[0].metadata?.name ?? '';
    return { ok: true, name, warning: `${from} is ${JSON.stringify(wanted)}, not a cluster node; the node with InternalIP ${addrs.join(', ')} is ${name}, used instead` };
  }
  return {
    ok: false,
    problem: `no cluster node is named ${JSON.stringify(wanted)} (${from}) or has an InternalIP of ${addrs.join(', ') || '(address unknown)'}; cluster nodes: ${args.nodes.map(describe).join('; ') || 'none'}. Is this host part of the cluster? Else set k8s_node_name`,
  };
}

export const k3sNodeName: TaskModule<K3sNodeNameArgs> = {
  name: 'k3s_node_name',
  description:
    "Finds this host's Kubernetes node and sets the fact `k8s_node_name`: the node named as K3s names it (`name`, else `facts.node_name` from k3s_facts: --node-name / node-name: / K3S_NODE_NAME, else the lower-cased hostname), cross-checked with the node whose InternalIP is the address the connection reached (`facts.connected_address`, and `addresses`). When the name is not in the cluster but one node has that InternalIP, that node is taken, with a warning. Fails, listing the cluster's nodes, when nothing matches or the two disagree. Runs on the control machine only.",
  controlOnly: true,
  readOnly: true,
  schema,
  examples: [
    `- name: Find the Kubernetes node
  k3s_node_name:
    nodes: "{{ cluster_nodes.resources }}"
    facts: "{{ k3s }}"
    addresses: ["{{ ansible_host | default(inventory_hostname) }}"]`,
  ],
  async run(args, ctx) {
    const match = matchClusterNode(args);
    if (!match.ok) return failed(match.problem);
    if (match.warning) ctx.warn(match.warning);
    return { ...ok(`Kubernetes node ${match.name}`), facts: { k8s_node_name: match.name } };
  },
};
