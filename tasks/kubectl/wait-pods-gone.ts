/**
 * wait_pods_gone: poll until no pod matches a label selector, reporting which nodes still
 * run one whenever that changes. On timeout it fails naming those nodes and registers them
 * as `remaining_nodes`, so a playbook can spare exactly those nodes the next steps.
 * Read-only; honours interruption.
 */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { InterruptedError } from '../../src/errors.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { pause } from '../lib/pause.ts';
import { kubectlAccessProperties, kubectlCommand, kubectlError, kubectlPrefix } from './kubectl.ts';
import { parseKubectlObjects, type KubeObject } from './objects.ts';
import { DEFAULT_PODS_GONE_TIMEOUT } from '../lib/defaults.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['selector'],
  properties: {
    selector: { type: 'string', minLength: 1, description: 'Label selector of the pods, e.g. `app=multus`.' },
    namespace: { type: 'string', minLength: 1, default: 'kube-system', description: 'Their namespace.' },
    timeout: { type: 'number', minimum: 0, default: DEFAULT_PODS_GONE_TIMEOUT, description: 'Seconds to wait before failing.' },
    sleep: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Seconds between checks.' },
    ...kubectlAccessProperties,
  },
} as const satisfies ArgsSchema;

export type WaitPodsGoneArgs = ArgsOf<typeof schema>;

/** Node → pods still there; `2 pods left: node1 (kube-multus-ds-a), node3 (…)` (pure). */
export function podsLeft(pods: KubeObject[]): { nodes: string[]; summary: string } {
  const byNode = new Map<string, string[]>();
  for (const pod of pods) {
    const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '(not scheduled)';
    byNode.set(node, [...(byNode.get(node) ?? []), pod.metadata?.name ?? '?']);
  }
  const nodes = [...byNode.keys()].sort();
  const summary = `${pods.length} pod${pods.length === 1 ? '' : 's'} left: ${nodes.map((n) => `${n} (${(byNode.get(n) ?? []).join(', ')})`).join(', ')}`;
  return { nodes, summary };
}

export const waitPodsGone: TaskModule<WaitPodsGoneArgs> = {
  name: 'wait_pods_gone',
  description:
    'Waits until no pod in `namespace` matches `selector` (their DaemonSet was deleted and they terminated), reporting the nodes that still run one as it moves. After `timeout` seconds it fails naming each such node and its pods, and registers the node names as `remaining_nodes` (empty on success). Never changes anything.',
  readOnly: true,
  schema,
  examples: [
    `- name: Wait until every Multus pod is gone
  wait_pods_gone:
    selector: app=multus
    namespace: kube-system
    timeout: 120
  register: multus_gone
  delegate_to: "{{ kubectl_host }}"
  run_once: true
  become: "{{ kubeconfig is not defined }}"`,
  ],
  async run(args, ctx) {
    const namespace = args.namespace ?? 'kube-system';
    const timeout = args.timeout ?? DEFAULT_PODS_GONE_TIMEOUT;
    const command = kubectlCommand(kubectlPrefix(args, ctx.vars), ['get', 'pods', '--namespace', namespace, '--selector', args.selector, '-o', 'json']);
    const start = performance.now();
    const elapsed = (): string => ((performance.now() - start) / 1000).toFixed(1);
    let last = '';
    for (;;) {
      if (ctx.signal.aborted) throw new InterruptedError();
      const r = await ctx.read(command);
      if (r.exitCode !== 0) return failed(`cannot list pods ${args.selector} in ${namespace}: ${kubectlError(r)}`);
      let pods: KubeObject[];
      try {
        pods = parseKubectlObjects(r.stdout);
      } catch (err) {
        return failed((err as Error).message);
      }
      if (pods.length === 0) return ok(`no pod ${args.selector} left in ${namespace} after ${elapsed()}s`, { remaining_nodes: [] });
      const left = podsLeft(pods);
      if (left.summary !== last) ctx.progress(left.summary);
      last = left.summary;
      const waited = performance.now() - start;
      if (waited >= timeout * 1000) {
        return failed(`timed out after ${timeout}s: ${left.summary}`, { remaining_nodes: left.nodes });
      }
      await pause(Math.min((args.sleep ?? 1) * 1000, timeout * 1000 - waited), ctx.signal);
    }
  },
};
