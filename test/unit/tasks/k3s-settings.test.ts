/**
 * K3s's settings as K3s itself resolves them (docs/k3s-multus.md §1–§2), from recorded
 * sources: command line over config files over the environment; a unit's ExecStart when no
 * k3s runs; the node name lower-cased; and the cluster-node cross-check.
 */
import t from 'tap';
import { execStartArgv, flagValue, resolveK3sSettings, type K3sSources } from '../../../tasks/k3s/settings.ts';
import { matchClusterNode } from '../../../tasks/k3s/k3s-node-name.ts';
import { smokeRange } from '../../../tasks/multus/multus-smoke.ts';

const none: K3sSources = { processes: [], units: [], configs: [], hostname: 'Worker-1', connectedAddress: '10.0.0.5' };

t.test('the command line wins over config files, which win over the environment', async (t) => {
  const src: K3sSources = {
    ...none,
    processes: [{ pid: 42, argv: ['/usr/local/bin/k3s', 'agent', '--data-dir=/cli', '--node-name', 'Edge-7'], env: { K3S_DATA_DIR: '/env' } }],
    configs: [
      { path: '/etc/rancher/k3s/config.yaml', text: 'data-dir: /config\n' },
      { path: '/etc/rancher/k3s/config.yaml.d/20-b.yaml', text: 'node-name: from-config\n' },
    ],
  };
  const s = resolveK3sSettings(src);
  t.equal(s.data_dir, '/cli');
  t.equal(s.data_dir_source, '--data-dir in the command line of k3s (pid 42)');
  t.equal(s.node_name, 'edge-7', 'lower-cased as K3s does');
  const noFlag = resolveK3sSettings({ ...src, processes: [{ ...src.processes[0], argv: ['/usr/local/bin/k3s', 'agent'] }] });
  t.equal(noFlag.data_dir, '/config');
  t.equal(noFlag.node_name, 'from-config');
  const onlyEnv = resolveK3sSettings({ ...src, configs: [], processes: [{ ...src.processes[0], argv: ['k3s', 'agent'] }] });
  t.equal(onlyEnv.data_dir, '/env');
  t.match(onlyEnv.data_dir_source, /K3S_DATA_DIR in the environment of k3s/);
});

t.test('without a running k3s the unit is read; then k3s_server_location; then the default', async (t) => {
  const unit = "[Service]\nExecStart=/usr/local/bin/k3s \\\n    server \\\n\t'--data-dir' \\\n\t'/srv/k3s' \\\n";
  t.same(execStartArgv(unit), ['/usr/local/bin/k3s', 'server', '--data-dir', '/srv/k3s']);
  t.equal(resolveK3sSettings({ ...none, units: [{ path: '/etc/systemd/system/k3s.service', text: unit }] }).data_dir, '/srv/k3s');
  const loc = resolveK3sSettings(none, '/mnt/k3s');
  t.same([loc.data_dir, loc.data_dir_source, loc.node_name, loc.node_name_source], ['/mnt/k3s', 'k3s_server_location (inventory)', 'worker-1', 'hostname']);
  t.equal(resolveK3sSettings(none).data_dir, '/var/lib/rancher/k3s');
  t.equal(flagValue(['k3s', 'server', '-d', '/a', '--data-dir', '/b'], 'data-dir', 'd'), '/b', 'the last one wins');
  t.equal(flagValue(['k3s', '--data-dir', '/x'], 'data-dir'), undefined, 'flags before the subcommand are not its');
});

t.test('the node is found by name, else by the InternalIP connected to; nothing matching is refused', async (t) => {
  const node = (name: string, ip: string) => ({ metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: ip }] } });
  const nodes = [node('worker-1', '10.0.0.5'), node('worker-2', '10.0.0.6')];
  t.same(matchClusterNode({ nodes, facts: { node_name: 'worker-1', connected_address: '10.0.0.5' } }), { ok: true, name: 'worker-1' });
  t.match(matchClusterNode({ nodes, facts: { node_name: 'renamed', connected_address: '10.0.0.6' } }), { ok: true, name: 'worker-2', warning: /not a cluster node/ });
  t.match(matchClusterNode({ nodes, facts: { node_name: 'worker-1', connected_address: '10.0.0.6' } }), { ok: false, problem: /disagree/ });
  t.match(matchClusterNode({ nodes, facts: { node_name: 'ghost', node_name_source: 'hostname', connected_address: '10.9.9.9' } }), {
    ok: false,
    problem: /no cluster node is named "ghost".*cluster nodes: worker-1 \(10\.0\.0\.5\); worker-2 \(10\.0\.0\.6\)/,
  });
});

t.test('each node gets its own block of the smoke subnet', async (t) => {
  t.same(smokeRange('192.168.250.0/24', 0, 3), { subnet: '192.168.250.0/24', rangeStart: '192.168.250.1', rangeEnd: '192.168.250.62' });
  t.same(smokeRange('192.168.250.0/24', 2, 3), { subnet: '192.168.250.0/24', rangeStart: '192.168.250.129', rangeEnd: '192.168.250.190' });
  t.throws(() => smokeRange('192.168.250.0/29', 0, 4), /too small for 4 nodes/);
  t.throws(() => smokeRange('fd00::/64', 0, 1), /IPv4 CIDR/);
});
