/**
 * kubectl_get: read objects from the cluster into `register` (resources, and resource for
 * one named object). Read-only.
 */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { parseKubectlObjects, type KubeObject } from './objects.ts';
import { kubectlAccessProperties, kubectlCommand, kubectlError, kubectlPrefix } from './kubectl.ts';

export function getWords(args: KubectlGetArgs): string[] {
  return [
    'get',
    ...(args.all_namespaces ? ['--all-namespaces'] : args.namespace !== undefined ? ['--namespace', args.namespace] : []),
    ...(args.selector !== undefined ? ['--selector', args.selector] : []),
    ...(args.field_selector !== undefined ? ['--field-selector', args.field_selector] : []),
    '-o',
    'json',
    // Only a named object can be missing; a list is simply empty.
    ...(args.name !== undefined ? ['--ignore-not-found'] : []),
    // `--` ends kubectl's options: a kind or name starting with a dash stays a name.
    '--',
    args.kind,
    ...(args.name !== undefined ? [args.name] : []),
  ];
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    kind: { type: 'string', minLength: 1, description: 'Resource type as kubectl takes it: `daemonset`, `pods`, `network-attachment-definitions.k8s.cni.cncf.io`.' },
    name: { type: 'string', minLength: 1, description: 'One object by name.' },
    namespace: { type: 'string', minLength: 1, description: "Namespace (default: the kubeconfig context's)." },
    selector: { type: 'string', minLength: 1, description: 'Label selector, e.g. `app=multus`.' },
    field_selector: { type: 'string', minLength: 1, description: 'Field selector, e.g. `spec.nodeName=node1`.' },
    all_namespaces: { type: 'boolean', default: false, description: 'Objects of every namespace.' },
    ignore_missing: {
      type: 'boolean',
      default: true,
      description: 'With `name`: a missing object gives `resource: null` instead of failing.',
    },
    ...kubectlAccessProperties,
  },
  not: { anyOf: [{ required: ['name', 'selector'] }, { required: ['name', 'all_namespaces'] }] },
} as const satisfies ArgsSchema;

export type KubectlGetArgs = ArgsOf<typeof schema>;

export const kubectlGet: TaskModule<KubectlGetArgs> = {
  name: 'kubectl_get',
  description:
    'Reads objects of one `kind` (a name, all in a namespace, by label or field selector, or across all namespaces) and returns them as `resources` (a list); with `name`, also `resource` (the object, or null when it does not exist and `ignore_missing` is true). Never changes anything.',
  readOnly: true,
  schema,
  examples: [
    `- name: Read the Multus DaemonSet
  kubectl_get:
    kind: daemonset
    name: kube-multus-ds
    namespace: kube-system
  register: multus_ds
  delegate_to: "{{ kubectl_host }}"
  run_once: true
  become: "{{ kubeconfig is not defined }}"`,
    `- name: Multus pods on this node
  kubectl_get:
    kind: pods
    namespace: kube-system
    selector: app=multus
    field_selector: "spec.nodeName={{ inventory_hostname }}"
  register: multus_pods`,
  ],
  async run(args, ctx) {
    const got = await ctx.read(kubectlCommand(kubectlPrefix(args, ctx.vars), getWords(args)));
    if (got.exitCode !== 0) return failed(`kubectl get failed: ${kubectlError(got)}`);
    let resources: KubeObject[];
    try {
      resources = parseKubectlObjects(got.stdout);
    } catch (err) {
      return failed((err as Error).message);
    }
    if (args.name === undefined) return ok(`${resources.length} ${args.kind}`, { resources });
    const resource = resources[0] ?? null;
    const where = args.namespace !== undefined ? ` in namespace ${args.namespace}` : '';
    if (!resource && args.ignore_missing === false) return failed(`${args.kind} ${args.name} not found${where}`, { resources, resource });
    return ok(resource ? `${args.kind} ${args.name} found${where}` : `${args.kind} ${args.name} not found${where}`, { resources, resource });
  },
};
