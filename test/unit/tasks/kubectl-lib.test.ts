/**
 * The kubectl helpers: which kubectl runs, how its command line is quoted, and the pure
 * parsers of its JSON, fed with output of the real kubectl client recorded against the lab's
 * Kubernetes API stand-in, not a kube-apiserver (test/fixtures/kubectl/README.md says what that means).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { LocalConnection } from '../../../src/connection/local.ts';
import { TaskError } from '../../../src/errors.ts';
import { applyOutcome, describeOutcome } from '../../../tasks/kubectl/apply-outcome.ts';
import { normalizeObject, objectKey, objectRef, objectsYaml, parseKubectlObjects, sameJson } from '../../../tasks/kubectl/objects.ts';
import { kubectlCommand, kubectlError, kubectlPrefix } from '../../../tasks/kubectl/kubectl.ts';
import { REPO_ROOT } from '../../helpers/run-provision.ts';

const fixture = (name: string): string => readFileSync(join(REPO_ROOT, 'test/fixtures/kubectl', name), 'utf8');

t.test('kubectlPrefix: a kubeconfig selects kubectl, none selects K3s’s bundled kubectl', async (t) => {
  t.same(kubectlPrefix({}, {}), ['k3s', 'kubectl'], 'nothing given: k3s kubectl');
  t.same(kubectlPrefix({}, { kubectl: '/opt/kubectl' }), ['k3s', 'kubectl'], 'a kubectl without kubeconfig does not replace k3s kubectl');
  t.same(kubectlPrefix({}, { kubeconfig: '/etc/k.yaml' }), ['kubectl', '--kubeconfig', '/etc/k.yaml'], 'the kubeconfig variable');
  t.same(kubectlPrefix({}, { kubeconfig: '/etc/k.yaml', kubectl: '/opt/kubectl' }), ['/opt/kubectl', '--kubeconfig', '/etc/k.yaml']);
  t.same(
    kubectlPrefix({ kubeconfig: '/a.yaml', kubectl: '/bin/kc' }, { kubeconfig: '/b.yaml', kubectl: '/opt/kubectl' }),
    ['/bin/kc', '--kubeconfig', '/a.yaml'],
    'arguments win over variables',
  );
  t.same(kubectlPrefix({}, { kubeconfig: '' }), ['k3s', 'kubectl'], 'an empty kubeconfig variable counts as unset');
  t.same(kubectlPrefix({}, { kubeconfig: 42 }), ['k3s', 'kubectl'], 'a non-string variable is ignored');
});

t.test('kubectlCommand quotes every word and expands only a leading ~/', async (t) => {
  t.equal(kubectlCommand(['k3s', 'kubectl'], ['get', 'pods', '-o', 'json']), 'k3s kubectl get pods -o json');
  const hostile = "a b'$(touch /tmp/x)";
  t.equal(kubectlCommand(['kubectl', '--kubeconfig', hostile], ['get']), `kubectl --kubeconfig 'a b'\\''$(touch /tmp/x)' get`);
  t.equal(kubectlCommand(['kubectl', '--kubeconfig', '~/.kube/my config'], ['get']), `kubectl --kubeconfig "$HOME"/'.kube/my config' get`);
  // The shell really sees one word per argument, with $HOME expanded.
  const conn = new LocalConnection('local');
  const r = await conn.exec(kubectlCommand(['printf', '%s\\n', '~/x y'], [hostile]));
  t.equal(r.stdout, `${process.env.HOME}/x y\n${hostile}\n`);
});

t.test('kubectlError prefers stderr and keeps it on one line', async (t) => {
  t.equal(kubectlError({ exitCode: 1, stdout: '', stderr: 'Error from server (NotFound): x\nmore\n' }), 'Error from server (NotFound): x; more');
  t.equal(kubectlError({ exitCode: 1, stdout: 'out', stderr: '' }), 'out');
  t.equal(kubectlError({ exitCode: 127, stdout: '', stderr: '' }), 'kubectl exited with 127');
});

t.test('parseKubectlObjects reads Lists, single objects, nothing, and refuses garbage', async (t) => {
  const present = parseKubectlObjects(fixture('get-present.json'));
  t.same(
    present.map((o) => `${o.kind}/${o.metadata?.name}`),
    [
      'CustomResourceDefinition/network-attachment-definitions.k8s.cni.cncf.io',
      'ClusterRole/multus',
      'ClusterRoleBinding/multus',
      'ServiceAccount/multus',
      'ConfigMap/multus-daemon-config',
      'DaemonSet/kube-multus-ds',
    ],
  );
  const ds = parseKubectlObjects(fixture('daemonset-complete.json'));
  t.equal(ds.length, 1);
  t.equal(ds[0].kind, 'DaemonSet');
  t.same(parseKubectlObjects(''), [], '--ignore-not-found prints nothing when nothing exists');
  t.same(parseKubectlObjects('\n  \n'), []);
  const two = parseKubectlObjects('{"kind":"ConfigMap","metadata":{"name":"a}"}}\n{"kind":"ConfigMap","metadata":{"name":"b\\"{"}}\n');
  t.same(two.map((o) => o.metadata?.name), ['a}', 'b"{'], 'concatenated documents, braces inside strings');
  t.same(parseKubectlObjects('{"kind":"List","apiVersion":"v1","items":[]}'), [], 'an empty List');
  t.throws(() => parseKubectlObjects('configmap/x created\n'), TaskError, 'text output is refused');
  t.throws(() => parseKubectlObjects(fixture('daemonset-complete.json').slice(0, 500)), /cut short/, 'truncated output is refused');
  t.throws(() => parseKubectlObjects('[1, 2]'), /not an object/);
});

t.test('object identity, names and normalization', async (t) => {
  const [crd, role, , sa, cm, ds] = parseKubectlObjects(fixture('get-present.json'));
  t.equal(objectRef(ds), 'daemonset.apps/kube-multus-ds');
  t.equal(objectRef(cm), 'configmap/multus-daemon-config');
  t.equal(objectRef(role), 'clusterrole.rbac.authorization.k8s.io/multus');
  t.equal(objectRef(crd), 'customresourcedefinition.apiextensions.k8s.io/network-attachment-definitions.k8s.cni.cncf.io');
  t.equal(objectKey(sa), '|ServiceAccount|kube-system|multus');
  t.equal(objectKey(ds), 'apps|DaemonSet|kube-system|kube-multus-ds');
  t.equal(objectKey({ ...ds, apiVersion: 'apps/v1beta2' }), objectKey(ds), 'the API version is not part of the identity');
  const n = normalizeObject(ds);
  t.notOk('status' in n);
  for (const k of ['resourceVersion', 'managedFields', 'generation', 'creationTimestamp', 'uid']) t.notOk(k in (n.metadata ?? {}), `no ${k}`);
  t.equal(n.metadata?.name, 'kube-multus-ds');
  t.ok(ds.metadata?.resourceVersion, 'the input is left alone');
  t.ok(sameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }), 'key order does not matter');
  t.notOk(sameJson({ a: [1, 2] }, { a: [2, 1] }), 'list order does');
  t.notOk(sameJson({ a: 1 }, { a: 1, b: undefined }));
  const yaml = objectsYaml([cm, sa]);
  const docs = yaml.split('---\n').map((d) => parse(d));
  t.same(docs.map((d) => d.metadata.name), ['multus-daemon-config', 'multus']);
  t.notMatch(yaml, /resourceVersion|managedFields/);
});

t.test('applyOutcome by resourceVersion, from recorded applies', async (t) => {
  const created = applyOutcome([], parseKubectlObjects(fixture('apply-created.json')), 'resourceVersion');
  t.equal(created.changed, true);
  t.same(created.objects.map((o) => o.action), Array(6).fill('created'));
  t.equal(created.before, '');
  t.match(created.after, /kind: DaemonSet/);
  t.same(created.objects[5], { ref: 'daemonset.apps/kube-multus-ds', apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kube-multus-ds', namespace: 'kube-system', action: 'created' });
  t.notOk('namespace' in created.objects[1], 'cluster-scoped objects have no namespace');

  const present = parseKubectlObjects(fixture('get-present.json'));
  const configured = applyOutcome(present, parseKubectlObjects(fixture('apply-configured.json')), 'resourceVersion');
  t.equal(configured.changed, true);
  t.same(
    configured.objects.map((o) => `${o.kind}:${o.action}`),
    ['CustomResourceDefinition:unchanged', 'ClusterRole:unchanged', 'ClusterRoleBinding:unchanged', 'ServiceAccount:unchanged', 'ConfigMap:configured', 'DaemonSet:unchanged'],
  );
  t.match(configured.before, /"logLevel": "verbose"/);
  t.match(configured.after, /"logLevel": "debug"/);
  t.notMatch(configured.after, /kind: DaemonSet/, 'unchanged objects stay out of the diff');
  t.equal(
    describeOutcome(configured.objects.slice(3, 5), false),
    'serviceaccount/multus unchanged, configmap/multus-daemon-config configured',
  );
  t.equal(describeOutcome(configured.objects.slice(4, 5), true), 'configmap/multus-daemon-config would be configured');
  t.equal(describeOutcome([], false), 'no objects');

  const again = applyOutcome(present, present, 'resourceVersion');
  t.equal(again.changed, false);
  t.equal(again.before, '');
  t.equal(again.after, '');
});

t.test('applyOutcome by content (dry runs): server-maintained fields do not count', async (t) => {
  const present = parseKubectlObjects(fixture('get-present.json'));
  // What a dry run returns for an unchanged object: same content, other server fields.
  const dry = present.map((o) => ({ ...o, metadata: { ...o.metadata, resourceVersion: '', managedFields: [], generation: 7 }, status: {} }));
  t.equal(applyOutcome(present, dry, 'content').changed, false);
  const edited = structuredClone(dry);
  (edited[4] as unknown as { data: Record<string, string> }).data = { 'daemon-config.json': '{}' };
  const outcome = applyOutcome(present, edited, 'content');
  t.same(outcome.objects.filter((o) => o.action !== 'unchanged').map((o) => o.ref), ['configmap/multus-daemon-config']);
  t.same(applyOutcome([], dry, 'content').objects.map((o) => o.action), Array(6).fill('created'));
});

t.test('the kubectl modules are registered with the right flags', async (t) => {
  const { registry } = await import('../../../tasks/index.ts');
  for (const name of ['kubectl_get', 'wait_daemonset', 'multus_manifest']) t.equal(registry[name]?.readOnly, true, `${name} is read-only`);
  for (const name of ['kubectl_apply', 'kubectl_delete']) t.notOk(registry[name]?.readOnly, `${name} can change`);
  t.equal(registry.multus_manifest.controlOnly, true, 'multus_manifest touches no host');
  for (const name of ['kubectl_apply', 'kubectl_delete', 'kubectl_get', 'wait_daemonset']) t.notOk(registry[name].controlOnly, `${name} runs kubectl on a host`);
});
