/**
 * `provision install` where the layout matters: a fleet whose nodes mix K3s bin-dir layouts
 * gets one DaemonSet per layout, each on its own nodes; a layout no node has any more loses
 * its DaemonSet on the next install; and `--tags apply` alone still finds the layout it
 * renders the manifest for.
 */
import t from 'tap';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';
import { bundleHash, DEFAULT_K3S_VERSION, OLD_K3S_VERSION } from './k3s-standin.ts';
import { REPO_ROOT, runInProcess } from '../helpers/run-provision.ts';
import { driftJson } from '../helpers/drift-lab.ts';
import type { KubeObject } from './kube-api/types.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const install = join(REPO_ROOT, 'playbooks/install.yaml');
const DATA = '/var/lib/rancher/k3s';
const MANAGED = 'app.kubernetes.io/managed-by';

t.test('a fleet mixing the data/current and data/cni layouts gets a DaemonSet per layout', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  // node1, the first host, still runs a K3s without data/cni; node2 has the stable bin dir.
  const cluster = await startCluster({ nodes: 2, perNode: { node1: { k3sVersion: OLD_K3S_VERSION } }, podStartDelayMs: 50 });
  t.teardown(() => cluster.stop());
  const daemonsets = () => cluster.api.store.list('apps/v1', 'DaemonSet', { namespace: 'kube-system' }).filter((d: KubeObject) => d.metadata.labels?.[MANAGED] === 'provision');
  const configmaps = () => cluster.api.store.list('v1', 'ConfigMap', { namespace: 'kube-system' }).filter((d: KubeObject) => d.metadata.labels?.[MANAGED] === 'provision');

  await t.test('install applies two DaemonSets, waits for both and verifies both nodes', async (t) => {
    const run = await runInProcess(cluster.inventoryFile, install, { extraVars: { multus_wait_timeout: 60 } });
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    const names = daemonsets().map((d) => d.metadata.name).sort();
    t.equal(names.length, 2);
    t.equal(names[0], 'kube-multus-ds', "node1's layout (the first host's) keeps upstream's name");
    t.match(names[1], /^kube-multus-ds-[0-9a-f]{10}$/);
    t.equal(configmaps().filter((c) => c.metadata.name?.startsWith('multus-daemon-config')).length, 2, 'a daemon config each');
    for (const node of ['node1', 'node2']) t.equal(run.statuses[node]?.['Verify Multus on the node'], 'ok', `${node} verified`);
    const wait = run.events.find((e) => e.type === 'host_result' && e.task === 'Wait for Multus on every node');
    t.match(wait && 'result' in wait ? wait.result.msg : '', /kube-multus-ds ready 1\/1, kube-multus-ds-[0-9a-f]{10} ready 1\/1/, 'waited for both');
    t.ok(statSync(cluster.lab.hostPath('node1', `${DATA}/data/${bundleHash(OLD_K3S_VERSION)}/bin/multus-shim`)).isFile(), 'node1: multus-shim in data/current/bin');
    t.ok(statSync(cluster.lab.hostPath('node2', `${DATA}/data/cni/multus-shim`)).isFile(), 'node2: multus-shim in data/cni');
  });

  await t.test('drift sees both DaemonSets and reports no drift', async (t) => {
    const { cli, doc } = await driftJson(cluster.inventoryFile);
    t.equal(cli.code, 0, JSON.stringify(doc.items));
    t.same(doc.items, [], 'each node judged against the DaemonSet pinned to it');
    t.equal(doc.cluster.checked, true);

  });

  await t.test('after node1 moved to data/cni, the next install removes the DaemonSet of the layout gone', async (t) => {
    cluster.upgradeK3s('node1', DEFAULT_K3S_VERSION);
    const before = daemonsets().map((d) => d.metadata.name);
    const run = await runInProcess(cluster.inventoryFile, install, { extraVars: { multus_wait_timeout: 60 } });
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    t.equal(run.statuses.node1?.['Remove Multus DaemonSets of layouts no node has any more'], 'changed');
    t.same(daemonsets().map((d) => d.metadata.name), ['kube-multus-ds'], `left of ${before.join(', ')}: one DaemonSet for the one layout`);
    t.same(configmaps().filter((c) => c.metadata.name?.startsWith('multus-daemon-config')).map((c) => c.metadata.name), ['multus-daemon-config']);
    for (const node of ['node1', 'node2']) t.equal(run.statuses[node]?.['Verify Multus on the node'], 'ok', `${node} verified`);
  });
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
