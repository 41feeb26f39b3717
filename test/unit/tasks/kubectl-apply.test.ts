/**
 * kubectl_apply with the real kubectl, in kubeconfig mode on the local machine, against the
 * lab's Kubernetes API stand-in (which moves resourceVersion only when an object changes).
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startKubeApi } from '../../lab/kube-api/server.ts';
import { kubectlApply } from '../../../tasks/kubectl/kubectl-apply.ts';
import { createTestHostContext, type TestHostContextOptions } from '../../helpers/host-context.ts';

// kubectl's discovery cache is keyed by host:port; a test's own directory keeps a reused port clean.
process.env.KUBECACHEDIR = t.testdir();

const api = await startKubeApi({ nodes: ['node1'] });
t.teardown(() => api.stop());
const kubeconfig = api.kubeconfigPath(t.testdir());
const ctx = (o: TestHostContextOptions = {}) => createTestHostContext({ vars: { kubeconfig }, ...o });

const configMap = (name: string, data: Record<string, string>) =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'kube-system' }, data });
const manifest = (value: string) => `${configMap('one', { key: value })}---\n${configMap('two', { fixed: 'yes' })}`;
const stored = (name: string) => api.store.get('v1', 'ConfigMap', 'kube-system', name);

t.test('check mode on an empty cluster predicts creation and changes nothing', async (t) => {
  const c = ctx({ check: true, diff: true });
  const res = await kubectlApply.run({ manifest: manifest('a') }, c);
  t.match(res, { changed: true, failed: false, msg: 'configmap/one would be created, configmap/two would be created' });
  t.same(c.changes(), [], 'no changing command');
  t.ok(c.commands.some((r) => r.command.includes('--dry-run=server')), 'the server was asked in a dry run');
  t.equal(stored('one'), undefined, 'nothing stored');
  t.equal(res.diff?.before, '');
  t.match(res.diff?.after, /name: one/);
});

t.test('apply creates, a second apply is unchanged, an edit is configured', async (t) => {
  const first = await kubectlApply.run({ manifest: manifest('a') }, ctx());
  t.match(first, { changed: true, failed: false, msg: 'configmap/one created, configmap/two created' });
  t.same((first.data?.objects as Array<{ action: string }>).map((o) => o.action), ['created', 'created']);
  t.same(stored('one')?.data, { key: 'a' });
  const cmd = ctx();
  await kubectlApply.run({ manifest: manifest('a') }, cmd);
  t.match(cmd.changes()[0].command, /apply --server-side --field-manager=provision -o json -f -$/);

  const rv = stored('one')?.metadata.resourceVersion;
  const second = await kubectlApply.run({ manifest: manifest('a') }, ctx());
  t.match(second, { changed: false, failed: false, msg: 'configmap/one unchanged, configmap/two unchanged' });
  t.equal(stored('one')?.metadata.resourceVersion, rv, 'the stand-in stored nothing new');

  const c = ctx({ diff: true });
  const third = await kubectlApply.run({ manifest: manifest('b') }, c);
  t.match(third, { changed: true, msg: 'configmap/one configured, configmap/two unchanged' });
  t.match(third.diff?.before, /key: a/);
  t.match(third.diff?.after, /key: b/);
  t.notMatch(third.diff?.after, /name: two/, 'the unchanged object is not in the diff');
  t.notMatch(third.diff?.after, /resourceVersion/);
  t.same(stored('one')?.data, { key: 'b' });
});

t.test('check mode against existing objects compares content', async (t) => {
  const same = ctx({ check: true });
  t.match(await kubectlApply.run({ manifest: manifest('b') }, same), { changed: false, msg: 'configmap/one unchanged, configmap/two unchanged' });
  t.same(same.changes(), []);
  const edit = ctx({ check: true });
  t.match(await kubectlApply.run({ manifest: manifest('c') }, edit), { changed: true, msg: 'configmap/one would be configured, configmap/two unchanged' });
  t.same(edit.changes(), []);
  t.same(stored('one')?.data, { key: 'b' }, 'the dry run stored nothing');
});

t.test('src resolves against the playbook directory; field manager and conflicts', async (t) => {
  const dir = t.testdir({ files: { 'cm.yaml': `${configMap('one', { key: 'taken' })}---\n${configMap('two', { fixed: 'yes' })}` } });
  const clash = await kubectlApply.run({ manifest: configMap('one', { key: 'taken' }), field_manager: 'someone-else' }, ctx());
  t.match(clash, { failed: true, changed: false, msg: /^kubectl apply failed: .*conflict/i }, 'another manager may not take our field');
  t.same(stored('one')?.data, { key: 'b' });
  const took = await kubectlApply.run({ manifest: configMap('one', { key: 'taken' }), field_manager: 'someone-else', force_conflicts: true }, ctx());
  t.match(took, { failed: false, changed: true, msg: 'configmap/one configured' }, 'unless it forces');
  const same = await kubectlApply.run({ src: 'files/cm.yaml' }, ctx({ playbookDir: dir }));
  t.match(same, { failed: false, changed: true, msg: 'configmap/one configured, configmap/two unchanged' }, 'the same value is no conflict (we now share the field)');
  const again = await kubectlApply.run({ manifest: configMap('one', { key: 'mine' }) }, ctx());
  t.match(again, { failed: true, msg: /conflict/i }, 'a shared field cannot be changed without force');
  const forced = await kubectlApply.run({ manifest: configMap('one', { key: 'mine' }), force_conflicts: true }, ctx());
  t.match(forced, { failed: false, changed: true, msg: 'configmap/one configured' });
  t.same(stored('one')?.data, { key: 'mine' });
  t.match(await kubectlApply.run({ src: 'missing.yaml' }, ctx({ playbookDir: dir })), { failed: true, msg: /could not find src=.*missing\.yaml/ });
  t.match(await kubectlApply.run({ src: 'files' }, ctx({ playbookDir: dir })), { failed: true, msg: /not a regular file/ });
});

t.test('failures carry kubectl’s own words', async (t) => {
  const badNs = stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'nowhere' }, data: {} });
  const res = await kubectlApply.run({ manifest: badNs }, ctx());
  t.match(res, { failed: true, changed: false, msg: /namespaces "nowhere" not found/ });
  const dry = await kubectlApply.run({ manifest: badNs }, ctx({ check: true }));
  t.match(dry, { failed: true, msg: /^server-side dry run failed: .*namespaces "nowhere" not found/ });
  const unreachable = createTestHostContext({ vars: { kubeconfig: join(t.testdir(), 'none.yaml') } });
  const gone = await kubectlApply.run({ manifest: manifest('a') }, unreachable);
  t.match(gone, { failed: true, msg: /^cannot read the current objects: / });
  t.same(unreachable.changes(), [], 'no apply after a failed read');
  const file = join(t.testdir(), 'kubectl-that-fails');
  writeFileSync(file, '#!/bin/sh\necho "error: boom" >&2\nexit 1\n', { mode: 0o755 });
  t.match(await kubectlApply.run({ manifest: manifest('a'), kubectl: file }, ctx()), { failed: true, msg: 'cannot read the current objects: error: boom' });
});
