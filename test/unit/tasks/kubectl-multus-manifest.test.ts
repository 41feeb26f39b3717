/**
 * multus_manifest (the module that renders the manifest kubectl_apply sends) and
 * `provision manifest`, which prints the same rendering for an inventory.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { renderMultusManifest } from '../../../tasks/multus/render.ts';
import { manifestHost } from '../../../src/cli/manifest.ts';
import { parseInventory } from '../../../src/inventory/load.ts';
import { multusManifest, pickMultusVars } from '../../../tasks/multus/multus-manifest.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';
import { runCli } from '../../helpers/run-provision.ts';

const daemonConfigOf = (yaml: string): Record<string, unknown> => {
  const cm = parseAllDocuments(yaml).map((d) => d.toJS()).find((o) => o?.kind === 'ConfigMap');
  return JSON.parse(cm.data['daemon-config.json']);
};

const PINNED_PLUGINS = `docker.io/rancher/hardened-cni-plugins:v1.9.1-build20260819@sha256:${'0'.repeat(64)}`;

t.test('renders from the host vars, arguments winning, into facts', async (t) => {
  const ctx = createTestHostContext({ vars: { k3s_data_dir: '/srv/k3s', multus_log_level: 'debug', unrelated: '{{ undefined_var }}', cni_plugins_image: PINNED_PLUGINS } });
  const res = await multusManifest.run({ multus_log_level: 'error' }, ctx);
  t.match(res, { failed: false, changed: false, msg: 'rendered the Multus manifest (ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick, CNI bin dir /srv/k3s/data/cni)' });
  const yaml = res.facts?.multus_manifest as string;
  t.equal(yaml, renderMultusManifest({ k3s_data_dir: '/srv/k3s', multus_log_level: 'error', cni_plugins_image: PINNED_PLUGINS }).yaml, 'the same rendering as render.ts');
  t.match(daemonConfigOf(yaml), { binDir: '/srv/k3s/data/cni', logLevel: 'error' });
  t.match(res.facts?.multus_paths, { cniBinDir: '/srv/k3s/data/cni', cniConfDir: '/srv/k3s/agent/etc/cni/net.d', multusConf: '/srv/k3s/agent/etc/cni/net.d/00-multus.conf', socketPath: '/run/multus/multus.sock' });
  t.same(ctx.warnings, []);
  t.same(ctx.commands, [], 'no host command');
});

t.test('warnings go through ctx.warn; invalid vars fail listing every one', async (t) => {
  const ctx = createTestHostContext({ vars: { k3s_cni_layout: 'current', cni_plugins_image: PINNED_PLUGINS } });
  const res = await multusManifest.run({}, ctx);
  t.equal(res.failed, false);
  t.equal(ctx.warnings.length, 1);
  t.match(ctx.warnings[0], /data\/current.*upgrade/);
  const bad = await multusManifest.run({ multus_version: 'snapshot-thick', extra_cni_plugins: ['host-local'] }, createTestHostContext({ vars: { k3s_data_dir: 'relative' } }));
  t.match(bad, { failed: true, msg: /multus_version .*floating.*; k3s_data_dir must be an absolute path.*; extra_cni_plugins must not contain "host-local"/ });
  t.notOk(bad.facts, 'no facts on failure');
});

t.test('pickMultusVars reads only the manifest variables', async (t) => {
  const touched: string[] = [];
  const vars = new Proxy({ k3s_data_dir: '/a', ansible_host: 'x' }, { get: (o, k) => (touched.push(String(k)), (o as Record<string, unknown>)[String(k)]) });
  t.same(pickMultusVars(vars, { extra_cni_plugins: ['macvlan'] }), { k3s_data_dir: '/a', extra_cni_plugins: ['macvlan'] });
  t.notOk(touched.includes('ansible_host'));
});

const INVENTORY = {
  all: {
    vars: { k3s_data_dir: '/var/lib/rancher/k3s', base: '/opt/k3s' },
    children: {
      k3s_cluster: {
        children: {
          agent: { hosts: { agent1: { ansible_host: '10.0.0.2' } } },
          server: { hosts: { server1: { ansible_host: '10.0.0.1', k3s_data_dir: '{{ base }}/server' } } },
        },
      },
    },
  },
};

t.test('whose variables: --limit, else the first server, else the first host', async (t) => {
  const inv = parseInventory(stringify(INVENTORY), 'inv.yaml');
  t.equal(manifestHost(inv)?.name, 'server1');
  t.equal(manifestHost(inv, 'agent*')?.name, 'agent1');
  t.throws(() => manifestHost(inv, 'nope'), /matches no host/);
  const flat = parseInventory(stringify({ all: { hosts: { a: {}, b: {} } } }), 'flat.yaml');
  t.equal(manifestHost(flat)?.name, 'a');
});

t.test('provision manifest prints the rendering; warnings on stderr; exit 4 on invalid vars', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, stringify(INVENTORY));
  const run = await runCli(['manifest', '-i', file]);
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, renderMultusManifest({ k3s_data_dir: '/opt/k3s/server' }).yaml, 'the server’s (templated) data dir');
  t.match(run.stderr, /^warning: cni_plugins_image \S+ is pinned by tag only; [^\n]*\n$/, 'the one image without a known digest');

  const limited = await runCli(['manifest', '-i', file, '--limit', 'agent1', '-e', 'k3s_cni_layout=current']);
  t.equal(limited.code, 0);
  t.match(daemonConfigOf(limited.stdout), { binDir: '/var/lib/rancher/k3s/data/current/bin' });
  t.match(limited.stderr, /^warning: k3s_cni_layout 'current'/m);

  const invalid = await runCli(['manifest', '-i', file, '-e', 'multus_version=latest', '-e', 'multus_log_level=loud']);
  t.equal(invalid.code, 4);
  t.equal(invalid.stdout, '');
  t.match(invalid.stderr, /multus_version must be a pinned thick release tag/);
  t.match(invalid.stderr, /multus_log_level must be one of/);

  t.equal((await runCli(['manifest'])).code, 4, 'the inventory is required');
  const help = await runCli(['manifest', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /Usage: provision manifest \[-i INVENTORY\]/);
  t.match(help.stdout, /Examples:/);
  t.match((await runCli(['--help'])).stdout, /manifest -i INV\s+print the rendered Multus manifest/);
});

t.test('nodes of different K3s layouts get one DaemonSet and ConfigMap each, pinned to their nodes', async (t) => {
  const host = (data_dir: string, layout: string, node?: string) => ({ k3s: { data_dir, layout, bundle_dir: `${data_dir}/data`, flannel_cni_version: '1.0.0' }, ...(node ? { k8s_node_name: node } : {}) });
  const hostvars = {
    '10.0.0.1': host('/var/lib/rancher/k3s', 'cni', 'node1'),
    '10.0.0.2': host('/srv/k3s', 'cni', 'node2'),
    '10.0.0.3': host('/var/lib/rancher/k3s', 'cni', 'node3'),
    '10.0.0.4': host('/var/lib/rancher/k3s', 'current', 'node4'),
    '10.0.0.5': {},
  };
  const vars = { cni_plugins_image: PINNED_PLUGINS, hostvars };
  const hosts = Object.keys(hostvars);
  const res = await multusManifest.run({ k3s_nodes: hosts, cluster_nodes: ['node1', 'node2', 'node3', 'node4', 'node5'].map((name) => ({ metadata: { name } })) }, createTestHostContext({ vars }));
  t.equal(res.failed, false, res.msg);
  const docs = parseAllDocuments(res.facts?.multus_manifest as string).map((d) => d.toJS());
  const daemonsets = docs.filter((o) => o.kind === 'DaemonSet');
  const names = daemonsets.map((d) => d.metadata.name);
  t.equal(names[0], 'kube-multus-ds', 'the first host\'s layout keeps upstream\'s name');
  t.match(names.slice(1), [/^kube-multus-ds-[0-9a-f]{10}$/, /^kube-multus-ds-[0-9a-f]{10}$/]);
  t.equal(new Set(names).size, 3);
  t.same(res.facts?.multus_daemonsets, names);
  t.same(docs.filter((o) => o.kind === 'CustomResourceDefinition').length, 1, 'cluster-wide objects once');
  t.same(docs.filter((o) => o.kind === 'ClusterRole').length, 1);
  const pinned = daemonsets.map((d) => d.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values);
  t.same(pinned, [['node1', 'node3'], ['node2'], ['node4']]);
  for (const ds of daemonsets) {
    t.match(ds.metadata.labels, { app: 'multus', name: 'multus', 'app.kubernetes.io/managed-by': 'provision' }, `${ds.metadata.name}: labels`);
    const cmName = ds.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'multus-daemon-config').configMap.name;
    const cm = docs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === cmName);
    t.ok(cm, `${ds.metadata.name} mounts its own ConfigMap ${cmName}`);
    t.match(cm.metadata.labels, { app: 'multus', 'app.kubernetes.io/managed-by': 'provision' });
    const binDir = JSON.parse(cm.data['daemon-config.json']).binDir;
    t.equal(ds.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'cnibin').hostPath.path, binDir, `${ds.metadata.name}: the bin dir it mounts is its config's`);
    t.equal(ds.spec.template.metadata.annotations['provision/daemon-config-sha256'], createHash('sha256').update(cm.data['daemon-config.json'].replace(/\n$/, '')).digest('hex'), `${ds.metadata.name}: the checksum of its own config`);
  }
  t.same(
    daemonsets.map((d) => d.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'cnibin').hostPath.path),
    ['/var/lib/rancher/k3s/data/cni', '/srv/k3s/data/cni', '/var/lib/rancher/k3s/data/current/bin'],
  );
  t.match(res.msg, /kube-multus-ds on node1, node3: CNI bin dir \/var\/lib\/rancher\/k3s\/data\/cni; kube-multus-ds-[0-9a-f]{10} on node2: CNI bin dir \/srv\/k3s\/data\/cni/);

  const again = await multusManifest.run({ k3s_nodes: [...hosts].reverse().filter((h) => h !== '10.0.0.1' && h !== '10.0.0.3').reverse() }, createTestHostContext({ vars }));
  const secondNames = parseAllDocuments(again.facts?.multus_manifest as string).map((d) => d.toJS()).filter((o) => o.kind === 'DaemonSet').map((d) => d.metadata.name);
  t.same(secondNames, ['kube-multus-ds', names[2]], 'a layout keeps its suffix from run to run (the first group is always kube-multus-ds)');

  const uniform = await multusManifest.run({ k3s_nodes: ['10.0.0.1', '10.0.0.3', '10.0.0.5'] }, createTestHostContext({ vars }));
  t.same(uniform.facts?.multus_daemonsets, ['kube-multus-ds'], 'one layout: one DaemonSet, upstream\'s name');
  t.same(uniform.facts?.multus_configmaps, ['multus-daemon-config']);

  const unnamed = await multusManifest.run({ k3s_nodes: ['10.0.0.1', 'x'] }, createTestHostContext({ vars: { ...vars, hostvars: { ...hostvars, x: host('/srv/k3s', 'cni') } } }));
  t.match(unnamed, { failed: true, msg: /without the Kubernetes node names of x/ });
  const explicit = await multusManifest.run({ k3s_nodes: hosts, multus_node_names: ['node1'] }, createTestHostContext({ vars }));
  t.match(explicit, { failed: true, msg: /multus_node_names pins one DaemonSet, but these nodes have 3 K3s layouts/ });
});
