/**
 * Connection faults during `provision install` on one 3-node lab cluster, each followed by
 * the invariants (invariants.ts): a host unreachable from the start; the connection cut in
 * the middle of the backup and of the re-link; sshd killed between two tasks; authentication
 * refused; a changed host key; a wrong sudo password. Every fault is injected on an event
 * (a reported task result, a command about to run, an inotify event on the node's files),
 * never after a delay. Then a rerun converges and a rollback restores every node.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { watch, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport } from '../lab/lab.ts';
import { startCluster } from '../lab/cluster.ts';
import { CNI_DIR } from '../lab/rollback-checks.ts';
import { REPO_ROOT, runCli, runInProcess } from '../helpers/run-provision.ts';
import { watchInvariants } from './invariants.ts';
import { inventoryWith } from './inventory-variants.ts';
import { cutSessions, killSshd, restartSshd } from './node-sshd.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const install = join(REPO_ROOT, 'playbooks/install.yaml');
const NODES = ['node1', 'node2', 'node3'];
const BACKUP = "Back up K3s's CNI entries";
const RELINK = "Re-link K3s's plugin names to its multicall binary";

t.test('connection faults during install', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3 });
  t.teardown(() => cluster.stop());
  const inv = await watchInvariants(t, cluster, NODES);
  const dir = t.testdir();

  await t.test('a host unreachable from the start: the others are installed, exit 3, it is untouched', async (t) => {
    const broken = inventoryWith(cluster.inventoryFile, dir, 'node3', { ansible_port: 1 });
    const cli = await runCli(['install', '-i', broken]);
    t.equal(cli.code, 3, cli.stdout + cli.stderr);
    t.match(cli.stdout, /node3\s+: ok=0\s+changed=0\s+unreachable=1/);
    t.match(cli.stdout, /node1\s+: ok=\d+\s+changed=[1-9]\d*\s+unreachable=0\s+failed=0/);
    t.equal((await cluster.lab.exec('node3', 'test -e /var/lib/provision')).exitCode, 1, 'node3: nothing written');
    await inv.check(t, 'node3 unreachable');
  });

  await t.test('the connection cut in the middle of the backup: that host is unreachable, nothing half-written', async (t) => {
    // The cut comes as the backup's changing script is about to go to node3 (its reads are
    // done): the observer runs before the command is sent, so the session dies inside the
    // task whatever the machine's speed. A cut timed from a file event on the node raced
    // the script, which often finished first.
    let cut = 0;
    let backupStarted = false;
    const run = await runInProcess(cluster.inventoryFile, install, {}, {
      event: (e) => {
        if (e.type === 'task_start' && e.task === BACKUP) backupStarted = true;
      },
      command: (c) => {
        if (backupStarted && c.host === 'node3' && c.kind === 'change' && cut === 0) cut = cutSessions(cluster.lab, 'node3');
      },
    });
    t.ok(cut > 0, 'the cut hit running sessions');
    t.equal(run.summary.exitCode, 3, JSON.stringify(run.summary.failures));
    t.equal(run.statuses.node3?.[BACKUP], 'unreachable', 'node3 is unreachable at the backup');
    t.equal(run.statuses.node3?.[RELINK], undefined, 'nothing ran on node3 after it');
    const left = await cluster.lab.exec('node3', 'ls -A /var/lib/provision/backups 2>/dev/null; test ! -e /var/lib/provision/backups/pristine || cat /var/lib/provision/backups/pristine/record.json >/dev/null');
    t.equal(left.exitCode, 0, `node3: a pristine backup is whole or absent: ${left.stdout}${left.stderr}`);
    await inv.check(t, 'cut during the backup');
    await inv.rerunConverges(t, ['install', '-i', cluster.inventoryFile]);
  });

  await t.test('sshd killed between two tasks: that host is unreachable from the next task on', async (t) => {
    let killed = false;
    const run = await runInProcess(cluster.inventoryFile, install, {}, {
      event: (e) => {
        if (e.type === 'host_result' && e.host === 'node2' && e.task === BACKUP && !killed) {
          killSshd(cluster.lab, 'node2');
          killed = true;
        }
      },
    });
    t.ok(killed, 'sshd was killed after the backup');
    t.equal(run.summary.exitCode, 3, JSON.stringify(run.summary.failures));
    t.equal(run.statuses.node2?.[BACKUP], 'ok');
    t.equal(run.statuses.node2?.[RELINK], 'unreachable');
    t.match(run.summary.failures.node2 ?? '', /node2/);
    for (const node of ['node1', 'node3']) t.equal(run.statuses[node]?.['Verify Multus on the node'], 'ok', `${node} went on`);
    await inv.check(t, 'sshd killed');
    await restartSshd(cluster.lab, 'node2');
    await inv.rerunConverges(t, ['install', '-i', cluster.inventoryFile]);
  });

  await t.test('the connection cut in the middle of the re-link: host-local is never missing', async (t) => {
    // node1's pod restarts with an installer that copies every plugin over K3s's names,
    // so the re-link has eight names to replace; the cut comes at its first temp link.
    cluster.setKnob('node1', 'overwriteAll', true);
    const pod = cluster.api.store.list('v1', 'Pod', { namespace: 'kube-system', fieldSelector: 'spec.nodeName=node1' })[0];
    t.equal((await cluster.lab.exec('node1', `k3s kubectl delete pod -n kube-system ${pod?.metadata.name}`)).exitCode, 0);
    await cluster.sim.idle();
    cluster.setKnob('node1', 'overwriteAll', false);
    // As the re-link's script is about to go to node1, an `mv` in front of the real one
    // (node1's own /usr/local/bin, first on sudo's secure_path) stops the script at its first
    // rename of a temp link, with that temp link made and K3s's name not yet replaced; the
    // cut comes when it says so. Waiting on the script, not racing it.
    const wrapper = cluster.lab.hostPath('node1', '/usr/local/bin/mv');
    const fifo = cluster.lab.hostPath('node1', '/tmp/relink-gate.fifo');
    const reached = 'relink-gate.reached';
    let cut = 0;
    let watcher: ReturnType<typeof watch> | undefined;
    t.teardown(() => {
      watcher?.close();
      rmSync(wrapper, { force: true });
      rmSync(fifo, { force: true });
    });
    const run = await runInProcess(cluster.inventoryFile, install, {}, {
      command: (c) => {
        // The re-link's temp links sit beside K3s's names; the backup's `latest` link is elsewhere.
        if (c.host === 'node1' && c.kind === 'change' && c.command.includes(`${CNI_DIR}/.provision-link`) && !watcher) {
          execFileSync('mkfifo', [fifo]);
          watcher = watch(cluster.lab.hostPath('node1', '/tmp'), (_event, name) => {
            if (name === reached && cut === 0) cut = cutSessions(cluster.lab, 'node1');
          });
          writeFileSync(
            wrapper,
            `#!/bin/sh\ncase "$*" in *${CNI_DIR}/.provision-link*) : > /tmp/${reached}; read _ < /tmp/relink-gate.fifo ;; esac\nexec /bin/mv "$@"\n`,
            { mode: 0o755 },
          );
        }
      },
    });
    watcher?.close();
    rmSync(wrapper, { force: true });
    rmSync(fifo, { force: true });
    rmSync(cluster.lab.hostPath('node1', `/tmp/${reached}`), { force: true });
    t.ok(cut > 0, 'the cut hit the re-link as it ran');
    const stray = await cluster.lab.exec('node1', `ls -A ${CNI_DIR} | grep '^\\.provision-link' || true`);
    t.not(stray.stdout, '', 'the cut left the temp link of the rename it stopped (the rerun must remove it)');
    t.equal(run.summary.exitCode, 3, JSON.stringify(run.summary.failures));
    t.equal(run.statuses.node1?.[RELINK], 'unreachable');
    await inv.check(t, 'cut during the re-link');
    await inv.rerunConverges(t, ['install', '-i', cluster.inventoryFile]);
    const left = await cluster.lab.exec('node1', `ls -A ${CNI_DIR} | grep '^\\.provision' || true`);
    t.equal(left.stdout, '', 'node1: no temp link left after the rerun');
  });

  await t.test('authentication refused: that host is unreachable, named, the others converge', async (t) => {
    const key = join(dir, 'stranger_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const stranger = inventoryWith(cluster.inventoryFile, dir, 'node2', { ansible_ssh_private_key_file: key }, 'stranger.yaml');
    const cli = await runCli(['install', '-i', stranger]);
    t.equal(cli.code, 3, cli.stdout + cli.stderr);
    t.match(cli.stdout, /node2[^\n]*(authentication|permission denied)/i, 'the refusal is named');
    t.match(cli.stdout, /node2\s+: ok=0\s+changed=0\s+unreachable=1/);
    await inv.check(t, 'authentication refused');
  });

  await t.test('a changed host key: strict mode refuses, naming both fingerprints', async (t) => {
    // node2's address with node1's keys on file: to ssh, node2 now presents another key.
    const lines = readFileSync(cluster.lab.knownHostsFile, 'utf8').split('\n');
    const [n1, n2] = cluster.lab.nodes;
    const own = (address: string) => (l: string) => l.startsWith(`${address},`) || l.startsWith(`[${address}]`);
    const swapped = [...lines.filter((l) => l && !own(n2.address)(l)), ...lines.filter(own(n1.address)).map((l) => l.replaceAll(n1.address, n2.address))];
    const knownHosts = join(dir, 'changed_known_hosts');
    writeFileSync(knownHosts, `${swapped.join('\n')}\n`);
    const changed = inventoryWith(cluster.inventoryFile, dir, 'node2', { provision_known_hosts: knownHosts }, 'changed-key.yaml');
    const cli = await runCli(['install', '-i', changed]);
    t.equal(cli.code, 3, cli.stdout + cli.stderr);
    const fingerprints = cli.stdout.match(/SHA256:[A-Za-z0-9+/]{43}/g) ?? [];
    t.ok(new Set(fingerprints).size >= 2, `both fingerprints are named: ${fingerprints.join(' ')}`);
    t.match(cli.stdout, /node2\s+: ok=0\s+changed=0\s+unreachable=1/);
    await inv.check(t, 'changed host key');
  });

  await t.test('a wrong sudo password fails fast naming the host; the password is nowhere', async (t) => {
    const password = 'Wr0ng-sudo-pw-7f3c';
    const wrong = inventoryWith(cluster.inventoryFile, dir, 'node3', {
      ansible_user: cluster.lab.user.name,
      ansible_ssh_private_key_file: cluster.lab.user.keyFile,
      ansible_become_password: password,
    }, 'wrong-sudo.yaml');
    const plain = await runCli(['install', '-i', wrong, '-vvv']);
    const json = await runCli(['install', '-i', wrong, '--json']);
    for (const cli of [plain, json]) {
      t.equal(cli.code, 1, cli.stdout + cli.stderr);
      t.notOk((cli.stdout + cli.stderr).includes(password), 'the password appears nowhere in the output');
    }
    t.match(plain.stdout, /node3[^\n]*(sudo|password)/i, 'the failure names the host and sudo');
    t.match(plain.stdout, /node3\s+: ok=0\s+changed=0\s+unreachable=0\s+failed=1/, 'it failed at the first task that needs root');
    await inv.check(t, 'wrong sudo password');
  });

  await t.test('a rerun converges and a rollback restores every node', async (t) => {
    await inv.rerunConverges(t, ['install', '-i', cluster.inventoryFile]);
    // node1's pod once ran an installer that copied every reference plugin (the re-link case).
    const copies = ['dhcp', 'dummy', 'host-device', 'macvlan', 'ptp', 'sbr', 'static', 'tap', 'tuning', 'vlan', 'vrf'];
    await inv.rollbackRestores(t, { node1: copies });
    const final = await inv.watcher.stop();
    t.same(final.failures, [], `host-local resolved at all ${final.checks} checks of the whole run`);
  });
});
