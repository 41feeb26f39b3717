/**
 * install on K3s nodes set up the way real ones are (docs/k3s-multus.md §1–§2): a
 * k3s-ansible inventory that names hosts by IP while the Kubernetes nodes are named by
 * hostname; a data dir given only on K3s's command line (older k3s-ansible's ExecStart);
 * and /var/lib/rancher/k3s as a symlink to the real location (current k3s-ansible's
 * `k3s_server_location`), whose bin-dir links K3s spells through the symlink.
 */
import t from 'tap';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';
import { REPO_ROOT, runCli, runInProcess } from '../helpers/run-provision.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const install = join(REPO_ROOT, 'playbooks/install.yaml');
const smoke = join(REPO_ROOT, 'playbooks/smoke.yaml');

t.test('hosts named by IP, a data dir only on the command line, a node outside the inventory', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const ALT = '/var/lib/rancher/k3s-alt';
  const onCommandLine = { dataDir: ALT, dataDirIn: 'command-line' as const };
  // node3 is a cluster node the inventory does not list.
  const cluster = await startCluster({
    nodes: 3,
    perNode: { node1: onCommandLine, node2: onCommandLine, node3: onCommandLine },
    inventory: { hostsByAddress: true, dataDirVar: false, leaveOut: ['node3'] },
  });
  t.teardown(() => cluster.stop());
  const [ip1, ip2] = cluster.lab.nodes.map((n) => n.address);

  await t.test('install finds the data dir on K3s\'s command line and verifies every node', async (t) => {
    const run = await runInProcess(cluster.inventoryFile, install);
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    for (const [ip, node] of [[ip1, 'node1'], [ip2, 'node2']]) {
      t.equal(run.statuses[ip]?.['Verify Multus on the node'], 'ok', `${ip} verified`);
      const shim = statSync(cluster.lab.hostPath(node, `${ALT}/data/cni/multus-shim`));
      t.ok(shim.isFile(), `${node}: multus-shim in ${ALT}/data/cni`);
      t.notOk(existsSync(cluster.lab.hostPath(node, '/var/lib/rancher/k3s')), `${node}: nothing written to the default data dir`);
      const found = run.events.find((e) => e.type === 'host_result' && e.host === ip && e.task === 'Find the Kubernetes node');
      t.match(found && 'result' in found ? found.result.msg : '', `Kubernetes node ${node}`, `${ip} is Kubernetes node ${node} (its hostname)`);
    }
    t.equal(cluster.sim.multusPod('node3'), undefined, 'node3, not in the inventory, got no Multus pod');
    t.equal(existsSync(cluster.lab.hostPath('node3', `${ALT}/data/cni/multus-shim`)), false, 'node3: nothing installed');
    const warnings = run.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    t.match(warnings.join('\n'), /cluster nodes outside this run get no Multus pod .*: node3/, 'node3 is named');
  });

  await t.test('the smoke test pins each pod to the node K3s registered, not to the IP', async (t) => {
    const run = await runInProcess(cluster.inventoryFile, smoke);
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    for (const ip of [ip1, ip2]) t.equal(run.statuses[ip]?.['Attach an ipvlan network to a pod on this node'], 'ok', `${ip}: net1 attached`);
    const addresses = [ip1, ip2].map((ip) => {
      const e = run.events.find((ev) => ev.type === 'host_result' && ev.host === ip && ev.task === 'Attach an ipvlan network to a pod on this node');
      return e && 'result' in e ? String((e.result.data as { ip?: string } | undefined)?.ip) : '';
    });
    // host-local keeps state per node: each node draws from its own block of the subnet.
    t.same(addresses, ['192.168.250.2', '192.168.250.129'], 'node1 from .0/25 (.1 is the gateway), node2 from .128/25');
  });

  await t.test('the smoke test refuses a master that is not an Ethernet device', async (t) => {
    const run = await runInProcess(cluster.inventoryFile, smoke, { extraVars: { ipvlan_master: 'lo' } });
    t.not(run.summary.exitCode, 0);
    t.match(JSON.stringify(run.summary.failures), /lo on 10\.[0-9.]+ is not an Ethernet device \(link type 772\): ipvlan needs one/);
    t.notOk(run.statuses[ip1]?.['Attach an ipvlan network to a pod on this node'], 'no pod was created');
  });

  await t.test("a node whose architecture the pinned images lack is refused before the apply", async (t) => {
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    const run = await runInProcess(cluster.inventoryFile, install, { extraVars: { multus_image_architectures: ['s390x'] } });
    t.not(run.summary.exitCode, 0);
    t.equal(run.statuses[ip1]?.["The pinned images exist for this node's architecture"], 'failed');
    t.match(JSON.stringify(run.summary.failures), `is ${arch}: the Multus image is published for s390x`);
    t.notOk(run.statuses[ip1]?.['Apply the Multus manifest'], 'nothing applied');
  });

  await t.test('a host that is no cluster node is refused by name, before any change', async (t) => {
    cluster.api.store.delete('v1', 'Node', undefined, 'node2');
    const cli = await runCli(['install', '-i', cluster.inventoryFile, '--tags', 'preflight']);
    t.not(cli.code, 0);
    t.match(cli.stdout, new RegExp(`no cluster node is named "node2" \\(K3s's node name, from hostname\\) or has an InternalIP of ${ip2.replace(/\./g, '\\.')}`));
    t.match(cli.stdout, /cluster nodes: node1 \(/);
  });
});

t.test('/var/lib/rancher/k3s is a symlink to the real data dir', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const REAL = '/var/lib/rancher/disk2/k3s';
  const linked = { symlinkedTo: REAL };
  // The operator points the tool at the real location (k3s-ansible's k3s_server_location).
  const cluster = await startCluster({ nodes: 2, perNode: { node1: linked, node2: linked }, inventory: { vars: { k3s_data_dir: REAL } } });
  t.teardown(() => cluster.stop());

  const run = await runInProcess(cluster.inventoryFile, install);
  t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
  const ds = cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds');
  const volumes = (ds?.spec as { template: { spec: { volumes: Array<{ name: string; hostPath?: { path: string } }> } } }).template.spec.volumes;
  t.equal(volumes.find((v) => v.name === 'k3s-data')?.hostPath?.path, '/var/lib/rancher/k3s/data', "the bundle dir as K3s's links spell it");
  const smokeRun = await runInProcess(cluster.inventoryFile, smoke);
  t.equal(smokeRun.summary.exitCode, 0, JSON.stringify(smokeRun.summary.failures));
  for (const node of ['node1', 'node2']) {
    t.equal(smokeRun.statuses[node]?.['Attach an ipvlan network to a pod on this node'], 'ok', `${node}: the daemon finds flannel through the links`);
  }
});
