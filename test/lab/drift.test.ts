/**
 * `provision drift` on one simulated 3-node cluster: every drift kind is made on node2 and
 * seen as the right item, exit code, JSON and textfile line while node1 and node3 stay in
 * sync; --fix repairs each fixable kind and the next run exits 0 and prints nothing with
 * --quiet; a K3s upgrade is found and fixed; each host gets one command (node1 one more,
 * the kubectl read); two runs at once give exactly one exit 5.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify, parse } from 'yaml';
import { labSupport } from './lab.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { bundleHash, DEFAULT_K3S_VERSION } from './k3s-standin.ts';
import { REPO_ROOT, runCli, runInProcess } from '../helpers/run-provision.ts';
import { driftJson, provisionInProcess, textfile } from '../helpers/drift-lab.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const DATA = '/var/lib/rancher/k3s';
const CNI = `${DATA}/data/cni`;
const NETD = `${DATA}/agent/etc/cni/net.d`;
const CONF = `${NETD}/00-multus.conf`;
const bundleCni = (version: string) => `${DATA}/data/${bundleHash(version)}/bin/cni`;

async function sh(cluster: Cluster, node: string, command: string): Promise<string> {
  const r = await cluster.lab.exec(node, command);
  if (r.exitCode !== 0) throw new Error(`${node}: ${command}: exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

/** The daemon on a node dies as under the OOM killer: no SIGTERM clean-up (file and socket stay). */
async function killDaemon(cluster: Cluster, node: string): Promise<void> {
  const daemon = cluster.sim.multusPod(node)?.daemon;
  if (!daemon) throw new Error(`no daemon runs on ${node}`);
  await daemon.stop('SIGKILL');
}

t.test('drift on a 3-node cluster', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3, podStartDelayMs: 50 });
  t.teardown(() => cluster.stop());
  const inv = cluster.inventoryFile;
  const prom = mkdtempSync(join(tmpdir(), 'provision-drift-prom-'));

  await t.test('before install every host is not_installed: drift, exit 2', async (t) => {
    const { cli, doc } = await driftJson(inv);
    t.equal(cli.code, 2, cli.stderr);
    t.same(doc.items.map((i) => [i.host, i.kind]), [['node1', 'not_installed'], ['node2', 'not_installed'], ['node3', 'not_installed']]);
    t.same(doc.cluster.extra_nodes, [], 'the inventory nodes are known even before install');
  });

  await t.test('after install: in sync, exit 0, --quiet prints nothing', async (t) => {
    const run = await runInProcess(inv, join(REPO_ROOT, 'playbooks/install.yaml'));
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    const quiet = await runCli(['drift', '-i', inv, '--quiet']);
    t.equal(quiet.code, 0, quiet.stderr);
    t.equal(quiet.stdout, '', 'nothing printed');
    t.equal(quiet.stderr, '');
    const ds = cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds');
    t.equal(ds?.metadata.labels?.['app.kubernetes.io/managed-by'], 'provision', 'the DaemonSet carries the managed-by label');
  });

  await t.test('the human report: a path tree per node, then the items', async (t) => {
    await sh(cluster, 'node2', `cp ${bundleCni(DEFAULT_K3S_VERSION)} ${CNI}/.hl && mv -f ${CNI}/.hl ${CNI}/host-local`);
    const cli = await runCli(['drift', '-i', inv]);
    t.equal(cli.code, 2, cli.stderr);
    t.match(cli.stdout, /^node1: in sync\n  \/var\/lib\/rancher\/k3s\/data\/cni\/\n    host-local +unchanged\n/);
    t.match(cli.stdout, /node2: 1 drift item\n  \/var\/lib\/rancher\/k3s\/data\/cni\/\n    host-local +overwritten  regular file sha256 [0-9a-f]{64} mode 0755\n    cni +unchanged\n/);
    t.match(cli.stdout, /    multus-shim +new\n/);
    t.match(cli.stdout, /  \/var\/lib\/provision\/\n    state\.json +new\n/);
    t.match(cli.stdout, /1 drift item on 1 of 3 hosts:\n  node2  k3s_link_replaced  error  \/var\/lib\/rancher\/k3s\/data\/cni\/host-local\n      expected: symlink to \/var\/lib\/rancher\/k3s\/data\/[0-9a-f]+\/bin\/cni\n      found:    host-local: regular file/);
    t.match(cli.stdout, /drift: 3 hosts, 1 drifted, 0 unreachable, 0 not checked \(exit 2\)\n$/);
    const fixed = await runCli(['drift', '-i', inv, '--fix']);
    t.equal(fixed.code, 0, fixed.stdout);
    t.match(fixed.stdout, /^fix: ran relink on node2\n/);
  });

  interface Scenario {
    name: string;
    make(): Promise<void>;
    /** kind → severity of the items node2 must show (only these). */
    items: Record<string, string>;
    /** --fix leaves these kinds (undefined: repairs everything). */
    remains?: string[];
    /** Puts things back when --fix cannot. */
    undo?(): Promise<void>;
  }
  const multicall = bundleCni(DEFAULT_K3S_VERSION);
  const scenarios: Scenario[] = [
    {
      name: 'host-local replaced by a regular file',
      make: () => sh(cluster, 'node2', `cp ${multicall} ${CNI}/.hl && mv -f ${CNI}/.hl ${CNI}/host-local`).then(() => {}),
      items: { k3s_link_replaced: 'error' },
    },
    {
      name: 'multus-shim missing',
      make: () => sh(cluster, 'node2', `rm ${CNI}/multus-shim`).then(() => {}),
      items: { plugin_missing: 'error' },
    },
    {
      name: 'ipvlan not executable',
      make: () => sh(cluster, 'node2', `chmod a-x ${CNI}/ipvlan`).then(() => {}),
      items: { plugin_not_executable: 'error' },
    },
    {
      name: '00-multus.conf edited to another type',
      make: () => sh(cluster, 'node2', `printf '{"type":"flannel","clusterNetwork":"x"}' > ${CONF}`).then(() => {}),
      items: { conf_wrong: 'error' },
    },
    {
      name: '00-multus.conf removed while the daemon runs',
      make: () => sh(cluster, 'node2', `rm ${CONF}`).then(() => {}),
      items: { conf_missing: 'error' },
    },
    {
      name: 'the daemon killed: 00-multus.conf stale',
      make: () => killDaemon(cluster, 'node2'),
      items: { conf_stale: 'critical' },
    },
    {
      name: 'the daemon killed and its conf removed: the socket does not answer',
      make: async () => {
        await killDaemon(cluster, 'node2');
        await sh(cluster, 'node2', `rm ${CONF}`);
      },
      items: { conf_missing: 'error', not_ready: 'error' },
    },
    {
      name: 'the daemon gone with its conf and socket',
      make: async () => {
        await killDaemon(cluster, 'node2');
        await sh(cluster, 'node2', `rm ${CONF} /run/multus/multus.sock`);
      },
      items: { conf_missing: 'error', socket_missing: 'error' },
    },
    {
      name: 'the Flannel conflist rewritten',
      make: () => sh(cluster, 'node2', `printf ' ' >> ${NETD}/10-flannel.conflist`).then(() => {}),
      items: { flannel_conf_changed: 'warning' },
    },
    {
      name: 'a K3s upgrade on node2',
      make: async () => void cluster.upgradeK3s('node2', 'v1.31.3+k3s1'),
      items: { multicall_unrecorded: 'warning', flannel_conf_changed: 'warning' },
    },
    {
      name: 'host-local left pointing into the previous K3s bundle',
      make: () => sh(cluster, 'node2', `ln -s ${bundleCni(DEFAULT_K3S_VERSION)} ${CNI}/.hl && mv -f -T ${CNI}/.hl ${CNI}/host-local`).then(() => {}),
      items: { k3s_link_stale: 'error' },
    },
    {
      name: 'something wrote through a link onto the multicall binary',
      make: () => sh(cluster, 'node2', `cp ${bundleCni('v1.31.3+k3s1')} /root/cni.orig && echo '# changed' >> ${CNI}/bridge`).then(() => {}),
      items: { multicall_changed: 'critical' },
      remains: ['multicall_changed'],
      undo: () => sh(cluster, 'node2', `cat /root/cni.orig > ${bundleCni('v1.31.3+k3s1')}`).then(() => {}),
    },
    {
      name: 'a pod that never gets ready',
      make: async () => {
        cluster.setKnob('node2', 'neverReady', true);
        const pod = cluster.sim.multusPod('node2');
        if (!pod) throw new Error('no Multus pod runs on node2');
        await sh(cluster, 'node1', 'k3s kubectl -n kube-system delete pod -l app.kubernetes.io/managed-by=provision --field-selector spec.nodeName=node2');
        await cluster.sim.idle();
      },
      items: { conf_missing: 'error', socket_missing: 'error', daemonset_not_ready: 'error' },
      remains: ['conf_missing', 'socket_missing', 'daemonset_not_ready'],
      undo: async () => void cluster.setKnob('node2', 'neverReady', false),
    },
  ];

  for (const s of scenarios) {
    await t.test(s.name, async (t) => {
      await s.make();
      await cluster.sim.idle();
      const { cli, doc } = await driftJson(inv, ['--textfile', prom]);
      t.equal(cli.code, 2, `drift exits 2: ${cli.stderr}`);
      t.equal(doc.exit_code, 2);
      const node2 = doc.items.filter((i) => i.host === 'node2');
      t.same(Object.fromEntries(node2.map((i) => [i.kind, i.severity])), s.items, 'node2 shows exactly these kinds');
      t.same(doc.items.filter((i) => i.host !== 'node2'), [], 'node1 and node3 are in sync');
      for (const i of node2) t.ok(i.expected && i.found, `${i.kind} says what was expected and found`);
      const metrics = textfile(prom);
      for (const [kind, severity] of Object.entries(s.items)) {
        t.match(metrics, new RegExp(`^provision_multus_drift_items\\{host="node2",kind="${kind}",severity="${severity}"\\} \\d+$`, 'm'), `textfile line for ${kind}`);
      }
      t.match(metrics, /^provision_multus_host_in_sync\{host="node1"\} 1$/m);
      t.match(metrics, /^provision_multus_host_in_sync\{host="node2"\} 0$/m);

      // A pod that never gets ready must not hold the fix for the default 300 s.
      const fix = await driftJson(inv, ['--fix', '-e', 'multus_wait_timeout=2']);
      if (s.remains) {
        t.equal(fix.cli.code, 2, '--fix leaves drift: exit 2');
        t.same([...new Set(fix.doc.items.map((i) => i.kind))].sort(), [...s.remains].sort(), 'what remains is named');
        await s.undo?.();
        if (s.name.startsWith('a pod')) {
          const again = await provisionInProcess(['drift', '-i', inv, '--fix']);
          t.equal(again.code, 0, `once the cause is gone --fix repairs it: ${again.stdout}`);
        }
      } else {
        t.equal(fix.cli.code, 0, `--fix repairs it: ${JSON.stringify(fix.doc.items)} ${fix.cli.stderr}`);
        t.same(fix.doc.items, []);
        t.same(fix.doc.fix?.hosts, ['node2'], 'only the drifted host was worked on');
      }
      await cluster.sim.idle();
      const quiet = await provisionInProcess(['drift', '-i', inv, '--quiet']);
      t.equal(quiet.code, 0, `then in sync: ${quiet.stdout}`);
      t.equal(quiet.stdout, '', '--quiet prints nothing');
    });
  }

});
