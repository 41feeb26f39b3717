/**
 * multus_manifest (the module that renders the manifest kubectl_apply sends) and
 * `provision manifest`, which prints the same rendering for an inventory.
 */
import t from 'tap';
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

t.test('nodes whose K3s layout differs from the rendered one fail the render', async (t) => {
  const k3s = (data_dir: string, layout: string) => ({ k3s: { data_dir, layout } });
  const hostvars = {
    node1: k3s('/var/lib/rancher/k3s', 'current'),
    node2: k3s('/var/lib/rancher/k3s', 'cni'),
    node3: k3s('/srv/k3s', 'current'),
    node4: {},
  };
  const vars = { k3s_data_dir: '/var/lib/rancher/k3s', k3s_cni_layout: 'current', hostvars };
  const res = await multusManifest.run({ k3s_nodes: ['node1', 'node2', 'node3', 'node4'] }, createTestHostContext({ vars }));
  t.equal(res.failed, true);
  t.match(res.msg, /rendered for data dir \/var\/lib\/rancher\/k3s, layout current, but node2 has data dir \/var\/lib\/rancher\/k3s, layout cni; node3 has data dir \/srv\/k3s, layout current/);
  t.notMatch(res.msg, /node1|node4/, 'matching nodes and nodes without facts are not named');
  t.equal(res.facts, undefined, 'no manifest to apply');

  const same = await multusManifest.run({ k3s_nodes: ['node1', 'node4'] }, createTestHostContext({ vars }));
  t.equal(same.failed, false, same.msg);
  t.type(same.facts?.multus_manifest, 'string');
});
