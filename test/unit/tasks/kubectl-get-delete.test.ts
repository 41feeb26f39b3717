/**
 * kubectl_get and kubectl_delete with the real kubectl (kubeconfig mode, local machine)
 * against the lab's Kubernetes API stand-in, whose delete hook holds an object like a
 * finalizer would.
 */
import t from 'tap';
import { stringify } from 'yaml';
import { startKubeApi } from '../../lab/kube-api/server.ts';
import { kubectlDelete, deleteWords } from '../../../tasks/kubectl/kubectl-delete.ts';
import { kubectlGet, getWords } from '../../../tasks/kubectl/kubectl-get.ts';
import { createTestHostContext, type TestHostContextOptions } from '../../helpers/host-context.ts';

process.env.KUBECACHEDIR = t.testdir();

const api = await startKubeApi({ nodes: ['node1', 'node2'] });
t.teardown(() => api.stop());
const kubeconfig = api.kubeconfigPath(t.testdir());
const ctx = (o: TestHostContextOptions = {}) => createTestHostContext({ vars: { kubeconfig }, ...o });

const cm = (name: string, labels: Record<string, string> = {}, namespace = 'kube-system') => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, labels },
  data: { k: name },
});
for (const o of [cm('a', { app: 'multus' }), cm('b', { app: 'multus' }), cm('c'), cm('d', { app: 'multus' }, 'default')]) api.store.put(o);
const stored = (name: string, ns = 'kube-system') => api.store.get('v1', 'ConfigMap', ns, name);

t.test('command words: options first, then -- and the names', async (t) => {
  t.same(getWords({ kind: 'pods', namespace: 'kube-system', selector: 'app=multus', field_selector: 'spec.nodeName=node1' }), [
    'get', '--namespace', 'kube-system', '--selector', 'app=multus', '--field-selector', 'spec.nodeName=node1', '-o', 'json', '--', 'pods',
  ]);
  t.same(getWords({ kind: 'cm', name: 'a', all_namespaces: true, namespace: 'x' }), ['get', '--all-namespaces', '-o', 'json', '--ignore-not-found', '--', 'cm', 'a']);
  t.same(deleteWords({ kind: 'daemonset', name: 'x', namespace: 'kube-system' }), [
    'delete', '--namespace', 'kube-system', '--ignore-not-found', '--wait=true', '--timeout=120s', '--', 'daemonset', 'x',
  ]);
  t.same(deleteWords({ manifest: 'x', wait: false }), ['delete', '-f', '-', '--ignore-not-found', '--wait=false']);
});

t.test('a name that looks like an option stays a name (real kubectl)', async (t) => {
  // Without `--`, kubectl would read this "name" as -o name and print `configmap/a` etc.
  const got = await kubectlGet.run({ kind: 'configmap', name: '--output=name', namespace: 'kube-system' }, ctx());
  t.match(got, { failed: false, data: { resource: null } }, 'looked up as a (missing) object name');
  const gone = await kubectlDelete.run({ kind: 'configmap', name: '--all', namespace: 'kube-system', wait: false }, ctx());
  t.equal(gone.failed, false, gone.msg);
  t.ok(stored('a') && stored('b') && stored('c'), 'a name "--all" deleted nothing');
});

t.test('kubectl_get: lists, selectors, one object, a missing one', async (t) => {
  const c = ctx();
  const all = await kubectlGet.run({ kind: 'configmaps', namespace: 'kube-system' }, c);
  t.match(all, { failed: false, changed: false, msg: '3 configmaps' });
  t.same((all.data?.resources as Array<{ metadata: { name: string } }>).map((o) => o.metadata.name).sort(), ['a', 'b', 'c']);
  t.notOk('resource' in (all.data ?? {}), 'no single resource without a name');
  t.match(c.commands[0].command, /^kubectl --kubeconfig \S+ get --namespace kube-system -o json -- configmaps$/);

  const labelled = await kubectlGet.run({ kind: 'configmaps', all_namespaces: true, selector: 'app=multus' }, ctx());
  t.same((labelled.data?.resources as Array<{ metadata: { name: string } }>).map((o) => o.metadata.name).sort(), ['a', 'b', 'd']);
  const byField = await kubectlGet.run({ kind: 'configmaps', namespace: 'kube-system', field_selector: 'metadata.name=b' }, ctx());
  t.same((byField.data?.resources as Array<{ metadata: { name: string } }>).map((o) => o.metadata.name), ['b']);

  const one = await kubectlGet.run({ kind: 'configmap', name: 'a', namespace: 'kube-system' }, ctx());
  t.match(one, { failed: false, msg: 'configmap a found in namespace kube-system', data: { resource: { data: { k: 'a' } } } });
  t.equal((one.data?.resources as unknown[]).length, 1);
  const missing = await kubectlGet.run({ kind: 'configmap', name: 'zz', namespace: 'kube-system' }, ctx());
  t.match(missing, { failed: false, msg: 'configmap zz not found in namespace kube-system', data: { resource: null, resources: [] } });
  const required = await kubectlGet.run({ kind: 'configmap', name: 'zz', namespace: 'kube-system', ignore_missing: false }, ctx());
  t.match(required, { failed: true, msg: 'configmap zz not found in namespace kube-system' });
  const badKind = await kubectlGet.run({ kind: 'gizmos' }, ctx());
  t.match(badKind, { failed: true, msg: /^kubectl get failed: .*gizmos/ });
});

t.test('kubectl_delete: check mode reports, a real run deletes and waits, absent is fine', async (t) => {
  const manifest = `${stringify(cm('a'))}---\n${stringify(cm('gone'))}`;
  const check = ctx({ check: true, diff: true });
  const predicted = await kubectlDelete.run({ manifest }, check);
  t.match(predicted, { changed: true, failed: false, msg: 'would delete configmap/a', data: { objects: ['configmap/a'] } });
  t.match(predicted.diff, { before: /name: a/, after: '' });
  t.same(check.changes(), []);
  t.ok(stored('a'), 'still there');

  // Hold the deletion like a finalizer: the task must wait for it.
  const release = api.on('deleted', (o) => (o.metadata.name === 'a' ? new Promise<void>((r) => setTimeout(r, 700)) : undefined));
  t.teardown(release);
  const started = Date.now();
  const res = await kubectlDelete.run({ manifest }, ctx());
  const took = Date.now() - started;
  t.match(res, { changed: true, failed: false, msg: 'deleted configmap/a' });
  t.ok(took >= 600, `waited for the object to go (${took} ms)`);
  t.equal(stored('a'), undefined);

  const again = await kubectlDelete.run({ manifest }, ctx());
  t.match(again, { changed: false, failed: false, msg: 'nothing to delete: no such objects' });
  const c = ctx();
  const byName = await kubectlDelete.run({ kind: 'configmap', name: 'c', namespace: 'kube-system' }, c);
  t.match(byName, { changed: true, msg: 'deleted configmap/c' });
  t.equal(stored('c'), undefined);
  t.match(c.changes()[0].command, /delete --namespace kube-system --ignore-not-found --wait=true --timeout=120s -- configmap c$/);
  t.match(await kubectlDelete.run({ kind: 'configmap', name: 'c', namespace: 'kube-system' }, ctx()), { changed: false });
});

t.test('kubectl_delete: a deletion that outlasts the timeout fails, and says it changed', async (t) => {
  api.store.put(cm('slow'));
  const release = api.on('deleted', (o) => (o.metadata.name === 'slow' ? new Promise<void>((r) => setTimeout(r, 4000)) : undefined));
  t.teardown(release);
  const res = await kubectlDelete.run({ kind: 'configmap', name: 'slow', namespace: 'kube-system', timeout: 1 }, ctx());
  t.match(res, { failed: true, changed: true, msg: /^kubectl delete failed: .*timed out/ });
  const noWait = await kubectlDelete.run({ kind: 'configmap', name: 'b', namespace: 'kube-system', wait: false }, ctx());
  t.match(noWait, { changed: true, failed: false, msg: 'deleted configmap/b (not waiting for them to go)' });
});
