/**
 * The stand-in's object store and server-side apply rules, without HTTP or kubectl.
 */
import t from 'tap';
import { ObjectStore } from './kube-api/store.ts';
import { serverSideApply } from './kube-api/apply.ts';
import { fieldMatcher, labelMatcher } from './kube-api/selectors.ts';
import type { KubeObject, WatchEvent } from './kube-api/types.ts';

const cm = (data: Record<string, string>, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'default', ...(labels ? { labels } : {}) },
  data,
});
const now = '2030-01-01T00:00:00Z';

t.test('apply removes what the manager stopped applying, keeps what others own', async (t) => {
  const first = serverSideApply(undefined, cm({ a: '1', b: '2' }, { x: '1' }), { manager: 'm', force: false, now });
  t.ok(first.ok);
  if (!first.ok) return;
  const other = serverSideApply(first.object, cm({ c: '3' }), { manager: 'other', force: false, now });
  if (!other.ok) return t.fail('unexpected conflict');
  const second = serverSideApply(other.object, cm({ a: '1' }), { manager: 'm', force: false, now });
  if (!second.ok) return t.fail('unexpected conflict');
  t.same(second.object.data, { a: '1', c: '3' }, 'b dropped by m, c kept for other');
  t.equal(second.object.metadata.labels, undefined, 'an emptied labels map disappears');
  t.same(second.object.metadata.managedFields?.map((e) => e.manager), ['other', 'm']);
});

t.test('a field owned by another manager with another value conflicts unless forced', async (t) => {
  const first = serverSideApply(undefined, cm({ a: '1' }), { manager: 'm', force: false, now });
  if (!first.ok) return t.fail();
  const same = serverSideApply(first.object, cm({ a: '1' }), { manager: 'n', force: false, now });
  t.ok(same.ok, 'the same value is shared, not a conflict');
  const clash = serverSideApply(first.object, cm({ a: '2' }), { manager: 'n', force: false, now });
  t.same(clash, { ok: false, conflicts: ['conflict with "m": .data.a'] });
  const forced = serverSideApply(first.object, cm({ a: '2' }), { manager: 'n', force: true, now });
  if (!forced.ok) return t.fail();
  t.same(forced.object.data, { a: '2' });
  t.same(forced.object.metadata.managedFields?.map((e) => e.manager), ['m', 'n']);
  t.notOk(JSON.stringify(forced.object.metadata.managedFields?.[0].fieldsV1).includes('f:data'), 'm lost .data.a');
});

t.test('resourceVersion and generation move only on real changes', async (t) => {
  const store = new ObjectStore();
  store.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const a = store.put(cm({ k: 'v' }));
  t.equal(a.metadata.generation, 1);
  const again = store.put(cm({ k: 'v' }));
  t.equal(again.metadata.resourceVersion, a.metadata.resourceVersion);
  const labelled = store.put(cm({ k: 'v' }, { l: '1' }));
  t.not(labelled.metadata.resourceVersion, a.metadata.resourceVersion);
  t.equal(labelled.metadata.generation, 1, 'metadata-only change keeps generation');
  const changed = store.put(cm({ k: 'w' }, { l: '1' }));
  t.equal(changed.metadata.generation, 2);
  t.equal(changed.metadata.uid, a.metadata.uid);
});

t.test('status, selectors, watch events and deletion listeners', async (t) => {
  const store = new ObjectStore();
  const events: WatchEvent[] = [];
  const stopWatching = store.watch((e) => events.push(e));
  const pod = (name: string, node: string, app: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'kube-system', labels: { app } },
    spec: { nodeName: node },
  });
  store.put(pod('p1', 'n1', 'multus'));
  store.put(pod('p2', 'n2', 'multus'));
  store.put(pod('p3', 'n1', 'other'));
  const names = (opts: object) => store.list('v1', 'Pod', opts).map((p) => p.metadata.name);
  t.same(names({ labelSelector: 'app=multus' }), ['p1', 'p2']);
  t.same(names({ labelSelector: 'app in (multus, other),app!=other' }), ['p1', 'p2']);
  t.same(names({ labelSelector: 'app=multus', fieldSelector: 'spec.nodeName=n2' }), ['p2']);
  t.same(names({ namespace: 'default' }), []);

  const rv = store.resourceVersion;
  store.setStatus('Pod', 'kube-system', 'p1', { phase: 'Running' });
  t.same(store.eventsSince(rv).map((e) => [e.type, e.object.metadata.name, e.object.status]), [['MODIFIED', 'p1', { phase: 'Running' }]]);

  let release!: () => void;
  store.on('deleted', () => new Promise<void>((r) => (release = r)));
  const type = store.typeOf('v1', 'Pod');
  const pending = store.requestDelete(type, 'kube-system', 'p1');
  t.equal(pending.pending, true);
  t.match(store.get('v1', 'Pod', 'kube-system', 'p1'), { metadata: { deletionTimestamp: /Z$/ } });
  t.equal(store.requestDelete(type, 'kube-system', 'p1').done, pending.done, 'a second delete joins the first');
  release();
  await pending.done;
  t.equal(store.get('v1', 'Pod', 'kube-system', 'p1'), undefined);
  t.equal(events.at(-1)?.type, 'DELETED');
  stopWatching();
  t.throws(() => store.requestDelete(type, 'kube-system', 'p1'), { code: 404, reason: 'NotFound' });
});

t.test('selector parsing', async (t) => {
  const o = (labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', labels }, status: { phase: 'Running' } });
  t.ok(labelMatcher('a,!b')(o({ a: '' })));
  t.notOk(labelMatcher('a,!b')(o({ a: '', b: '1' })));
  t.ok(labelMatcher('a notin (x,y)')(o({})));
  t.ok(fieldMatcher('status.phase!=Pending,metadata.name==x')(o({})));
  t.throws(() => labelMatcher('a in x'), { code: 400 });
});
