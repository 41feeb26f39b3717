/**
 * The cluster side of rollback with the real kubectl against the lab's API stand-in:
 * multus_attachments finds pods on secondary networks and every NetworkAttachmentDefinition;
 * kubectl_export writes them once as YAML that `kubectl apply -f` takes back; kubectl_delete
 * by label selector converges; wait_pods_gone names the nodes whose pods stay.
 */
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startKubeApi } from '../../lab/kube-api/server.ts';
import { attachedPods } from '../../../tasks/kubectl/attachments.ts';
import { deleteWords, kubectlDelete } from '../../../tasks/kubectl/kubectl-delete.ts';
import { exportBody, kubectlExport, newestExport } from '../../../tasks/kubectl/kubectl-export.ts';
import { multusAttachments } from '../../../tasks/kubectl/multus-attachments.ts';
import { podsLeft, waitPodsGone } from '../../../tasks/kubectl/wait-pods-gone.ts';
import { createTestHostContext, type TestHostContextOptions } from '../../helpers/host-context.ts';
import { assertConverges } from '../../helpers/converge.ts';
import { LocalConnection } from '../../../src/connection/local.ts';

process.env.KUBECACHEDIR = t.testdir();
const api = await startKubeApi({ nodes: ['node1', 'node2'] });
t.teardown(() => api.stop());
const kubeconfig = api.kubeconfigPath(t.testdir());
const ctx = (o: TestHostContextOptions = {}) => createTestHostContext({ vars: { kubeconfig }, ...o });
const NAD = 'k8s.cni.cncf.io/v1';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'network-attachment-definitions.k8s.cni.cncf.io', labels: { 'app.kubernetes.io/managed-by': 'provision' } },
  spec: {
    group: 'k8s.cni.cncf.io',
    scope: 'Namespaced',
    names: { plural: 'network-attachment-definitions', singular: 'network-attachment-definition', kind: 'NetworkAttachmentDefinition', shortNames: ['nad'] },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};
const nad = (namespace: string, name: string) => ({
  apiVersion: NAD,
  kind: 'NetworkAttachmentDefinition',
  metadata: { name, namespace },
  spec: { config: JSON.stringify({ cniVersion: '1.0.0', type: 'ipvlan', master: 'eth0', ipam: { type: 'host-local', subnet: '192.168.1.0/24' } }) },
});
const pod = (namespace: string, name: string, node: string, annotations: Record<string, string> = {}, labels: Record<string, string> = {}, phase = 'Running') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, annotations, labels },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] },
  status: { phase },
});

t.test('attachments: no CRD, then NADs and attached pods', async (t) => {
  const none = await multusAttachments.run({}, ctx());
  t.match(none, { failed: false, changed: false, data: { crd: false, network_attachment_definitions: [], pods: [] } });
  api.store.put(crd);
  api.store.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  api.store.put(nad('default', 'ipvlan-a'));
  api.store.put(nad('team', 'ipvlan-b'));
  api.store.put(pod('default', 'web', 'node2', { 'k8s.v1.cni.cncf.io/networks': 'ipvlan-a' }));
  api.store.put(pod('default', 'done', 'node1', { 'k8s.v1.cni.cncf.io/networks': 'ipvlan-a' }, {}, 'Succeeded'));
  api.store.put(pod('default', 'plain', 'node1'));
  const res = await multusAttachments.run({}, ctx());
  t.match(res, { failed: false, changed: false, data: { crd: true, network_attachment_definitions: ['default/ipvlan-a', 'team/ipvlan-b'], pod_lines: ['default/web (node2)'] } });
  t.equal(attachedPods([pod('x', 'y', '', { 'k8s.v1.cni.cncf.io/networks': ' ' })]).length, 0, 'an empty annotation is no network');
});

t.test('export: written once, re-applied restores every NAD', async (t) => {
  const dir = join(t.testdir(), 'exports');
  const args = { kind: 'network-attachment-definitions.k8s.cni.cncf.io', dest_dir: dir, name: 'nads' };
  const runs = await assertConverges(t, kubectlExport, args, t.testdir(), { vars: { kubeconfig } });
  const file = runs.first.data?.file as string;
  t.same(readdirSync(dir), [file.split('/').pop()]);
  t.equal(runs.second.data?.file, file, 'the second run points at the same export');
  const text = readFileSync(file, 'utf8');
  const docs = parseAllDocuments(exportBody(text)).map((d) => d.toJS());
  t.same(docs.map((d) => `${d.metadata.namespace}/${d.metadata.name}`), ['default/ipvlan-a', 'team/ipvlan-b']);
  t.notOk(docs.some((d) => d.metadata.uid || d.metadata.resourceVersion), 'no server fields');
  // Lose them all, then apply the export.
  api.store.delete(NAD, 'NetworkAttachmentDefinition', 'default', 'ipvlan-a');
  api.store.delete(NAD, 'NetworkAttachmentDefinition', 'team', 'ipvlan-b');
  const apply = await new LocalConnection('local').exec(`kubectl --kubeconfig ${kubeconfig} apply -f ${file}`);
  t.equal(apply.exitCode, 0, apply.stderr);
  t.same(api.store.get(NAD, 'NetworkAttachmentDefinition', 'team', 'ipvlan-b')?.spec, nad('team', 'ipvlan-b').spec, 'restored as it was');
  t.equal(newestExport(['nads-2026-01-01.yaml', 'nads-2026-02-01.yaml', 'other-2027.yaml', 'nads-x.txt'], 'nads'), 'nads-2026-02-01.yaml');
});

t.test('kubectl_delete by label selector across kinds and namespaces converges', async (t) => {
  const labels = { 'app.kubernetes.io/managed-by': 'provision' };
  api.store.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mine', namespace: 'kube-system', labels } });
  api.store.put({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'mine', namespace: 'kube-system', labels } });
  api.store.put({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'mine', labels }, rules: [] });
  api.store.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'theirs', namespace: 'kube-system' } });
  const args = { kind: 'configmaps,serviceaccounts,clusterroles.rbac.authorization.k8s.io', selector: 'app.kubernetes.io/managed-by=provision', all_namespaces: true, wait: false };
  t.same(deleteWords(args), ['delete', 'configmaps,serviceaccounts,clusterroles.rbac.authorization.k8s.io', '--selector', 'app.kubernetes.io/managed-by=provision', '--all-namespaces', '--ignore-not-found', '--wait=false']);
  const runs = await assertConverges(t, kubectlDelete, args, t.testdir(), { vars: { kubeconfig } });
  t.match(runs.first.msg, /configmap\/mine.*serviceaccount\/mine.*clusterrole\.rbac\.authorization\.k8s\.io\/mine/);
  t.equal(api.store.get('v1', 'ConfigMap', 'kube-system', 'mine'), undefined);
  t.ok(api.store.get('v1', 'ConfigMap', 'kube-system', 'theirs'), 'an unlabelled object stays');
});

t.test('wait_pods_gone: done at once when none, names the nodes on timeout', async (t) => {
  const c = ctx();
  t.match(await waitPodsGone.run({ selector: 'app=multus', timeout: 5 }, c), { failed: false, data: { remaining_nodes: [] } });
  api.store.put(pod('kube-system', 'kube-multus-ds-a', 'node2', {}, { app: 'multus' }));
  const waiting = ctx();
  const res = await waitPodsGone.run({ selector: 'app=multus', timeout: 0.5, sleep: 0.2 }, waiting);
  t.match(res, { failed: true, msg: /timed out after 0\.5s: 1 pod left: node2 \(kube-multus-ds-a\)/, data: { remaining_nodes: ['node2'] } });
  t.same(waiting.progressMessages, ['1 pod left: node2 (kube-multus-ds-a)'], 'progress once per change');
  t.equal(waiting.changes().length, 0);
  // Goes away while waited for.
  setTimeout(() => api.store.delete('v1', 'Pod', 'kube-system', 'kube-multus-ds-a'), 300);
  t.match(await waitPodsGone.run({ selector: 'app=multus', timeout: 600, sleep: 0.1 }, ctx()), { failed: false, data: { remaining_nodes: [] } });
  t.same(podsLeft([pod('a', 'p1', 'n2'), pod('a', 'p2', 'n1'), pod('a', 'p3', 'n2')] as never).nodes, ['n1', 'n2']);
});
