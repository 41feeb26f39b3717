/**
 * multus_smoke: prove Multus works on one node end to end. An ipvlan
 * NetworkAttachmentDefinition and a pod pinned to the node are created; the test passes
 * when the pod's network-status annotation lists `net1` with an address. Both objects are
 * deleted afterwards, also when the test fails. The cluster ends as it started, so the
 * task never reports changed; in check mode it does not run.
 */
import { stringify } from 'yaml';
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, skipped, type HostContext, type TaskModule } from '../../src/module/task.ts';
import { parseKubectlObjects } from '../kubectl/objects.ts';
import { kubectlAccessProperties, kubectlCommand, kubectlError, kubectlPrefix } from '../kubectl/kubectl.ts';
import { deleteWords } from '../kubectl/kubectl-delete.ts';
import { pause } from '../lib/pause.ts';
import { DEFAULT_SMOKE_IMAGE, DEFAULT_SMOKE_NAMESPACE, DEFAULT_SMOKE_SUBNET, DEFAULT_SMOKE_TIMEOUT } from '../lib/defaults.ts';
import { attachedInterface, NETWORK_STATUS_ANNOTATION, NETWORKS_ANNOTATION, parseNetworkStatus } from './network-status.ts';

/** Kubernetes object names: lower case alphanumerics and '-', at most 63 characters. */
export function smokeName(node: string): string {
  const clean = node.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return `provision-smoke-${clean}`.slice(0, 63).replace(/-+$/, '');
}

const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0) >>> 0;
const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

/**
 * host-local keeps its allocations per node (/var/lib/cni/networks on each), so one range
 * shared by every node hands the same address out on each of them. Each node gets its own
 * block of the subnet instead: `slots` equal power-of-two blocks, the block's first and
 * last addresses left out (they would be the subnet's network or broadcast address at the
 * edges). Throws when the subnet is too small or not IPv4 CIDR.
 */
export function smokeRange(subnet: string, slot: number, slots: number): { subnet: string; rangeStart: string; rangeEnd: string } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(subnet);
  if (!m || m[1].split('.').some((o) => Number(o) > 255) || Number(m[2]) > 30) throw new Error(`smoke subnet must be IPv4 CIDR of /30 or larger, got "${subnet}"`);
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  const network = (toInt(m[1]) & ~(size - 1)) >>> 0;
  const block = 2 ** Math.floor(Math.log2(size / Math.max(1, slots)));
  if (block < 4 || slot < 0 || slot >= slots) throw new Error(`smoke subnet ${subnet} is too small for ${slots} nodes of at least 4 addresses each`);
  const start = network + slot * block;
  return { subnet: `${toIp(network)}/${bits}`, rangeStart: toIp(start + 1), rangeEnd: toIp(start + block - 2) };
}

/** This host's block of the subnet, when it shares it with peers. */
export function slotOf(args: MultusSmokeArgs): { slot: number; slots: number } | undefined {
  if (!args.peers || args.peers.length === 0) return undefined;
  const slot = args.self === undefined ? -1 : args.peers.indexOf(args.self);
  if (slot < 0) throw new Error(`self ${JSON.stringify(args.self)} is not one of peers`);
  return { slot, slots: args.peers.length };
}

export function smokeManifest(args: MultusSmokeArgs, name: string): string {
  const namespace = args.namespace ?? DEFAULT_SMOKE_NAMESPACE;
  const subnet = args.subnet ?? '192.168.250.0/24';
  const share = slotOf(args);
  const range = share ? smokeRange(subnet, share.slot, share.slots) : { subnet };
  const config = {
    cniVersion: '1.0.0',
    type: 'ipvlan',
    master: args.master,
    mode: args.mode ?? 'l2',
    ipam: { type: 'host-local', ranges: [[range]] },
  };
  const nad = {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'provision' } },
    spec: { config: JSON.stringify(config) },
  };
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'provision' }, annotations: { [NETWORKS_ANNOTATION]: name } },
    spec: {
      nodeName: args.node,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      tolerations: [{ operator: 'Exists' }],
      // What the `restricted` Pod Security level asks of a pod.
      securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'smoke',
          image: args.image ?? DEFAULT_SMOKE_IMAGE,
          command: ['sleep', '3600'],
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
  // YAML documents: kubectl reads a stream that starts with `{` as JSON only, where `---` is invalid.
  return `${stringify(nad)}---\n${stringify(pod)}`;
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['node', 'master'],
  properties: {
    node: { type: 'string', minLength: 1, description: 'Kubernetes node name the test pod is pinned to.' },
    master: { type: 'string', minLength: 1, description: 'Host NIC the ipvlan interface is created on (e.g. the default-route NIC).' },
    mode: { enum: ['l2', 'l3', 'l3s'], default: 'l2', description: 'ipvlan mode.' },
    subnet: { type: 'string', default: DEFAULT_SMOKE_SUBNET, description: 'host-local IPAM subnet for net1; with `peers`, split into one block per node.' },
    peers: { type: 'array', items: { type: 'string' }, description: 'Hosts sharing `subnet` (e.g. `ansible_play_hosts`): each gets its own block of it, since host-local keeps its state per node.' },
    self: { type: 'string', description: 'This host among `peers` (e.g. `inventory_hostname`).' },
    namespace: { type: 'string', default: DEFAULT_SMOKE_NAMESPACE, description: 'Namespace of the test pod and definition.' },
    image: { type: 'string', default: DEFAULT_SMOKE_IMAGE, description: 'Pinned image of the test pod.' },
    timeout: { type: 'integer', minimum: 1, default: DEFAULT_SMOKE_TIMEOUT, description: 'Seconds to wait for net1.' },
    poll: { type: 'number', exclusiveMinimum: 0, default: 2, description: 'Seconds between checks of the pod.' },
    ...kubectlAccessProperties,
  },
} as const satisfies ArgsSchema;

export type MultusSmokeArgs = ArgsOf<typeof schema>;

export const multusSmoke: TaskModule<MultusSmokeArgs> = {
  name: 'multus_smoke',
  description:
    'End-to-end check of Multus on one node: creates an ipvlan NetworkAttachmentDefinition (on `master`) and a pod pinned to `node` that asks for it, and passes when the pod\'s `k8s.v1.cni.cncf.io/network-status` lists `net1` with an IP. The pod and the definition are deleted afterwards, also on failure, so the task never reports changed. Skipped in check mode. Registers `network_status` and `ip`.',
  schema,
  examples: [
    `- name: ipvlan attachment works on this node
  multus_smoke:
    node: "{{ inventory_hostname }}"
    master: eth0
  delegate_to: "{{ kubectl_host }}"
  become: "{{ kubeconfig is not defined }}"`,
  ],
  async run(args, ctx) {
    if (ctx.check) return skipped('the smoke test creates a pod; it does not run in check mode');
    const prefix = kubectlPrefix(args, ctx.vars);
    const name = smokeName(args.node);
    const namespace = args.namespace ?? DEFAULT_SMOKE_NAMESPACE;
    try {
      smokeManifest(args, name);
    } catch (e) {
      return failed((e as Error).message);
    }
    const applied = await ctx.change(kubectlCommand(prefix, ['apply', '--server-side', '--field-manager=provision', '-f', '-']), {
      stdin: smokeManifest(args, name),
    });
    if (applied.exitCode !== 0) {
      await cleanUp(ctx, prefix, name, namespace);
      const error = kubectlError(applied);
      const hint = /PodSecurity|violates/.test(error) ? ` (namespace ${namespace} refuses the pod; set smoke_namespace to one that admits a restricted pod)` : '';
      return failed(`could not create the smoke test objects: ${error}${hint}`);
    }
    try {
      return await waitForNet1(args, ctx, prefix, name, namespace);
    } finally {
      await cleanUp(ctx, prefix, name, namespace);
    }
  },
};

async function waitForNet1(args: MultusSmokeArgs, ctx: HostContext, prefix: string[], name: string, namespace: string) {
  const deadline = Date.now() + (args.timeout ?? DEFAULT_SMOKE_TIMEOUT) * 1000;
  const network = `${namespace}/${name}`;
  let last = 'no status yet';
  for (;;) {
    const got = await ctx.read(kubectlCommand(prefix, ['get', '--namespace', namespace, '-o', 'json', '--', 'pod', name]));
    if (got.exitCode === 0) {
      const pod = parseKubectlObjects(got.stdout)[0];
      const annotations = (pod?.metadata?.annotations ?? {}) as Record<string, string>;
      const entries = parseNetworkStatus(annotations[NETWORK_STATUS_ANNOTATION]);
      const net1 = attachedInterface(entries, network);
      if (net1) {
        const msg = `net1 on ${args.node}: ${net1.ips.join(', ')} (${network} on ${args.master})`;
        return { ...ok(msg, { network_status: entries, ip: net1.ips[0] }), show: true };
      }
      last = podState(pod);
    } else {
      last = kubectlError(got);
    }
    const left = deadline - Date.now();
    if (left <= 0) return failed(`no net1 on ${args.node} after ${args.timeout ?? DEFAULT_SMOKE_TIMEOUT}s: ${last}`);
    ctx.progress(`waiting for net1 on ${args.node}: ${last}`);
    await pause(Math.min(left, (args.poll ?? 2) * 1000), ctx.signal);
  }
}

function podState(pod: { status?: unknown } | undefined): string {
  const status = (pod?.status ?? {}) as { phase?: string; conditions?: Array<{ type?: string; status?: string; message?: string; reason?: string }> };
  const why = status.conditions?.find((c) => c.status === 'False' && (c.message || c.reason));
  return [`pod ${status.phase ?? 'unknown'}`, why ? `${why.reason ?? ''} ${why.message ?? ''}`.trim() : ''].filter(Boolean).join(': ');
}

async function cleanUp(ctx: HostContext, prefix: string[], name: string, namespace: string): Promise<void> {
  for (const kind of ['pod', 'network-attachment-definitions']) {
    const result = await ctx.change(
      kubectlCommand(prefix, deleteWords({ kind, name, namespace, timeout: 60 })),
    );
    if (result.exitCode !== 0) ctx.warn(`could not delete ${kind} ${namespace}/${name}: ${kubectlError(result)}`);
  }
}
