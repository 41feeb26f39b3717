/**
 * `provision install` where the layout matters: a fleet whose nodes mix K3s bin-dir layouts
 * cannot share one DaemonSet and is refused before anything is applied; and `--tags apply`
 * alone still finds the layout it renders the manifest for.
 */
import t from 'tap';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';
import { bundleHash, OLD_K3S_VERSION } from './k3s-standin.ts';
import { REPO_ROOT, runInProcess } from '../helpers/run-provision.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const install = join(REPO_ROOT, 'playbooks/install.yaml');
const DATA = '/var/lib/rancher/k3s';

t.test('a fleet mixing the data/current and data/cni layouts is refused before any apply', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  // node1, the first host, still runs a K3s without data/cni; node2 has the stable bin dir.
  const cluster = await startCluster({ nodes: 2, perNode: { node1: { k3sVersion: OLD_K3S_VERSION } }, podStartDelayMs: 50 });
  t.teardown(() => cluster.stop());
  const run = await runInProcess(cluster.inventoryFile, install, { extraVars: { multus_wait_timeout: 5 } });
  t.equal(run.summary.exitCode, 1);
  t.same(Object.keys(run.summary.failures).sort(), ['node1', 'node2'], 'the whole fleet stops');
  t.match(run.summary.failures.node1, /Render the Multus manifest: .*layout current, but node2 has data dir \/var\/lib\/rancher\/k3s, layout cni/);
  t.equal(cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds'), undefined, 'no DaemonSet applied');
  for (const dir of [`${DATA}/data/cni`, `${DATA}/data/current/bin`]) {
    t.throws(() => lstatSync(cluster.lab.hostPath('node2', `${dir}/multus-shim`)), { code: 'ENOENT' }, `node2: no multus-shim in ${dir}`);
  }
  t.throws(() => lstatSync(cluster.lab.hostPath('node1', `${DATA}/data/${bundleHash(OLD_K3S_VERSION)}/bin/multus-shim`)), { code: 'ENOENT' });
});

t.test('--tags apply alone renders and applies the manifest', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 2, podStartDelayMs: 50 });
  t.teardown(() => cluster.stop());
  const run = await runInProcess(cluster.inventoryFile, install, { tags: ['apply'], extraVars: { multus_wait_timeout: 30 } });
  t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
  t.equal(run.statuses.node1?.['Apply the Multus manifest'], 'changed');
  t.equal(run.statuses.node1?.["Back up K3s's CNI entries"], undefined, 'backup not run');
  t.ok(cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds'), 'DaemonSet applied');
});
