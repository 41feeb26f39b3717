/**
 * kubectl_delete: delete the objects of a manifest, or one object by kind and name, and
 * wait until they are gone. The objects are read first: only what exists is deleted,
 * and only that is a change. An absent object is not an error.
 */
import { changed, failed, ok, type TaskModule } from '../../src/module/task.ts';
import { objectRef, objectsYaml, parseKubectlObjects, type KubeObject } from './objects.ts';
import {
  kubectlAccessProperties,
  kubectlCommand,
  kubectlError,
  kubectlPrefix,
  manifestSourceProperties,
  manifestText,
  type KubectlAccessArgs,
  type ManifestSourceArgs,
} from './kubectl.ts';

export interface KubectlDeleteArgs extends KubectlAccessArgs, ManifestSourceArgs {
  kind?: string;
  name?: string;
  namespace?: string;
  selector?: string;
  all_namespaces?: boolean;
  wait?: boolean;
  timeout?: number;
}

/** The objects are named by kind and name or label selector; else they come from a manifest. */
const byKind = (args: KubectlDeleteArgs): boolean => args.kind !== undefined && (args.name !== undefined || args.selector !== undefined);

/** Which objects: `-f -` (the manifest on stdin), `KIND NAME` or `KIND --selector S`, with the namespace if given. */
export function targetWords(args: KubectlDeleteArgs): string[] {
  const what = !byKind(args) ? ['-f', '-'] : args.name !== undefined ? [args.kind as string, args.name] : [args.kind as string, '--selector', args.selector as string];
  const where = args.all_namespaces ? ['--all-namespaces'] : args.namespace !== undefined ? ['--namespace', args.namespace] : [];
  return [...what, ...where];
}

export function deleteWords(args: KubectlDeleteArgs): string[] {
  const wait = args.wait ?? true;
  return [
    'delete',
    ...targetWords(args),
    '--ignore-not-found',
    `--wait=${wait}`,
    ...(wait ? [`--timeout=${args.timeout ?? 120}s`] : []),
  ];
}

export const kubectlDelete: TaskModule<KubectlDeleteArgs> = {
  name: 'kubectl_delete',
  description:
    'Deletes the objects of a manifest (`manifest` or the control-machine file `src`), one object by `kind` and `name`, or every object of one or more kinds (`kind: daemonsets.apps,configmaps`) with the labels of `selector` (in every namespace with `all_namespaces`), then waits until they are gone (finalizers and all), failing after `timeout` seconds. Objects that do not exist are skipped silently; changed only when something existed. Check mode reports what would be deleted. Runs `k3s kubectl` on the host it is given, or kubectl with `kubeconfig`.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...manifestSourceProperties,
      kind: { type: 'string', minLength: 1, description: 'Resource type of one object to delete, e.g. `daemonset`.' },
      name: { type: 'string', minLength: 1, description: 'Name of that object.' },
      namespace: { type: 'string', minLength: 1, description: "Namespace (default: the manifest's, else the kubeconfig context's)." },
      selector: {
        type: 'string',
        minLength: 1,
        description: 'With `kind` (one or several, comma separated): every object with these labels, e.g. `app.kubernetes.io/managed-by=provision`.',
      },
      all_namespaces: { type: 'boolean', default: false, description: 'With `selector`: in every namespace.' },
      wait: { type: 'boolean', default: true, description: 'Wait until the objects are really gone.' },
      timeout: { type: 'number', exclusiveMinimum: 0, default: 120, description: 'Seconds to wait for the deletion before failing.' },
      ...kubectlAccessProperties,
    },
    oneOf: [{ required: ['manifest'] }, { required: ['src'] }, { required: ['kind', 'name'] }, { required: ['kind', 'selector'] }],
  },
  examples: [
    `- name: Remove the Multus DaemonSet and wait until its pods are gone
  kubectl_delete:
    kind: daemonset
    name: kube-multus-ds
    namespace: kube-system
    timeout: 300
  delegate_to: "{{ kubectl_host }}"
  run_once: true
  become: "{{ kubeconfig is not defined }}"`,
    `- name: Remove everything the Multus manifest created
  kubectl_delete:
    manifest: "{{ multus_manifest }}"
    kubeconfig: /home/ops/.kube/k3s.yaml
  delegate_to: localhost
  run_once: true`,
  ],
  async run(args, ctx) {
    let stdin: string | undefined;
    if (!byKind(args)) {
      const source = await manifestText(args, ctx);
      if ('error' in source) return failed(source.error);
      stdin = source.text;
    }
    const opts = stdin === undefined ? {} : { stdin };
    const prefix = kubectlPrefix(args, ctx.vars);

    const got = await ctx.read(kubectlCommand(prefix, ['get', ...targetWords(args), '-o', 'json', '--ignore-not-found']), opts);
    if (got.exitCode !== 0) return failed(`cannot read the objects: ${kubectlError(got)}`);
    let present: KubeObject[];
    try {
      present = parseKubectlObjects(got.stdout);
    } catch (err) {
      return failed((err as Error).message);
    }
    const refs = present.map(objectRef);
    const data = { objects: refs };
    if (present.length === 0) return ok('nothing to delete: no such objects', data);
    const diff = ctx.diff ? { before: objectsYaml(present), after: '' } : undefined;
    if (ctx.check) return changed(`would delete ${refs.join(', ')}`, diff, data);

    const wait = args.wait ?? true;
    // kubectl enforces --timeout itself; the margin only guards against a hung connection.
    const timeoutMs = wait ? ((args.timeout ?? 120) + 60) * 1000 : undefined;
    const deleted = await ctx.change(kubectlCommand(prefix, deleteWords(args)), { ...opts, ...(timeoutMs ? { timeoutMs } : {}) });
    if (deleted.exitCode !== 0) {
      // The delete request may have gone through before the wait gave up.
      return { ...failed(`kubectl delete failed: ${kubectlError(deleted)}`, data), changed: true };
    }
    return changed(`deleted ${refs.join(', ')}${wait ? '' : ' (not waiting for them to go)'}`, diff, data);
  },
};
