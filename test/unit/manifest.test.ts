import t, { type Test } from 'tap';
import { parseAllDocuments } from 'yaml';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { ValidationError } from '../../src/errors.ts';
import { K3S_OWNED_PLUGINS } from '../../tasks/k3s/layout.ts';
import { renderMultusManifest } from '../../tasks/multus/render.ts';

type Obj = Record<string, any>;

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  CustomResourceDefinition,
  ClusterRole,
  ClusterRoleBinding,
  ServiceAccount,
  ConfigMap,
  DaemonSet,
};

function objects(yaml: string): Obj[] {
  const docs = parseAllDocuments(yaml);
  if (!Array.isArray(docs)) throw new Error('no documents');
  for (const d of docs) if (d.errors.length) throw d.errors[0];
  return docs.map((d) => d.toJS() as Obj).filter((o) => o !== null);
}

function render(vars: Record<string, unknown> = {}) {
  const { yaml, warnings } = renderMultusManifest(vars);
  const objs = objects(yaml);
  const ds = objs.find((o) => o.kind === 'DaemonSet')!;
  const cm = objs.find((o) => o.kind === 'ConfigMap')!;
  const pod = ds.spec.template.spec;
  const volumes = new Map<string, Obj>(pod.volumes.map((v: Obj) => [v.name, v]));
  const container = (name: string): Obj =>
    [...pod.containers, ...pod.initContainers].find((c: Obj) => c.name === name);
  const hostPathOf = (volume: string): string => volumes.get(volume)!.hostPath.path;
  const mountOf = (c: Obj, volume: string): Obj | undefined => c.volumeMounts.find((m: Obj) => m.name === volume);
  const daemonConfig = JSON.parse(cm.data['daemon-config.json']);
  return { yaml, warnings, objs, ds, pod, volumes, container, hostPathOf, mountOf, daemonConfig };
}

function validateAll(t: Test, objs: Obj[]) {
  t.same(objs.map((o) => o.kind), [
    'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'ServiceAccount', 'ConfigMap', 'DaemonSet',
  ]);
  for (const o of objs) {
    const Model = MODELS[o.kind];
    t.doesNotThrow(() => new Model(o).validate(), `${o.kind} ${o.metadata.name} is a valid Kubernetes object`);
  }
}

t.test('default render: six upstream objects, each valid against the Kubernetes schema', async (t) => {
  const r = render();
  validateAll(t, r.objs);
  t.match(r.warnings, [/cni_plugins_image .* is pinned by tag only/], 'only the plugins image, whose digest is not known, is warned about');
  t.equal(r.ds.metadata.namespace, 'kube-system');
  t.equal(r.ds.metadata.name, 'kube-multus-ds');
  t.equal(r.pod.hostNetwork, true);
  t.equal(r.pod.hostPID, true);
  t.equal(r.pod.serviceAccountName, 'multus');
  for (const c of [...r.pod.containers, ...r.pod.initContainers]) {
    // The file copier needs no privileges; the daemon and upstream's installer keep upstream's.
    const expected = c.name !== 'install-extra-cni-plugins';
    t.equal(c.securityContext.privileged, expected, c.name);
    if (!expected) t.equal(c.securityContext.allowPrivilegeEscalation, false, `${c.name} cannot gain privileges`);
  }
  const names = r.objs.map((o) => `${o.kind}/${o.metadata.name}`);
  t.ok(names.includes('CustomResourceDefinition/network-attachment-definitions.k8s.cni.cncf.io'));
  t.ok(names.includes('ConfigMap/multus-daemon-config'));
});

t.test('RBAC is upstream v4.3.0\'s: no resource.k8s.io rule', async (t) => {
  const role = render().objs.find((o) => o.kind === 'ClusterRole')!;
  const groups = (role as unknown as { rules: Array<{ apiGroups: string[] }> }).rules.flatMap((rule) => rule.apiGroups);
  t.same([...new Set(groups)].sort(), ['', 'events.k8s.io', 'k8s.cni.cncf.io']);
});

t.test('the schema check is real: a broken object is rejected', async (t) => {
  const r = render();
  const broken = structuredClone(r.ds);
  broken.spec.template.spec.containers[0].volumeMounts[0].mountPath = 42;
  t.throws(() => new DaemonSet(broken).validate(), /mountPath/);
  const noSelector = structuredClone(r.ds);
  delete noSelector.spec.selector;
  t.throws(() => new DaemonSet(noSelector).validate(), /selector/);
});

t.test('multus image pinned to the version, never snapshot', async (t) => {
  const r = render();
  t.equal(r.container('kube-multus').image, 'ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick@sha256:a922a39a78049991d03178c07afc45a198326481049bd7d84626097402fa14bb');
  t.equal(r.container('install-multus-binary').image, 'ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick@sha256:a922a39a78049991d03178c07afc45a198326481049bd7d84626097402fa14bb');
  t.notMatch(r.yaml, /snapshot/);
  const other = render({ multus_version: 'v4.2.4-thick', multus_image: 'registry.local:5000/multus-cni' });
  t.equal(other.container('kube-multus').image, 'registry.local:5000/multus-cni:v4.2.4-thick');
});

t.test('floating tags are refused before anything is rendered', async (t) => {
  for (const tag of ['snapshot-thick', 'latest', 'stable']) {
    t.throws(() => renderMultusManifest({ multus_version: tag }), ValidationError, tag);
  }
  t.throws(() => renderMultusManifest({ cni_plugins_image: 'rancher/hardened-cni-plugins:latest' }), ValidationError);
});

t.test('K3s bin dir and <data-dir>/data are mounted at their host paths in the daemon', async (t) => {
  const r = render();
  const daemon = r.container('kube-multus');
  t.equal(r.hostPathOf('cnibin'), '/var/lib/rancher/k3s/data/cni');
  t.equal(r.hostPathOf('k3s-data'), '/var/lib/rancher/k3s/data');
  t.equal(r.mountOf(daemon, 'cnibin')!.mountPath, r.hostPathOf('cnibin'));
  t.equal(r.mountOf(daemon, 'k3s-data')!.mountPath, r.hostPathOf('k3s-data'));
  t.equal(r.daemonConfig.binDir, r.hostPathOf('cnibin'));
  t.equal(r.hostPathOf('cni'), '/var/lib/rancher/k3s/agent/etc/cni/net.d');
  t.equal(r.mountOf(daemon, 'cni')!.mountPath, r.daemonConfig.cniConfigDir);
  t.equal(r.mountOf(daemon, 'hostroot')!.mountPath, r.daemonConfig.chrootDir);
  t.equal(r.mountOf(daemon, 'host-run')!.mountPath, '/host/run');
  t.equal(r.daemonConfig.socketDir, '/host/run/multus/');
  for (const v of ['cni', 'cnibin', 'k3s-data']) t.equal(r.volumes.get(v)!.hostPath.type, 'Directory', v);
});

t.test('daemon-config: cniVersion 1.0.0, auto config, metricsPort only when set', async (t) => {
  const r = render();
  t.equal(r.daemonConfig.cniVersion, '1.0.0');
  t.equal(r.daemonConfig.multusConfigFile, 'auto');
  t.equal(r.daemonConfig.multusAutoconfigDir, '/host/etc/cni/net.d');
  t.equal(r.daemonConfig.logToStderr, true);
  t.notOk('metricsPort' in r.daemonConfig);
  t.notMatch(r.yaml, /metricsPort/);
  t.equal(render({ multus_metrics_port: 9091 }).daemonConfig.metricsPort, 9091);
  t.equal(render({ multus_log_level: 'error' }).daemonConfig.logLevel, 'error');
});

t.test('custom data dir /opt/k3s with the old layout: every K3s path follows it', async (t) => {
  const r = render({ k3s_data_dir: '/opt/k3s', k3s_cni_layout: 'current', cni_plugins_image: `x/plugins:v1@sha256:${'0'.repeat(64)}` });
  validateAll(t, r.objs);
  t.notMatch(r.yaml, /\/var\/lib\/rancher/);
  t.equal(r.hostPathOf('cnibin'), '/opt/k3s/data/current/bin');
  t.equal(r.hostPathOf('k3s-data'), '/opt/k3s/data');
  t.equal(r.hostPathOf('cni'), '/opt/k3s/agent/etc/cni/net.d');
  const daemon = r.container('kube-multus');
  t.equal(r.mountOf(daemon, 'cnibin')!.mountPath, '/opt/k3s/data/current/bin');
  t.equal(r.mountOf(daemon, 'k3s-data')!.mountPath, '/opt/k3s/data');
  t.equal(r.daemonConfig.binDir, '/opt/k3s/data/current/bin');
  t.equal(r.warnings.length, 1);
  t.match(r.warnings[0], /after each K3s upgrade/);
  // The only hostPaths not under the data dir are K3s-independent ones upstream uses.
  const elsewhere = [...r.volumes.values()]
    .filter((v) => v.hostPath && !v.hostPath.path.startsWith('/opt/k3s/'))
    .map((v) => v.hostPath.path)
    .sort();
  t.same(elsewhere, ['/', '/etc/cni/multus/net.d', '/run', '/run/k8s.cni.cncf.io', '/run/netns/', '/var/lib/cni/multus', '/var/lib/kubelet']);
});

t.test('install-multus-binary: upstream installer into the K3s bin dir', async (t) => {
  const r = render();
  const init = r.container('install-multus-binary');
  t.same(init.command, ['/usr/src/multus-cni/bin/install_multus', '-d', '/host/opt/cni/bin', '-t', 'thick']);
  t.equal(r.mountOf(init, 'cnibin')!.mountPath, '/host/opt/cni/bin');
  t.same(init.volumeMounts.map((m: Obj) => m.name), ['cnibin']);
});

t.test('extra plugin installer: pinned image, only the listed names, never the K3s data dir', async (t) => {
  const r = render({ extra_cni_plugins: ['ipvlan', 'macvlan'] });
  const init = r.container('install-extra-cni-plugins');
  t.equal(init.image, 'docker.io/rancher/hardened-cni-plugins:v1.9.1-build20260819');
  t.same(init.command.slice(0, 2), ['/bin/sh', '-c']);
  t.notMatch(init.command[2], /install-cnis/);
  const env = Object.fromEntries(init.env.map((e: Obj) => [e.name, e.value]));
  t.equal(env.EXTRA_CNI_PLUGINS, 'ipvlan macvlan');
  for (const owned of K3S_OWNED_PLUGINS) t.notOk(env.EXTRA_CNI_PLUGINS.split(' ').includes(owned), owned);
  t.same(env.K3S_OWNED_PLUGINS.split(' ').sort(), [...K3S_OWNED_PLUGINS].sort());
  t.same(init.volumeMounts.map((m: Obj) => m.name), ['cnibin'], 'mounts only the bin dir');
  t.notOk(init.volumeMounts.some((m: Obj) => m.mountPath.startsWith('/var/lib/rancher')));
  t.equal(r.pod.initContainers.map((c: Obj) => c.name).join(','), 'install-multus-binary,install-extra-cni-plugins');
});

t.test('a K3s-owned plugin name never reaches the manifest', async (t) => {
  t.throws(() => renderMultusManifest({ extra_cni_plugins: ['host-local'] }), ValidationError);
  t.throws(() => renderMultusManifest({ extra_cni_plugins: ['ipvlan', 'bridge'] }), ValidationError);
});
