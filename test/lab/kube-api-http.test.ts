/**
 * The stand-in's HTTP surface as a plain client sees it: discovery, status codes and the
 * watch stream. (kube-api.test.ts drives the same server with the real kubectl.)
 */
import t from 'tap';
import { request } from 'node:http';
import { startKubeApi } from './kube-api/server.ts';
import type { KubeApi, KubeObject } from './kube-api/server.ts';

let api: KubeApi;
t.before(async () => {
  api = await startKubeApi({ nodes: ['n1'] });
});
t.teardown(() => api.stop());

async function call(method: string, path: string, body?: unknown, contentType = 'application/json', accept = 'application/json') {
  const res = await fetch(api.url + path, {
    method,
    headers: { 'Content-Type': contentType, Accept: accept },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
}

t.test('discovery: legacy documents, also for an aggregated-discovery Accept header', async (t) => {
  const aggregated = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
  const apis = await call('GET', '/apis', undefined, 'application/json', aggregated);
  t.equal(apis.status, 200);
  t.equal(apis.type, 'application/json');
  t.equal(apis.body.kind, 'APIGroupList');
  const groups = apis.body.groups as Array<{ name: string; preferredVersion: { groupVersion: string } }>;
  t.same(groups.map((g) => g.name).sort(), ['apiextensions.k8s.io', 'apps', 'rbac.authorization.k8s.io']);
  t.same(groups.find((g) => g.name === 'apps')?.preferredVersion, { groupVersion: 'apps/v1', version: 'v1' });
  const core = await call('GET', '/api/v1');
  t.match(core.body, { kind: 'APIResourceList', groupVersion: 'v1' });
  t.match(core.body.resources, [{ name: 'namespaces' }, { name: 'namespaces/status' }, { name: 'nodes', shortNames: ['no'] }]);
  const openapi = await call('GET', '/openapi/v3');
  t.match(openapi.body, { paths: { 'apis/apps/v1': { serverRelativeURL: /^\/openapi\/v3\/apis\/apps\/v1\?hash=/ } } });
  const appsDoc = await call('GET', '/openapi/v3/apis/apps/v1');
  t.match(appsDoc.body, {
    paths: { '/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}': { patch: { parameters: [{ name: 'fieldValidation', in: 'query' }] } } },
  });
  t.equal((await call('GET', '/apis/example.com/v1')).status, 404);
});

t.test('status codes for what the stand-in refuses', async (t) => {
  const cms = '/api/v1/namespaces/default/configmaps';
  const noName = await call('POST', cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} });
  t.match(noName, { status: 422, body: { kind: 'Status', reason: 'Invalid', message: /metadata\.name: Required value/ } });
  const noKind = await call('PATCH', `${cms}/x?fieldManager=m`, { metadata: { name: 'x' } }, 'application/apply-patch+yaml');
  t.match(noKind, { status: 422, body: { reason: 'Invalid', message: /apiVersion: Required value, kind: Required value/ } });
  const created = await call('POST', cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
  t.equal(created.status, 201);
  t.match(await call('POST', cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }), { status: 409, body: { reason: 'AlreadyExists' } });
  t.match(await call('DELETE', cms), { status: 405, body: { reason: 'MethodNotAllowed' } });
  t.match(await call('PATCH', `${cms}/x`, [], 'application/json-patch+json'), { status: 415 });
  t.match(await call('PATCH', `${cms}/x`, {}, 'application/apply-patch+yaml'), { status: 400, body: { message: /fieldManager/ } });
  t.match(await call('GET', `${cms}/nope`), { status: 404, body: { message: 'configmaps "nope" not found', details: { name: 'nope', kind: 'configmaps' } } });
  t.match(await call('GET', '/api/v1/namespaces/default/widgets'), { status: 404 });
  t.match(await call('GET', `${cms}/x/scale`), { status: 404 });
  const stale = await call('PUT', `${cms}/x`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', resourceVersion: '1' } });
  t.match(stale, { status: 409, body: { reason: 'Conflict' } });
  const dry = await call('PATCH', `${cms}/y?fieldManager=m&dryRun=All`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' } }, 'application/apply-patch+yaml');
  t.equal(dry.status, 201);
  t.equal(api.store.get('v1', 'ConfigMap', 'default', 'y'), undefined, 'dryRun stores nothing');
});

t.test('watch streams changes that match the selectors', async (t) => {
  const lines: Array<{ type: string; object: KubeObject }> = [];
  const path = '/api/v1/namespaces/kube-system/pods?watch=true&labelSelector=app%3Dmultus&timeoutSeconds=5';
  const ended = new Promise<void>((resolve, reject) => {
    const req = request(api.url + path, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          lines.push(JSON.parse(buffer.slice(0, nl)) as { type: string; object: KubeObject });
          buffer = buffer.slice(nl + 1);
          if (lines.length === 3) req.destroy();
        }
      });
      res.on('close', () => resolve());
    });
    req.on('error', (e) => (lines.length === 3 ? resolve() : reject(e)));
    req.end();
  });
  await new Promise((r) => setTimeout(r, 100));
  const pod = (name: string, app: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'kube-system', labels: { app } } });
  api.store.put(pod('other', 'other'));
  api.store.put(pod('m1', 'multus'));
  api.store.setStatus('Pod', 'kube-system', 'm1', { phase: 'Running' });
  api.store.delete('v1', 'Pod', 'kube-system', 'm1');
  await ended;
  t.same(lines.map((l) => [l.type, l.object.metadata.name]), [['ADDED', 'm1'], ['MODIFIED', 'm1'], ['DELETED', 'm1']]);
});
