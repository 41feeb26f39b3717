/**
 * multus_manifest with the cluster's current DaemonSets: a layout keeps its DaemonSet's
 * name whatever host comes first, and nodes installed earlier that a run leaves out
 * (--limit, serial batches) keep their Multus pod.
 */
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { multusManifest } from '../../../tasks/multus/multus-manifest.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

const PINNED_PLUGINS = `docker.io/rancher/hardened-cni-plugins:v1.9.1-build20260819@sha256:${'0'.repeat(64)}`;
const host = (data_dir: string, node: string) => ({ k3s: { data_dir, layout: 'cni', bundle_dir: `${data_dir}/data`, flannel_cni_version: '1.0.0' }, k8s_node_name: node });
const A = '/var/lib/rancher/k3s';
const B = '/srv/k3s';

interface Doc {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { template: { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: Array<{ matchExpressions: Array<{ values: string[] }> }> } } }; containers: unknown[] } } };
}
const daemonsetsOf = (yaml: unknown): Doc[] => parseAllDocuments(String(yaml)).map((d) => d.toJS() as Doc).filter((o) => o?.kind === 'DaemonSet');
const pinnedBy = (yaml: unknown): Record<string, string[]> =>
  Object.fromEntries(daemonsetsOf(yaml).map((d) => [d.metadata.name, d.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]!.matchExpressions[0]!.values]));
const clusterOf = (...names: string[]) => names.map((name) => ({ metadata: { name } }));

async function render(hostvars: Record<string, unknown>, hosts: string[], extra: Record<string, unknown> = {}) {
  const ctx = createTestHostContext({ vars: { cni_plugins_image: PINNED_PLUGINS, hostvars } });
  const res = await multusManifest.run({ k3s_nodes: hosts, ...extra }, ctx);
  return { res, warnings: ctx.warnings, facts: res.facts ?? {} };
}

t.test('a layout keeps its name whatever host comes first', async (t) => {
  const hostvars = { h1: host(A, 'node1'), h2: host(B, 'node2') };
  const full = await render(hostvars, ['h1', 'h2'], { cluster_nodes: clusterOf('node1', 'node2') });
  t.equal(full.res.failed, false, full.res.msg);
  const first = daemonsetsOf(full.facts.multus_manifest);
  t.equal(first[0]?.metadata.name, 'kube-multus-ds');
  const current = first;

  const swapped = await render(hostvars, ['h2', 'h1'], { cluster_nodes: clusterOf('node1', 'node2'), current_daemonsets: current });
  t.same(pinnedBy(swapped.facts.multus_manifest), pinnedBy(full.facts.multus_manifest), 'node2 first: every layout keeps its DaemonSet');
  t.same(swapped.facts.multus_configmaps, [first[1]!.metadata.name.replace('kube-multus-ds', 'multus-daemon-config'), 'multus-daemon-config'], 'ConfigMaps follow their DaemonSets');

  const limited = await render(hostvars, ['h2'], { cluster_nodes: clusterOf('node1', 'node2'), current_daemonsets: current });
  t.same(limited.facts.multus_daemonsets, [first[1]!.metadata.name], "--limit to node2: its layout does not take kube-multus-ds, held for node1's");

  const older = { ...first[1]!, metadata: { ...first[1]!.metadata, name: 'kube-multus-ds', annotations: {} } };
  const overOlder = await render(hostvars, ['h2'], { cluster_nodes: clusterOf('node2'), current_daemonsets: [older] });
  t.same(overOlder.facts.multus_daemonsets, ['kube-multus-ds'], 'a kube-multus-ds without the annotation (an older rendering) is free');

  const hashes = first.map((d) => d.metadata.annotations?.['provision/layout-sha256']);
  t.match(hashes, [/^[0-9a-f]{64}$/, /^[0-9a-f]{64}$/], 'each DaemonSet is annotated with its layout sha256');
  t.not(hashes[0], hashes[1]);
  t.equal(first[1]?.metadata.name, `kube-multus-ds-${hashes[1]!.slice(0, 10)}`, 'the suffix is the start of that hash');
});

t.test('nodes installed earlier that a run leaves out keep their Multus pod', async (t) => {
  const hostvars = { h1: host(A, 'node1'), h2: host(A, 'node2'), h3: host(B, 'node3') };
  const full = await render(hostvars, ['h1', 'h2', 'h3'], { cluster_nodes: clusterOf('node1', 'node2', 'node3') });
  const current = daemonsetsOf(full.facts.multus_manifest);
  const [dsA, dsB] = current.map((d) => d.metadata.name);
  t.same(pinnedBy(full.facts.multus_manifest), { [dsA!]: ['node1', 'node2'], [dsB!]: ['node3'] });
  t.same(full.facts.multus_untouched, [], 'nothing left aside when every node is in the run');

  const one = await render(hostvars, ['h1'], { cluster_nodes: clusterOf('node1', 'node2', 'node3', 'node5'), current_daemonsets: current });
  t.equal(one.res.failed, false, one.res.msg);
  t.same(pinnedBy(one.facts.multus_manifest), { [dsA!]: ['node1', 'node2'] }, 'node2, outside the run, is added to its layout’s DaemonSet');
  t.same(one.facts.multus_daemonsets, [dsA], "node3's DaemonSet is not rendered (its layout is not in the run) nor waited for");
  t.same(one.facts.multus_untouched, [dsB, dsB!.replace('kube-multus-ds', 'multus-daemon-config')], '... and is kept from the prune, with its ConfigMap');
  t.match(one.res.msg, new RegExp(`left as they are: ${dsB} on node3`));
  t.same(one.warnings, [
    'cluster nodes outside this run keep the Multus pod an earlier install gave them: node2, node3',
    'cluster nodes outside this run get no Multus pod (never installed; add them to the inventory or --limit and rerun to install there): node5',
  ]);

  const gone = await render(hostvars, ['h1'], { cluster_nodes: clusterOf('node1', 'node3'), current_daemonsets: current });
  t.same(pinnedBy(gone.facts.multus_manifest), { [dsA!]: ['node1'] }, 'node2, no cluster node any more, is dropped');
  t.match(gone.res.msg, /dropped node2, no cluster nodes any more/);

  const moved = await render({ ...hostvars, h3: host(A, 'node3') }, ['h3'], { cluster_nodes: clusterOf('node1', 'node2', 'node3'), current_daemonsets: current });
  t.same(pinnedBy(moved.facts.multus_manifest), { [dsA!]: ['node1', 'node2', 'node3'] }, 'node3, now of layout A, moves to its DaemonSet');
  t.same(moved.facts.multus_untouched, [], `${dsB}, on no node now, is left to the prune`);
});

t.test('a DaemonSet whose layout is not rendered but one of whose nodes moved is narrowed to the nodes it keeps', async (t) => {
  const hostvars = { h1: host(A, 'node1'), h3: host(B, 'node3'), h4: host(B, 'node4') };
  const current = daemonsetsOf((await render(hostvars, ['h1', 'h3', 'h4'])).facts.multus_manifest);
  const dsB = current[1]!;
  const moved = await render({ ...hostvars, h3: host(A, 'node3') }, ['h3'], { cluster_nodes: clusterOf('node1', 'node3', 'node4'), current_daemonsets: current });
  t.same(pinnedBy(moved.facts.multus_manifest), { 'kube-multus-ds': ['node1', 'node3'], [dsB.metadata.name]: ['node4'] });
  const narrowed = daemonsetsOf(moved.facts.multus_manifest)[1]!;
  t.same(narrowed.spec.template.spec.containers, dsB.spec.template.spec.containers, 'its containers as they were');
  t.same(moved.facts.multus_daemonsets, ['kube-multus-ds', dsB.metadata.name], 'applied and waited for');
  t.same(moved.facts.multus_untouched, []);
});
