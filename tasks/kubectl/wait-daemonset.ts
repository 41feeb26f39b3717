/**
 * wait_daemonset: poll a DaemonSet until every node runs an updated, ready pod. On
 * timeout the failure names the nodes that hold it up and why, read from their pods.
 * Read-only; honours interruption; reports `ready N/M` whenever it moves.
 */
import { InterruptedError } from '../../src/errors.ts';
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type HostContext, type TaskModule } from '../../src/module/task.ts';
import { daemonSetProgress, labelSelector, nodeHoldUps, type NodeHoldUp } from './daemonset-status.ts';
import { parseKubectlObjects, type KubeObject } from './objects.ts';
import { kubectlAccessProperties, kubectlCommand, kubectlError, kubectlPrefix } from './kubectl.ts';
import { pause } from '../lib/pause.ts';
import { DEFAULT_ROLLOUT_TIMEOUT } from '../lib/defaults.ts';

type Read = (words: string[]) => Promise<KubeObject[]>;

function reader(ctx: HostContext, prefix: string[]): Read {
  return async (words) => {
    const r = await ctx.read(kubectlCommand(prefix, words));
    if (r.exitCode !== 0) throw new KubectlReadError(kubectlError(r));
    return parseKubectlObjects(r.stdout);
  };
}

class KubectlReadError extends Error {}

/** Why the rollout is not done, per node; best effort (the wait already failed). */
async function holdUps(read: Read, ds: KubeObject, namespace: string): Promise<{ text: string; nodes: NodeHoldUp[] }> {
  try {
    const selector = labelSelector(ds);
    const pods = await read(['get', 'pods', '--namespace', namespace, ...(selector ? ['--selector', selector] : []), '-o', 'json']);
    const nodes = await read(['get', 'nodes', '-o', 'json']);
    const list = nodeHoldUps(ds, pods, nodes);
    return { text: list.length ? `; not ready: ${list.map((h) => `${h.node} (${h.reason})`).join(', ')}` : '', nodes: list };
  } catch (err) {
    return { text: `; cannot list its pods: ${(err as Error).message}`, nodes: [] };
  }
}

const schema = {
  type: 'object',
  additionalProperties: false,
  anyOf: [{ required: ['name'] }, { required: ['names'] }],
  properties: {
    name: { type: 'string', minLength: 1, description: 'The DaemonSet.' },
    names: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      description: 'Several DaemonSets (with `name`, that one too): done when every one is; a timeout names the nodes of each.',
    },
    namespace: { type: 'string', minLength: 1, default: 'kube-system', description: 'Its namespace.' },
    timeout: { type: 'number', minimum: 0, default: DEFAULT_ROLLOUT_TIMEOUT, description: 'Seconds to wait before failing.' },
    delay: { type: 'number', minimum: 0, default: 0, description: 'Seconds to wait before the first check.' },
    sleep: { type: 'number', exclusiveMinimum: 0, default: 2, description: 'Seconds between checks.' },
    ...kubectlAccessProperties,
  },
} as const satisfies ArgsSchema;

export type WaitDaemonSetArgs = ArgsOf<typeof schema>;

export const waitDaemonSet: TaskModule<WaitDaemonSetArgs> = {
  name: 'wait_daemonset',
  description:
    'Waits until a DaemonSet is rolled out: the controller observed its current generation and every scheduled node runs an updated, ready pod (`kubectl rollout status` semantics; a DaemonSet scheduled nowhere never counts as ready). Reports `ready N/M` as it moves. After `timeout` seconds it fails naming each node that holds it up, with its pod\'s status and reason (or `no pod`), and registers those node names as `not_ready` (with `holdups`: node and reason). Never changes anything.',
  readOnly: true,
  schema,
  examples: [
    `- name: Wait for Multus on every node
  wait_daemonset:
    name: kube-multus-ds
    timeout: 300
  delegate_to: "{{ kubectl_host }}"
  run_once: true
  become: "{{ kubeconfig is not defined }}"`,
    `- name: Wait for a DaemonSet in another namespace
  wait_daemonset:
    name: node-exporter
    namespace: monitoring
    timeout: 120
    sleep: 5
    kubeconfig: /etc/provision/kubeconfig`,
  ],
  async run(args, ctx) {
    const namespace = args.namespace ?? 'kube-system';
    const timeout = args.timeout ?? DEFAULT_ROLLOUT_TIMEOUT;
    const sleepMs = (args.sleep ?? 2) * 1000;
    const names = [...new Set([...(args.name ? [args.name] : []), ...(args.names ?? [])])];
    const what = names.length === 1 ? `daemonset ${namespace}/${names[0]}` : `daemonsets ${names.map((n) => `${namespace}/${n}`).join(', ')}`;
    const read = reader(ctx, kubectlPrefix(args, ctx.vars));
    const start = performance.now();
    const elapsed = (): number => (performance.now() - start) / 1000;
    let last = '';
    if (args.delay) await pause(args.delay * 1000, ctx.signal);
    for (;;) {
      if (ctx.signal.aborted) throw new InterruptedError();
      let found: KubeObject[];
      try {
        found = await read(['get', '--namespace', namespace, '-o', 'json', '--ignore-not-found', '--', 'daemonset', ...names]);
      } catch (err) {
        if (err instanceof KubectlReadError) return failed(`cannot read ${what}: ${err.message}`);
        return failed((err as Error).message);
      }
      const each = names.map((name) => {
        const ds = found.find((o) => o.metadata?.name === name);
        return { name, ds, progress: ds ? daemonSetProgress(ds) : undefined };
      });
      const total = { ready: sum(each.map((e) => e.progress?.ready)), desired: sum(each.map((e) => e.progress?.desired)) };
      const summary = names.length === 1
        ? (each[0]?.progress?.summary ?? 'not found')
        : each.map((e) => `${e.name} ${e.progress?.summary ?? 'not found'}`).join(', ');
      if (each.every((e) => e.progress?.done)) {
        return ok(`${what}: ${summary} after ${elapsed().toFixed(1)}s`, { ...total, elapsed: elapsed() });
      }
      if (summary !== last) ctx.progress(summary);
      last = summary;
      const waited = performance.now() - start;
      if (waited >= timeout * 1000) {
        const data = { ...total, elapsed: elapsed() };
        const missing = each.filter((e) => !e.ds).map((e) => e.name);
        if (missing.length === names.length) return failed(`timed out after ${timeout}s: ${what} not found`, data);
        const held = { text: '', nodes: [] as NodeHoldUp[] };
        for (const e of each) {
          if (!e.ds || e.progress?.done) continue;
          const h = await holdUps(read, e.ds, namespace);
          held.text += h.text;
          held.nodes.push(...h.nodes);
        }
        const absent = missing.length ? `; not found: ${missing.join(', ')}` : '';
        // not_ready lets a playbook fail exactly the nodes that hold the rollout up.
        return failed(`timed out after ${timeout}s: ${summary}${held.text}${absent}`, { ...data, not_ready: held.nodes.map((h) => h.node), holdups: held.nodes });
      }
      await pause(Math.min(sleepMs, timeout * 1000 - waited), ctx.signal);
    }
  },
};

const sum = (values: Array<number | undefined>): number => values.reduce<number>((a, b) => a + (b ?? 0), 0);
