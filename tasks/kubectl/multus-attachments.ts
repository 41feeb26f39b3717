/**
 * multus_attachments: what users would lose in a rollback — the pods on a secondary network
 * and every NetworkAttachmentDefinition. Read-only; a cluster without the CRD has none.
 */
import { failed, ok, type HostContext, type TaskModule } from '../../src/module/task.ts';
import { NAD_CRD, NAD_RESOURCE, attachedPods, namespacedName, podLine } from './attachments.ts';
import { kubectlAccessProperties, kubectlCommand, kubectlError, kubectlPrefix, type KubectlAccessArgs } from './kubectl.ts';
import { parseKubectlObjects, type KubeObject } from './objects.ts';

async function get(ctx: HostContext, prefix: string[], words: string[]): Promise<KubeObject[] | string> {
  const r = await ctx.read(kubectlCommand(prefix, ['get', ...words, '-o', 'json']));
  if (r.exitCode !== 0) return kubectlError(r);
  try {
    return parseKubectlObjects(r.stdout);
  } catch (err) {
    return (err as Error).message;
  }
}

export const multusAttachments: TaskModule<KubectlAccessArgs> = {
  name: 'multus_attachments',
  description:
    "Lists what a Multus rollback affects: `pods`, every pod of any namespace annotated `k8s.v1.cni.cncf.io/networks` that has not finished (`namespace`, `name`, `node`, `networks`), also as `pod_lines` (`namespace/name (node)`), and `network_attachment_definitions` (`namespace/name` of each) with `crd` (whether the NetworkAttachmentDefinition CRD exists; without it there are none). Never changes anything.",
  readOnly: true,
  schema: { type: 'object', additionalProperties: false, properties: { ...kubectlAccessProperties } },
  examples: [
    `- name: Find pods on secondary networks
  multus_attachments: {}
  register: attachments
  delegate_to: "{{ kubectl_host }}"
  run_once: true
  become: "{{ kubeconfig is not defined }}"`,
  ],
  async run(args, ctx) {
    const prefix = kubectlPrefix(args, ctx.vars);
    const crd = await get(ctx, prefix, ['customresourcedefinitions.apiextensions.k8s.io', NAD_CRD, '--ignore-not-found']);
    if (typeof crd === 'string') return failed(`cannot read the NetworkAttachmentDefinition CRD: ${crd}`);
    const nads = crd.length > 0 ? await get(ctx, prefix, [NAD_RESOURCE, '--all-namespaces']) : [];
    if (typeof nads === 'string') return failed(`cannot list NetworkAttachmentDefinitions: ${nads}`);
    const pods = await get(ctx, prefix, ['pods', '--all-namespaces']);
    if (typeof pods === 'string') return failed(`cannot list pods: ${pods}`);
    const attached = attachedPods(pods);
    const names = nads.map(namespacedName).sort();
    const data = { pods: attached, pod_lines: attached.map(podLine), network_attachment_definitions: names, crd: crd.length > 0 };
    const what = crd.length > 0 ? `${names.length} NetworkAttachmentDefinition(s)` : 'no NetworkAttachmentDefinition CRD';
    const who = attached.length > 0 ? `${attached.length} pod(s) on a secondary network: ${data.pod_lines.join(', ')}` : 'no pod on a secondary network';
    return ok(`${what}; ${who}`, data);
  },
};
