/**
 * The Kubernetes API stand-in driven by the real kubectl: what the product's kubectl
 * calls need to see (server-side apply, get, delete --wait, discovery, errors).
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startKubeApi } from './kube-api/server.ts';
import type { KubeApi, KubeObject } from './kube-api/server.ts';
import { kubectlFor } from './kube-api/kubectl.ts';
import type { Kubectl } from './kube-api/kubectl.ts';

const APPLY = ['apply', '--server-side', '--field-manager=provision', '-f', '-'];
const MULTUS_IMAGE = 'ghcr.io/k8snetworkplumbingwg/multus-cni:v4.2.4-thick';

function multusManifest(image: string): KubeObject[] {
  const labels = { tier: 'node', app: 'multus', name: 'multus' };
  return [
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'network-attachment-definitions.k8s.cni.cncf.io' },
      spec: {
        group: 'k8s.cni.cncf.io',
        scope: 'Namespaced',
        names: {
          plural: 'network-attachment-definitions',
          singular: 'network-attachment-definition',
          kind: 'NetworkAttachmentDefinition',
          shortNames: ['net-attach-def'],
        },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
      },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'multus' },
      rules: [{ apiGroups: ['k8s.cni.cncf.io'], resources: ['*'], verbs: ['*'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'multus' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'multus' },
      subjects: [{ kind: 'ServiceAccount', name: 'multus', namespace: 'kube-system' }],
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'multus', namespace: 'kube-system' } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'multus-daemon-config', namespace: 'kube-system', labels: { tier: 'node', app: 'multus' } },
      data: { 'daemon-config.json': '{"chrootDir": "/hostroot/", "cniVersion": "1.0.0"}\n' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kube-multus-ds', namespace: 'kube-system', labels },
      spec: {
        selector: { matchLabels: { name: 'multus' } },
        template: {
          metadata: { labels },
          spec: {
            hostNetwork: true,
            serviceAccountName: 'multus',
            containers: [{ name: 'kube-multus', image, command: ['/usr/src/multus-cni/bin/multus-daemon'] }],
          },
        },
      },
    },
  ];
}

const yamlDocs = (objects: KubeObject[]) => objects.map((o) => stringify(o)).join('---\n');

/** resourceVersion of every object of the manifest, read through kubectl. */
async function versions(kubectl: Kubectl, objects: KubeObject[]): Promise<Record<string, string>> {
  const got = await kubectl(['get', '-f', '-', '-o', 'json'], yamlDocs(objects));
  if (got.exitCode !== 0) throw new Error(got.stderr);
  const list = JSON.parse(got.stdout) as { items: KubeObject[] };
  return Object.fromEntries(list.items.map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion ?? '']));
}

/** kubectl 1.25+ asks the server to validate fields (`fieldValidation=Strict`). */
async function sendsFieldValidation(): Promise<boolean> {
  const res = await kubectl(['version', '--client', '-o', 'json']);
  const minor = Number.parseInt((JSON.parse(res.stdout) as { clientVersion: { minor: string } }).clientVersion.minor, 10);
  return minor >= 25;
}

let api: KubeApi;
let kubectl: Kubectl;
let dir: string;

t.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kube-api-test-'));
  api = await startKubeApi({ nodes: ['node1', { name: 'node2', address: '10.77.0.3' }] });
  kubectl = kubectlFor(api.kubeconfigPath(dir), join(dir, 'cache'));
});
t.teardown(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

t.test('kubectl reads the server version and the Ready nodes', async (t) => {
  const version = await kubectl(['version', '-o', 'json']);
  t.equal(version.exitCode, 0, version.stderr);
  t.match(JSON.parse(version.stdout), { serverVersion: { gitVersion: 'v1.31.2+k3s1', major: '1', minor: '31' } });
  const nodes = await kubectl(['get', 'nodes', '-o', 'json']);
  const items = (JSON.parse(nodes.stdout) as { items: KubeObject[] }).items;
  t.same(items.map((n) => n.metadata.name), ['node1', 'node2']);
  t.match(items[1], { status: { addresses: [{ type: 'InternalIP', address: '10.77.0.3' }], conditions: [{ type: 'Ready', status: 'True' }] } });
});

t.test('server-side apply creates, then a second apply changes nothing', async (t) => {
  const manifest = multusManifest(MULTUS_IMAGE);
  const first = await kubectl(APPLY, yamlDocs(manifest));
  t.equal(first.exitCode, 0, first.stderr);
  t.comment(`kubectl apply --server-side of the ${manifest.length}-object manifest (create): ${first.ms.toFixed(0)} ms`);
  t.same(first.stdout.trim().split('\n'), [
    'customresourcedefinition.apiextensions.k8s.io/network-attachment-definitions.k8s.cni.cncf.io serverside-applied',
    'clusterrole.rbac.authorization.k8s.io/multus serverside-applied',
    'clusterrolebinding.rbac.authorization.k8s.io/multus serverside-applied',
    'serviceaccount/multus serverside-applied',
    'configmap/multus-daemon-config serverside-applied',
    'daemonset.apps/kube-multus-ds serverside-applied',
  ]);
  const before = await versions(kubectl, manifest);
  t.equal(Object.keys(before).length, 6);
  for (const rv of Object.values(before)) t.match(rv, /^\d+$/);
  const ds = api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds');
  t.match(ds?.metadata, { generation: 1, uid: /^[0-9a-f-]{36}$/, creationTimestamp: /Z$/, managedFields: [{ manager: 'provision', operation: 'Apply' }] });

  const second = await kubectl(APPLY, yamlDocs(manifest));
  t.equal(second.exitCode, 0, second.stderr);
  t.comment(`kubectl apply --server-side of the same manifest again (no change): ${second.ms.toFixed(0)} ms`);
  t.match(second.stdout, /daemonset\.apps\/kube-multus-ds serverside-applied/);
  t.same(await versions(kubectl, manifest), before, 'no resourceVersion moved');
});

t.test('a new DaemonSet image bumps generation and resourceVersion, nothing else', async (t) => {
  const before = await versions(kubectl, multusManifest(MULTUS_IMAGE));
  const applied: Array<{ changed: boolean; kind: string }> = [];
  const off = api.on('applied', (o, info) => applied.push({ kind: o.kind, changed: info.changed }));
  const res = await kubectl(APPLY, yamlDocs(multusManifest('ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick')));
  off();
  t.equal(res.exitCode, 0, res.stderr);
  const after = await versions(kubectl, multusManifest(MULTUS_IMAGE));
  for (const key of Object.keys(before)) {
    if (key === 'DaemonSet/kube-multus-ds') t.not(after[key], before[key], key);
    else t.equal(after[key], before[key], key);
  }
  t.same(applied.filter((a) => a.changed).map((a) => a.kind), ['DaemonSet']);
  const got = await kubectl(['get', 'ds', '-n', 'kube-system', 'kube-multus-ds', '-o', 'json']);
  const ds = JSON.parse(got.stdout) as KubeObject;
  t.equal(ds.metadata.generation, 2);
  t.match(ds, { spec: { template: { spec: { containers: [{ image: /v4\.3\.0-thick$/ }] } } } });
});

t.test('labels and annotations round-trip; pods are found by label and node', async (t) => {
  const cm: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'tagged', namespace: 'default', labels: { a: '1', 'example.com/b': 'two' }, annotations: { note: 'x: "y"\nz' } },
    data: { k: 'v' },
  };
  t.equal((await kubectl(APPLY, stringify(cm))).exitCode, 0);
  const got = JSON.parse((await kubectl(['get', 'configmap', 'tagged', '-o', 'json'])).stdout) as KubeObject;
  t.same(got.metadata.labels, cm.metadata.labels);
  t.same(got.metadata.annotations, cm.metadata.annotations);

  const status = '[{"name":"cbr0","interface":"eth0","ips":["10.42.0.7"],"default":true}]';
  for (const node of ['node1', 'node2']) {
    api.store.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `kube-multus-ds-${node}`, namespace: 'kube-system', labels: { app: 'multus' }, annotations: { 'k8s.v1.cni.cncf.io/network-status': status } },
      spec: { nodeName: node, containers: [{ name: 'kube-multus', image: MULTUS_IMAGE }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }
  api.store.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', namespace: 'kube-system', labels: { app: 'other' } }, spec: { nodeName: 'node1' } });
  const byLabel = await kubectl(['get', 'pods', '-n', 'kube-system', '-l', 'app=multus', '-o', 'json']);
  const pods = (JSON.parse(byLabel.stdout) as { items: KubeObject[] }).items;
  t.same(pods.map((p) => p.metadata.name), ['kube-multus-ds-node1', 'kube-multus-ds-node2']);
  t.equal(pods[0].metadata.annotations?.['k8s.v1.cni.cncf.io/network-status'], status);
  t.match(pods[0], { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
  const onNode = await kubectl(['get', 'pods', '-A', '-l', 'app=multus', '--field-selector', 'spec.nodeName=node2', '-o', 'json']);
  t.same((JSON.parse(onNode.stdout) as { items: KubeObject[] }).items.map((p) => p.metadata.name), ['kube-multus-ds-node2']);

  api.store.setStatus('DaemonSet', 'kube-system', 'kube-multus-ds', { desiredNumberScheduled: 2, numberReady: 2 });
  const ds = JSON.parse((await kubectl(['get', 'ds', '-n', 'kube-system', 'kube-multus-ds', '-o', 'json'])).stdout) as KubeObject;
  t.same(ds.status, { desiredNumberScheduled: 2, numberReady: 2 });
});

t.test('the CRD registers network-attachment-definitions', async (t) => {
  const resources = await kubectl(['api-resources']);
  t.equal(resources.exitCode, 0, resources.stderr);
  for (const line of [/^daemonsets\s+ds\s+apps\/v1\s+true\s+DaemonSet$/m, /^network-attachment-definitions\s+net-attach-def\s+k8s\.cni\.cncf\.io\/v1\s+true\s+NetworkAttachmentDefinition$/m]) {
    t.match(resources.stdout, line);
  }
  const crds = await kubectl(['get', 'crd']);
  t.match(crds.stdout, /^network-attachment-definitions\.k8s\.cni\.cncf\.io\s/m);
  const nad: KubeObject = {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: { name: 'ipvlan-def', namespace: 'default' },
    spec: { config: '{"cniVersion":"1.0.0","type":"ipvlan","master":"eth0","mode":"l2"}' },
  };
  const applied = await kubectl(APPLY, stringify(nad));
  t.equal(applied.exitCode, 0, applied.stderr);
  t.equal(applied.stdout.trim(), 'networkattachmentdefinition.k8s.cni.cncf.io/ipvlan-def serverside-applied');
  const listed = await kubectl(['get', 'network-attachment-definitions', '-A']);
  t.match(listed.stdout, /^default\s+ipvlan-def\s/m);
  const short = await kubectl(['get', 'net-attach-def', '-n', 'default', 'ipvlan-def', '-o', 'json']);
  t.match(JSON.parse(short.stdout), { spec: nad.spec });
});

t.test('delete --wait lasts until the deletion listener lets go', async (t) => {
  let release!: () => void;
  let held!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  let releasedAt = 0;
  const off = api.on('deleted', (o) => {
    if (o.kind !== 'DaemonSet') return;
    held();
    return new Promise<void>((resolve) => (release = () => ((releasedAt = Date.now()), resolve())));
  });
  const deleting = kubectl(['delete', 'ds', '-n', 'kube-system', 'kube-multus-ds', '--wait']).then((r) => ({ ...r, at: Date.now() }));
  await holding;
  const during = await kubectl(['get', 'ds', '-n', 'kube-system', 'kube-multus-ds', '-o', 'json']);
  t.equal(during.exitCode, 0, 'still there while held');
  t.match(JSON.parse(during.stdout), { metadata: { deletionTimestamp: /Z$/ } });
  await new Promise((r) => setTimeout(r, 300));
  release();
  const done = await deleting;
  off();
  t.equal(done.exitCode, 0, done.stderr);
  t.match(done.stdout, /daemonset\.apps "kube-multus-ds" deleted/);
  t.ok(done.at >= releasedAt, 'kubectl returned only after the release');
  t.equal(api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds'), undefined);
});

t.test('deleting what is absent: NotFound, unless --ignore-not-found', async (t) => {
  const plain = await kubectl(['delete', 'ds', '-n', 'kube-system', 'kube-multus-ds']);
  t.not(plain.exitCode, 0);
  t.match(plain.stderr, 'Error from server (NotFound): daemonsets.apps "kube-multus-ds" not found');
  const ignored = await kubectl(['delete', 'ds', '-n', 'kube-system', 'kube-multus-ds', '--ignore-not-found', '--wait']);
  t.equal(ignored.exitCode, 0, ignored.stderr);
});

t.test('errors reach kubectl as API server errors', async (t) => {
  const cm = (extra: object) => stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'e' }, ...extra });
  const noNs = await kubectl(APPLY, stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'e', namespace: 'nowhere' } }));
  t.not(noNs.exitCode, 0);
  t.match(noNs.stderr, 'Error from server (NotFound): namespaces "nowhere" not found');
  const unknown = await kubectl(APPLY, cm({ bogus: 1 }));
  if (await sendsFieldValidation()) {
    t.not(unknown.exitCode, 0);
    t.match(unknown.stderr, 'Error from server (BadRequest): strict decoding error: unknown field "bogus"');
  } else {
    // Older kubectl sends no fieldValidation; the server's default is Warn, as on a real cluster.
    t.equal(unknown.exitCode, 0);
    t.match(unknown.stderr, 'Warning: unknown field "bogus"');
  }
  t.equal((await kubectl(APPLY, cm({ data: { k: 'v' } }))).exitCode, 0);
  const conflict = await kubectl(['apply', '--server-side', '--field-manager=someone-else', '-f', '-'], cm({ data: { k: 'w' } }));
  t.not(conflict.exitCode, 0);
  t.match(conflict.stderr, 'Apply failed with 1 conflict: conflict with "provision": .data.k');
  const forced = await kubectl(['apply', '--server-side', '--field-manager=someone-else', '--force-conflicts', '-f', '-'], cm({ data: { k: 'w' } }));
  t.equal(forced.exitCode, 0, forced.stderr);
  const exists = await kubectl(['create', '-f', '-'], cm({}));
  t.not(exists.exitCode, 0);
  t.match(exists.stderr, /Error from server \(AlreadyExists\).*configmaps "e" already exists/);
});

t.test('delete -f removes the manifest; the CRD takes its objects along', async (t) => {
  const manifest = multusManifest(MULTUS_IMAGE);
  t.equal((await kubectl(APPLY, yamlDocs(manifest))).exitCode, 0);
  const res = await kubectl(['delete', '--ignore-not-found', '-f', '-'], yamlDocs(manifest));
  t.equal(res.exitCode, 0, res.stderr);
  t.equal(res.stdout.trim().split('\n').length, 6);
  t.equal(api.store.list('v1', 'ConfigMap', { namespace: 'kube-system' }).length, 0);
  const nads = await kubectl(['get', 'network-attachment-definitions', '-A']);
  t.not(nads.exitCode, 0, 'the kind is gone with its CRD');
  t.match(nads.stderr, /network-attachment-definitions/);
});
