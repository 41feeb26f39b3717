/**
 * multus_pod_restart: restart the Multus pod on given nodes, the way an operator would —
 * delete the pod and let its DaemonSet make a new one — then wait until each node has a
 * new Ready pod. Its init containers copy Multus's binaries again and its daemon writes
 * 00-multus.conf and opens the socket again.
 */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { changed, failed, ok, type TaskModule } from '../../src/module/task.ts';
import { kubectlAccessProperties, kubectlCommand, kubectlError, kubectlPrefix } from '../kubectl/kubectl.ts';
import { podReady } from '../kubectl/daemonset-status.ts';
import { parseKubectlObjects, type KubeObject } from '../kubectl/objects.ts';
import { pause } from '../lib/pause.ts';
import { MANAGED_BY_SELECTOR, MULTUS_NAMESPACE } from './cluster-items.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['nodes'],
  properties: {
    nodes: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Kubernetes node names.' },
    timeout: { type: 'integer', minimum: 1, default: 300, description: 'Seconds to wait for the new pods.' },
    ...kubectlAccessProperties,
  },
} as const satisfies ArgsSchema;

export type MultusPodRestartArgs = ArgsOf<typeof schema>;

const POLL_MS = 500;

export const multusPodRestart: TaskModule<MultusPodRestartArgs> = {
  name: 'multus_pod_restart',
  description: `Deletes the pods labelled \`${MANAGED_BY_SELECTOR}\` in ${MULTUS_NAMESPACE} on each of \`nodes\` and waits until each of those nodes runs a new Ready pod (failing after \`timeout\` seconds). Changed when a pod was deleted; check mode names the pods it would delete. Registers \`restarted\` (pod names).`,
  schema,
  examples: [
    `- name: Restart Multus on node2
  multus_pod_restart:
    nodes: [node2]
  run_once: true
  delegate_to: "{{ kubectl_host }}"
  become: "{{ kubeconfig is not defined }}"`,
  ],
  async run(args, ctx) {
    const prefix = kubectlPrefix(args, ctx.vars);
    const podsOn = async (node: string): Promise<KubeObject[] | string> => {
      const got = await ctx.read(
        kubectlCommand(prefix, ['get', 'pods', '--namespace', MULTUS_NAMESPACE, '--selector', MANAGED_BY_SELECTOR, '--field-selector', `spec.nodeName=${node}`, '-o', 'json']),
      );
      if (got.exitCode !== 0) return kubectlError(got);
      return parseKubectlObjects(got.stdout);
    };
    const old = new Map<string, KubeObject[]>();
    for (const node of args.nodes) {
      const pods = await podsOn(node);
      if (typeof pods === 'string') return failed(`cannot read the Multus pods on ${node}: ${pods}`);
      old.set(node, pods);
    }
    const names = [...old.values()].flat().map((p) => p.metadata?.name ?? '').filter(Boolean);
    if (names.length === 0 && args.nodes.length > 0) return failed(`no Multus pod to restart on ${args.nodes.join(', ')}`);
    if (ctx.check) return changed(`would restart ${names.join(', ')}`, undefined, { restarted: names });
    const deleted = await ctx.change(kubectlCommand(prefix, ['delete', 'pod', ...names, '--namespace', MULTUS_NAMESPACE, '--ignore-not-found', '--wait=true', `--timeout=${args.timeout ?? 300}s`]));
    if (deleted.exitCode !== 0) return failed(`kubectl delete failed: ${kubectlError(deleted)}`);
    const deadline = Date.now() + (args.timeout ?? 300) * 1000;
    const waiting = new Set(args.nodes);
    while (waiting.size > 0) {
      for (const node of [...waiting]) {
        const pods = await podsOn(node);
        const oldUids = new Set((old.get(node) ?? []).map((p) => p.metadata?.uid));
        if (typeof pods !== 'string' && pods.some((p) => !oldUids.has(p.metadata?.uid) && podReady(p))) waiting.delete(node);
      }
      if (waiting.size === 0) break;
      ctx.progress(`waiting for a new Ready pod on ${[...waiting].join(', ')}`);
      if (Date.now() > deadline) return failed(`restarted ${names.join(', ')}; no new Ready pod after ${args.timeout ?? 300}s on ${[...waiting].join(', ')}`, { restarted: names });
      await pause(POLL_MS, ctx.signal);
    }
    return changed(`restarted ${names.join(', ')}`, undefined, { restarted: names });
  },
};
