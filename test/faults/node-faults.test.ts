/**
 * Nodes whose file systems refuse the install, side by side in one 4-node lab cluster: on
 * node2 the backup dir is a full file system (a tmpfs with no inode left), on node3 the CNI
 * bin dir is mounted read-only, on node4 a K3s-owned plugin name (bridge) is a directory.
 * Each of them stops before anything on it changes, with a message that says why; node1 is
 * installed. Then the faults are taken away: a rerun converges and a rollback restores,
 * the invariants (invariants.ts) holding throughout.
 */
import t from 'tap';
import { labSupport } from '../lab/lab.ts';
import { startCluster } from '../lab/cluster.ts';
import { CNI_DIR } from '../lab/rollback-checks.ts';
import { snapshotTree } from '../helpers/tree-snapshot.ts';
import { runCli } from '../helpers/run-provision.ts';
import { watchInvariants } from './invariants.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const NODES = ['node1', 'node2', 'node3', 'node4'];
const BACKUPS = '/var/lib/provision/backups';

t.test('a full backup file system, a read-only bin dir, a K3s name that is a directory', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 4 });
  t.teardown(() => cluster.stop());
  const inNode = async (node: string, command: string) => {
    const r = await cluster.lab.exec(node, command);
    t.equal(r.exitCode, 0, `${node}: ${command}: ${r.stderr}`);
  };
  await inNode('node2', `mkdir -p ${BACKUPS} && mount -t tmpfs -o size=64k,nr_inodes=1 provision-full ${BACKUPS}`);
  await inNode('node3', `mount --bind ${CNI_DIR} ${CNI_DIR} && mount -o remount,bind,ro ${CNI_DIR}`);
  await inNode('node4', `rm ${CNI_DIR}/bridge && mkdir ${CNI_DIR}/bridge`);
  const inv = await watchInvariants(t, cluster, NODES);
  const trees = Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, await snapshotTree(cluster.lab.hostPath(n, '/var/lib/rancher'))])));
  const install = ['install', '-i', cluster.inventoryFile];

  await t.test('install: each faulty node stops before any change, saying why; node1 is installed', async (t) => {
    const cli = await runCli(install);
    t.equal(cli.code, 1, cli.stdout + cli.stderr);
    t.match(cli.stdout, /fatal: \[node2\][^\n]*No space left on device[^\n]*nothing on the node was changed/, 'node2: the full file system is named');
    t.match(cli.stdout, /fatal: \[node3\][^\n]*read-only[^\n]*/i, 'node3: the read-only bin dir is named');
    t.match(cli.stdout, /fatal: \[node4\][^\n]*bridge[^\n]*director/i, 'node4: the directory is named');
    t.match(cli.stdout, /node1\s+: ok=\d+\s+changed=[1-9]\d*\s+unreachable=0\s+failed=0/, 'node1 installed');
    const ds = cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds');
    t.match(JSON.stringify(ds?.spec), /node1/, 'the DaemonSet is pinned to node1');
    t.notMatch(JSON.stringify(ds?.spec), /node[234]/, 'and to none of the faulty nodes');
    await cluster.sim.idle();
    for (const node of ['node2', 'node3', 'node4']) {
      t.same(await snapshotTree(cluster.lab.hostPath(node, '/var/lib/rancher')), trees[node], `${node}: /var/lib/rancher unchanged`);
    }
    await inv.check(t, 'faulty nodes');
  });

  await t.test('the faults taken away: a rerun converges, a rollback restores', async (t) => {
    await inNode('node2', `umount ${BACKUPS}`);
    await inNode('node3', `umount ${CNI_DIR}`);
    await inNode('node4', `rmdir ${CNI_DIR}/bridge && ln -s "$(readlink ${CNI_DIR}/cni)" ${CNI_DIR}/bridge`);
    await inv.rerunConverges(t, install);
    await inv.rollbackRestores(t);
    const final = await inv.watcher.stop();
    t.same(final.failures, [], `host-local resolved at all ${final.checks} checks of the whole run`);
  });
});
