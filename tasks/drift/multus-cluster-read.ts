/**
 * multus_cluster_read: the DaemonSets and pods install applied (by their managed-by
 * label) and the cluster's nodes, read by ONE command on the kubectl host. Read-only.
 */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { TaskError } from '../../src/errors.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { parseKubectlObjects } from '../kubectl/objects.ts';
import { kubectlAccessProperties, kubectlCommand, kubectlPrefix } from '../kubectl/kubectl.ts';
import { MULTUS_DEFAULTS, deployedMultusImage } from '../multus/manifest-vars.ts';
import { MANAGED_BY_SELECTOR, MULTUS_NAMESPACE, type ClusterView } from './cluster-items.ts';

const SPLIT = '@@provision-nodes@@';

export function clusterReadCommand(prefix: string[]): string {
  return [
    `${kubectlCommand(prefix, ['get', 'daemonsets,pods', '--namespace', MULTUS_NAMESPACE, '--selector', MANAGED_BY_SELECTOR, '-o', 'json'])} || exit $?`,
    `echo ${SPLIT}`,
    kubectlCommand(prefix, ['get', 'nodes', '-o', 'json']),
  ].join('\n');
}

/** Pure parser of clusterReadCommand's output. */
export function parseClusterRead(stdout: string): ClusterView {
  const at = stdout.indexOf(`${SPLIT}\n`);
  if (at < 0) throw new TaskError('kubectl output is incomplete (no node list)');
  const managed = parseKubectlObjects(stdout.slice(0, at));
  return {
    daemonsets: managed.filter((o) => o.kind === 'DaemonSet'),
    pods: managed.filter((o) => o.kind === 'Pod'),
    nodes: parseKubectlObjects(stdout.slice(at + SPLIT.length + 1)).filter((o) => o.kind === 'Node'),
  };
}

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    multus_image: { type: 'string', minLength: 1, default: MULTUS_DEFAULTS.multus_image, description: 'The Multus image repository install deploys.' },
    multus_version: { type: 'string', minLength: 1, default: MULTUS_DEFAULTS.multus_version, description: 'The Multus release install deploys.' },
    ...kubectlAccessProperties,
  },
} as const satisfies ArgsSchema;

export type MultusClusterReadArgs = ArgsOf<typeof schema>;

export const multusClusterRead: TaskModule<MultusClusterReadArgs> = {
  name: 'multus_cluster_read',
  description: `Reads, with one command, the DaemonSets and pods in ${MULTUS_NAMESPACE} labelled \`${MANAGED_BY_SELECTOR}\` and every node of the cluster, into \`daemonsets\`, \`pods\` and \`nodes\` (lists of objects), and \`image\`: the image install deploys for \`multus_image\` and \`multus_version\` (a bare release means its -thick tag). Never changes anything.`,
  readOnly: true,
  schema,
  examples: [
    `- name: Read the cluster
  multus_cluster_read: {}
  run_once: true
  delegate_to: "{{ kubectl_host }}"
  become: "{{ kubeconfig is not defined }}"`,
  ],
  async run(args, ctx) {
    const got = await ctx.read(clusterReadCommand(kubectlPrefix(args, ctx.vars)));
    if (got.exitCode !== 0) return failed(`kubectl get failed: ${(got.stderr.trim() || got.stdout.trim()).replace(/\s*\n\s*/g, '; ')}`);
    try {
      const view = parseClusterRead(got.stdout);
      const image = deployedMultusImage(args.multus_image ?? MULTUS_DEFAULTS.multus_image, args.multus_version ?? MULTUS_DEFAULTS.multus_version);
      return ok(`${view.daemonsets.length} DaemonSets, ${view.pods.length} pods, ${view.nodes.length} nodes`, { ...view, image });
    } catch (err) {
      return failed((err as Error).message);
    }
  },
};
