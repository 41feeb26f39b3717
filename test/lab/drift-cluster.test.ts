/**
 * `provision drift`, the cluster side and the run itself, on one simulated 3-node cluster:
 * one command per host (the kubectl host one more), counted by the engine and through the
 * connection layer (connections, handshakes, execs), the DaemonSet's image and presence,
 * an unreachable host (exit 3), cluster nodes outside the inventory, and the lock: two runs
 * at once give exactly one exit 5 naming the holder, and a dead holder's lock is taken over.
 */
import t from 'tap';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { labSupport } from './lab.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { REPO_ROOT, runCli, runInProcess } from '../helpers/run-provision.ts';
import { driftJson, provisionInProcess, textfile } from '../helpers/drift-lab.ts';
import { runDrift } from '../../src/drift/run.ts';
import { lockPathFor } from '../../src/engine/lock.ts';
import { SshConnection } from '../../src/connection/ssh.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const flags = { check: false, diff: false, forks: 5, json: false, verbose: 0, extraVars: {}, help: false };

async function sh(cluster: Cluster, node: string, command: string): Promise<string> {
  const r = await cluster.lab.exec(node, command);
  if (r.exitCode !== 0) throw new Error(`${node}: ${command}: exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

t.test('drift: the cluster side and the run', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3, podStartDelayMs: 50 });
  t.teardown(() => cluster.stop());
  const inv = cluster.inventoryFile;
  const prom = mkdtempSync(join(tmpdir(), 'provision-drift-prom-'));
  const install = await runInProcess(inv, join(REPO_ROOT, 'playbooks/install.yaml'));
  t.equal(install.summary.exitCode, 0, JSON.stringify(install.summary.failures));

  await t.test('one command per host, plus one kubectl read on the kubectl host', async (t) => {
    const commands: Record<string, number> = {};
    const run = await runDrift({ inventoryFile: inv, flags, fix: false, observer: (host) => void (commands[host] = (commands[host] ?? 0) + 1) });
    t.equal(run.outcome.exit_code, 0);
    t.same(commands, { node1: 2, node2: 1, node3: 1 });
  });

  await t.test('through the connection layer: one SSH connection, one handshake and one exec per host', async (t) => {
    // Spies on the real SshConnection (nothing is replaced): which connection objects each
    // host used, their handshakes, and every exec that reached a channel.
    const proto = SshConnection.prototype;
    const { connect, exec } = proto;
    const used = new Map<string, Set<SshConnection>>();
    const execs: Record<string, number> = {};
    const seen = (c: SshConnection) => void (used.get(c.host) ?? used.set(c.host, new Set()).get(c.host)!).add(c);
    proto.connect = function (this: SshConnection) {
      seen(this);
      return connect.call(this);
    };
    proto.exec = function (this: SshConnection, ...a: Parameters<SshConnection['exec']>) {
      seen(this);
      execs[this.host] = (execs[this.host] ?? 0) + 1;
      return exec.apply(this, a);
    };
    t.teardown(() => {
      proto.connect = connect;
      proto.exec = exec;
    });
    const run = await runDrift({ inventoryFile: inv, flags, fix: false });
    t.equal(run.outcome.exit_code, 0);
    t.same(Object.fromEntries([...used].map(([host, set]) => [host, set.size])), { node1: 1, node2: 1, node3: 1 }, 'one connection object per host');
    t.same(Object.fromEntries([...used].map(([host, set]) => [host, [...set][0].handshakes])), { node1: 1, node2: 1, node3: 1 }, 'one SSH handshake per host');
    t.same(execs, { node1: 2, node2: 1, node3: 1 }, 'one remote command per host; the kubectl host one more (the cluster read)');
  });

  await t.test('the DaemonSet runs another release: image_mismatch on every host, not fixed by --fix', async (t) => {
    // Someone applies the manifest of another release by hand, as the README shows.
    const other = await provisionInProcess(['manifest', '-i', inv, '-e', 'multus_version=v4.2.0']);
    t.equal(other.code, 0);
    writeFileSync(cluster.lab.hostPath('node1', '/tmp/multus-v4.2.0.yaml'), other.stdout);
    await sh(cluster, 'node1', 'k3s kubectl apply --server-side --force-conflicts -f /tmp/multus-v4.2.0.yaml');
    await cluster.sim.idle();
    const image = 'ghcr.io/k8snetworkplumbingwg/multus-cni:v4.2.0-thick';
    const { cli, doc } = await driftJson(inv, ['--textfile', prom]);
    t.equal(cli.code, 2);
    t.same(doc.items.map((i) => [i.host, i.kind, i.found]), ['node1', 'node2', 'node3'].map((h) => [h, 'image_mismatch', image]));
    t.match(textfile(prom), /^provision_multus_drift_items\{host="node2",kind="image_mismatch",severity="error"\} 1$/m);
    const fix = await driftJson(inv, ['--fix']);
    t.equal(fix.cli.code, 2, '--fix does not change the release (install does)');
    t.same(fix.doc.fix?.hosts, [], 'nothing fixable');
    const configured = await driftJson(inv, ['-e', 'multus_version=v4.2.0']);
    t.equal(configured.cli.code, 0, 'the configured release is the one compared');
    const current = await provisionInProcess(['manifest', '-i', inv]);
    writeFileSync(cluster.lab.hostPath('node1', '/tmp/multus.yaml'), current.stdout);
    await sh(cluster, 'node1', 'k3s kubectl apply --server-side --force-conflicts -f /tmp/multus.yaml');
    await cluster.sim.idle();
    t.equal((await provisionInProcess(['drift', '-i', inv, '--quiet'])).code, 0, 'the release put back: in sync');
  });

  await t.test('a host that does not answer: unreachable, exit 3; cluster nodes outside the inventory are listed', async (t) => {
    const dir = t.testdir();
    const base = parse(readFileSync(inv, 'utf8'));
    const agents = base.all.children.k3s_cluster.children.agent.hosts;
    agents.node3.ansible_port = 1; // nothing listens there
    writeFileSync(join(dir, 'unreachable.yaml'), stringify(base));
    const { cli, doc } = await driftJson(join(dir, 'unreachable.yaml'), ['--textfile', prom]);
    t.equal(cli.code, 3, cli.stderr);
    t.same(doc.items.map((i) => [i.host, i.kind]), [['node3', 'unreachable']]);
    t.match(textfile(prom), /^provision_multus_host_reachable\{host="node3"\} 0$/m);

    delete agents.node3;
    writeFileSync(join(dir, 'two.yaml'), stringify(base));
    const two = await driftJson(join(dir, 'two.yaml'));
    t.equal(two.cli.code, 0, 'a node outside the inventory is not drift');
    t.same(two.doc.cluster.extra_nodes, ['node3']);
  });

  await t.test('the DaemonSet deleted: daemonset_missing on every host', async (t) => {
    await sh(cluster, 'node1', 'k3s kubectl -n kube-system delete daemonset -l app.kubernetes.io/managed-by=provision');
    await cluster.sim.idle();
    const { cli, doc } = await driftJson(inv, ['--textfile', prom]);
    t.equal(cli.code, 2);
    for (const host of ['node1', 'node2', 'node3']) {
      t.same(doc.items.filter((i) => i.host === host).map((i) => i.kind).sort(), ['conf_missing', 'daemonset_missing', 'socket_missing'], host);
    }
    t.match(textfile(prom), /^provision_multus_drift_items\{host="node2",kind="daemonset_missing",severity="error"\} 1$/m);
    const fix = await provisionInProcess(['drift', '-i', inv, '--fix']);
    t.equal(fix.code, 2, '--fix does not re-apply the DaemonSet (install does)');
    t.match(fix.stdout, /daemonset_missing/);
    const install = await runInProcess(inv, join(REPO_ROOT, 'playbooks/install.yaml'));
    t.equal(install.summary.exitCode, 0);
    t.equal((await provisionInProcess(['drift', '-i', inv, '--quiet'])).code, 0, 'after install: in sync');
  });
  await t.test('two runs at once: exactly one exits 5, naming the holder', async (t) => {
    // node2's k3s command waits on a fifo, so the first run holds the lock until the test lets it go.
    const k3s = cluster.lab.hostPath('node2', '/usr/local/bin/k3s');
    renameSync(k3s, `${k3s}.real`);
    await sh(cluster, 'node2', 'rm -f /tmp/gate && mkfifo /tmp/gate');
    writeFileSync(k3s, '#!/bin/sh\ntouch /tmp/entered\nread line < /tmp/gate\nexec /usr/local/bin/k3s.real "$@"\n');
    chmodSync(k3s, 0o755);
    t.teardown(() => renameSync(`${k3s}.real`, k3s));
    const entered = cluster.lab.hostPath('node2', '/tmp/entered');
    const first = runCli(['drift', '-i', inv]);
    // The first run has the lock once it is reading node2.
    await new Promise<void>((resolve) => {
      const poll = () => (existsSync(entered) ? resolve() : setTimeout(poll, 50));
      poll();
    });
    const second = await runCli(['drift', '-i', inv, '--fix']);
    t.equal(second.code, 5, 'the second run exits 5 at once');
    t.match(second.stderr, /another run \(pid \d+: provision drift -i \S+\) holds the lock/, 'naming the holder pid and command');
    await sh(cluster, 'node2', 'echo go > /tmp/gate');
    const done = await first;
    t.equal(done.code, 0, `the first run finishes in sync: ${done.stdout}`);
    t.equal([done.code, second.code].filter((c) => c === 5).length, 1, 'exactly one exit 5');
  });

  await t.test("a dead holder's lock is taken over", async (t) => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid ?? 0)));
    const lock = lockPathFor(inv);
    writeFileSync(lock, `${pid}\n${inv}\nprovision drift -i ${inv}\n`);
    const run = await runDrift({ inventoryFile: inv, flags, fix: false });
    t.equal(run.outcome.exit_code, 0);
    t.notOk(existsSync(lock), 'released after the run');
  });
});
