/**
 * multus_prune: delete the Multus DaemonSets and ConfigMaps install made for a K3s node
 * layout the fleet no longer has (a node left, or changed its data dir or bin-dir layout).
 * Only objects labelled as ours (managed-by provision, app multus) are ever considered, and
 * each DaemonSet goes with its pods (foreground deletion) before the new manifest lands.
 */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { checkOrApply } from '../lib/apply.ts';
import { objectRef, objectsYaml, parseKubectlObjects, type KubeObject } from '../kubectl/objects.ts';
import { kubectlAccessProperties, kubectlCommand, kubectlError, kubectlPrefix } from '../kubectl/kubectl.ts';

export const MULTUS_OBJECTS_SELECTOR = 'app.kubernetes.io/managed-by=provision,app=multus';

/** The objects of `found` whose names are not kept, as `daemonset/NAME` / `configmap/NAME`. */
export function staleObjects(found: KubeObject[], keep: readonly string[]): KubeObject[] {
  return found.filter((o) => (o.kind === 'DaemonSet' || o.kind === 'ConfigMap') && !keep.includes(o.metadata?.name ?? ''));
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['keep'],
  properties: {
    keep: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Names of the DaemonSets and ConfigMaps the manifest about to be applied has (multus_manifest\'s `multus_daemonsets` + `multus_configmaps`).',
    },
    namespace: { type: 'string', minLength: 1, default: 'kube-system', description: 'Their namespace.' },
    timeout: { type: 'number', exclusiveMinimum: 0, default: 120, description: 'Seconds to wait until they and their pods are gone.' },
    ...kubectlAccessProperties,
  },
} as const satisfies ArgsSchema;

export type MultusPruneArgs = ArgsOf<typeof schema>;

export const multusPrune: TaskModule<MultusPruneArgs> = {
  name: 'multus_prune',
  description: `Deletes the DaemonSets and ConfigMaps labelled \`${MULTUS_OBJECTS_SELECTOR}\` whose names are not in \`keep\`, and waits until they and their pods are gone (\`--cascade=foreground\`), so that a daemon of a layout that no longer exists is stopped before another DaemonSet's pod takes over its node (a stopped daemon deletes 00-multus.conf). Changed only when something was deleted; check mode reports what would be. Registers \`objects\`.`,
  schema,
  examples: [
    `- name: Remove Multus DaemonSets of layouts no node has any more
  multus_prune:
    keep: "{{ multus_daemonsets + multus_configmaps }}"
  run_once: true
  delegate_to: "{{ kubectl_host }}"
  become: "{{ kubeconfig is not defined }}"`,
  ],
  async run(args, ctx) {
    const namespace = args.namespace ?? 'kube-system';
    const timeout = args.timeout ?? 120;
    const prefix = kubectlPrefix(args, ctx.vars);
    const got = await ctx.read(kubectlCommand(prefix, ['get', '--namespace', namespace, '--selector', MULTUS_OBJECTS_SELECTOR, '-o', 'json', '--', 'daemonsets.apps,configmaps']));
    if (got.exitCode !== 0) return failed(`cannot list the Multus objects: ${kubectlError(got)}`);
    let stale: KubeObject[];
    try {
      stale = staleObjects(parseKubectlObjects(got.stdout), args.keep);
    } catch (err) {
      return failed((err as Error).message);
    }
    const refs = stale.map(objectRef);
    if (stale.length === 0) return ok('no Multus objects of another layout', { objects: [] });
    const names = stale.map((o) => `${o.kind === 'DaemonSet' ? 'daemonset.apps' : 'configmap'}/${o.metadata?.name ?? ''}`);
    return checkOrApply(ctx, {
      action: `delete ${refs.join(', ')}`,
      done: `deleted ${refs.join(', ')} (no node has their layout any more)`,
      failure: 'kubectl delete failed',
      ...(ctx.diff ? { diff: { before: objectsYaml(stale), after: '' } } : {}),
      data: { objects: refs },
      command: kubectlCommand(prefix, ['delete', '--namespace', namespace, '--ignore-not-found', '--cascade=foreground', '--wait=true', `--timeout=${timeout}s`, '--', ...names]),
      timeoutMs: (timeout + 60) * 1000,
      explain: kubectlError,
      changedOnFailure: true,
    });
  },
};
