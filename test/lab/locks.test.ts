/**
 * The run locks on a simulated one-node cluster: runs from two inventory files naming the
 * same node, or from two controllers (two lock directories), meet at the node's lock and
 * the second exits 5 naming the holder's controller and pid; --lock-timeout waits instead;
 * a SIGKILLed holder frees the node when its connection drops, and the lock file it left on
 * the controller blocks no one; install while `drift --fix` holds the node exits 5.
 * The holder waits at a fifo on the node, so every step awaits an event, not a delay.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, symlinkSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSupport } from './lab.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { REPO_ROOT, runCli, runInProcess } from '../helpers/run-provision.ts';
import { runDrift } from '../../src/drift/run.ts';
import { lockPathFor } from '../../src/engine/lock.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const flags = { check: false, diff: false, forks: 5, json: false, verbose: 0, extraVars: {}, help: false };

interface LiveRun {
  child: ChildProcess;
  output(): string;
  /** Resolves once the run printed a line matching `pattern` (on stdout or stderr). */
  printed(pattern: RegExp): Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

function startCli(args: string[], env: NodeJS.ProcessEnv): LiveRun {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'provision.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) (w.pattern.test(out) ? w.resolve() : waiters.push(w));
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, output: out })),
  );
  return {
    child,
    output: () => out,
    printed: (pattern) =>
      pattern.test(out)
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            waiters.push({ pattern, resolve });
            void done.then((d) => reject(new Error(`the run ended (${d.code ?? d.signal}) without printing ${pattern}:\n${d.output}`)));
          }),
    done,
  };
}

async function sh(cluster: Cluster, node: string, command: string): Promise<string> {
  const r = await cluster.lab.exec(node, command);
  if (r.exitCode !== 0) throw new Error(`${node}: ${command}: exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

t.test('locks: inventories, controllers, a killed holder, drift --fix', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 1, podStartDelayMs: 20 });
  t.teardown(() => cluster.stop());
  const lab = cluster.lab;
  const invA = cluster.inventoryFile;
  // The same node under another name (its address), in another inventory file.
  const invB = join(lab.dir, 'by-address.yaml');
  writeFileSync(invB, readFileSync(invA, 'utf8').replace(/^(\s+)node1:/m, `$1"${lab.nodes[0].address}":`));
  t.not(readFileSync(invB, 'utf8'), readFileSync(invA, 'utf8'), 'the second inventory names the node differently');
  const gate = join(lab.dir, 'gate.yaml');
  writeFileSync(gate, '- name: gate\n  hosts: all\n  tasks:\n    - name: Wait at the gate\n      command: cat /tmp/gate\n');
  const quick = join(lab.dir, 'quick.yaml');
  writeFileSync(quick, '- name: quick\n  hosts: all\n  tasks:\n    - name: Say hello\n      command: "true"\n');
  const controller = (name: string) => ({ XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), `provision-${name}-`)) });
  const ctlA = controller('a');
  const ctlB = controller('b');
  const openGate = () => sh(cluster, 'node1', 'echo go > /tmp/gate');

  /** A run that holds node1's lock until the gate opens. */
  async function holder(env: NodeJS.ProcessEnv, inv = invA): Promise<LiveRun> {
    await sh(cluster, 'node1', 'rm -f /tmp/gate && mkfifo /tmp/gate');
    const run = startCli(['run', gate, '-i', inv, '-v'], env);
    await run.printed(/node lock taken on node1/);
    return run;
  }

  await t.test('two inventory files naming the same node: the second run exits 5 naming the holder', async (t) => {
    const first = await holder(ctlA);
    const holderInfo = readFileSync(lab.hostPath('node1', '/run/provision/node.holder'), 'utf8');
    t.match(holderInfo, `controller ${hostname()} pid ${first.child.pid} since `, 'the node says who holds it');
    const second = await runCli(['run', quick, '-i', invB], { env: ctlA });
    t.equal(second.code, 5, `exit 5: ${second.stdout}${second.stderr}`);
    t.match(second.stderr, new RegExp(`${lab.nodes[0].address.replace(/\./g, '\\.')}: another run holds the node lock /run/provision/node.lock: controller ${hostname()} pid ${first.child.pid} since \\S+: provision run`));
    t.equal((await sh(cluster, 'node1', 'ls /run/provision')).split('\n').filter(Boolean).sort().join(' '), 'node.holder node.lock');
    t.equal((await sh(cluster, 'node1', 'stat -c %a:%U /run/provision')).trim(), '700:root', 'the lock directory is root-only');
    await openGate();
    t.equal((await first.done).code, 0, 'the holder finishes');
    t.equal((await runCli(['run', quick, '-i', invB], { env: ctlA })).code, 0, 'afterwards the node is free');
  });

  await t.test('two controllers (two lock directories), one inventory: the node lock still excludes', async (t) => {
    const first = await holder(ctlA);
    const same = await runCli(['run', quick, '-i', invA], { env: ctlA });
    t.equal(same.code, 5);
    t.match(same.stderr, /another run \(pid \d+: provision run .*gate\.yaml.*\) holds the lock for/, 'same controller: its own lock answers first');
    const other = await runCli(['run', quick, '-i', invA], { env: ctlB });
    t.equal(other.code, 5, 'another controller: exit 5');
    t.match(other.stderr, new RegExp(`node1: another run holds the node lock /run/provision/node\\.lock: controller ${hostname()} pid ${first.child.pid} `));
    // --lock-timeout waits for the holder instead of exiting 5.
    const waiting = startCli(['run', quick, '-i', invA, '--lock-timeout', '120s'], ctlB);
    await openGate();
    t.equal((await first.done).code, 0);
    const waited = await waiting.done;
    t.equal(waited.code, 0, `the waiting run went on once the lock was free: ${waited.output}`);
  });

  await t.test('SIGKILL of the holder: its connection drops and frees the node; its stale lock file blocks no one', async (t) => {
    const first = await holder(ctlA);
    const controllerLock = lockPathFor(invA, join(ctlA.XDG_RUNTIME_DIR, 'provision'));
    t.ok(existsSync(controllerLock), 'the controller lock is in the private directory');
    first.child.kill('SIGKILL');
    const killed = await first.done;
    t.equal(killed.signal, 'SIGKILL');
    t.ok(existsSync(controllerLock), 'the killed run could not remove its lock file');
    // Same controller and inventory: the stale file (dead pid) is taken over; the node lock is
    // free once sshd has seen the connection close (waited for, not slept on).
    const next = await runCli(['run', quick, '-i', invA, '--lock-timeout', '120s'], { env: ctlA });
    t.equal(next.code, 0, `the next run is not blocked: ${next.stdout}${next.stderr}`);
    t.notOk(existsSync(controllerLock), 'and released its own lock');
    // The killed run's task may or may not have reached the gate: open it without blocking
    // (O_RDWR on a fifo never waits for the other end), so a reader there is let go.
    await sh(cluster, 'node1', 'exec 3<>/tmp/gate; echo go >&3');
  });

  await t.test('hostile host names, vars and extra vars reach the node as data: nothing they spell runs', async (t) => {
    const canary = '/tmp/canary-hostile';
    const run = `touch ${canary}`;
    // Every shell metacharacter the issue names, in one value and in one file name.
    const evil = `$(${run}) \`${run}\` ; ${run} | ${run} && ${run}\n${run}\n-- -rf * ?[a] "dq" 'sq' ~ \\ $HOME`;
    const evilName = `-- -rf $(${run.replace(/\//g, '_')});\`x\`|*?[a] 'q"`;
    const playbook = join(lab.dir, 'hostile.yaml');
    writeFileSync(
      playbook,
      [
        '- name: hostile',
        '  hosts: all',
        '  tasks:',
        '    - name: Dir',
        '      file: { path: /tmp/hostile, state: directory }',
        '    - name: Echo',
        '      command:',
        '        argv: [printf, "%s", "{{ evil }}"]',
        '      register: echoed',
        '    - name: Touch',
        '      file: { path: "/tmp/hostile/{{ evil_name }}", state: touch }',
        '    - name: Copy',
        '      copy: { dest: "/tmp/hostile/{{ evil_name }}.copy", content: "{{ evil }}|{{ inventory_hostname }}|{{ echoed.stdout == evil }}" }',
        '',
      ].join('\n'),
    );
    // The same node named by a hostile inventory name.
    const hostileHost = `n1 $(${run}); \`${run}\` | -x *`;
    const invC = join(lab.dir, 'hostile-inventory.yaml');
    writeFileSync(invC, readFileSync(invA, 'utf8').replace(/^(\s+)node1:/m, `$1${JSON.stringify(hostileHost)}:`));
    const extra = JSON.stringify({ evil, evil_name: evilName });
    const done = await runCli(['run', playbook, '-i', invC, '-e', extra], { env: ctlA });
    t.equal(done.code, 0, `${done.stdout}${done.stderr}`);
    const copied = readFileSync(lab.hostPath('node1', `/tmp/hostile/${evilName}.copy`), 'utf8');
    t.equal(copied, `${evil}|${hostileHost}|true`, 'the value, the host name and the echoed argv arrive byte for byte');
    t.ok(existsSync(lab.hostPath('node1', `/tmp/hostile/${evilName}`)), 'the file has exactly the hostile name');
    t.notOk(existsSync(lab.hostPath('node1', canary)), 'nothing ran on the node');
    t.notOk(existsSync(canary), 'nothing ran on the controller');
    // Values that are no valid name or path are refused before the node is contacted.
    const refused = await runCli(
      ['install', '-i', invA, '-e', JSON.stringify({ k3s_data_dir: `rel/$(${run})`, provision_backup_dir: `/var/lib/provision/../../etc`, extra_cni_plugins: ['../../bin/sh', `$(${run})`] })],
      { env: ctlA },
    );
    t.equal(refused.code, 4, refused.stderr);
    t.match(refused.stderr, /-e k3s_data_dir must be an absolute path/);
    t.match(refused.stderr, /-e provision_backup_dir must not contain "\." or "\.\." segments/);
    t.match(refused.stderr, /-e extra_cni_plugins entries must be plain plugin names .* got "\.\.\/\.\.\/bin\/sh", "\$\(touch/);
    t.notOk(existsSync(lab.hostPath('node1', canary)));
  });

  await t.test('install while drift --fix holds the node: exit 5, and drift --fix finishes its repair', async (t) => {
    const install = await runInProcess(invA, join(REPO_ROOT, 'playbooks/install.yaml'));
    t.equal(install.summary.exitCode, 0, JSON.stringify(install.summary.failures));
    // Drift to repair: a K3s-owned plugin name no longer points at K3s's binary.
    const cniDir = `${cluster.dataDir}/data/cni`;
    const bridge = lab.hostPath('node1', `${cniDir}/bridge`);
    const good = readlinkSync(bridge);
    renameSync(bridge, `${bridge}.moved`);
    symlinkSync('/bin/false', bridge);
    // The fix phase's first read of K3s waits at a fifo, armed only once the fix has begun.
    const k3s = lab.hostPath('node1', '/usr/local/bin/k3s');
    renameSync(k3s, `${k3s}.real`);
    t.teardown(() => renameSync(`${k3s}.real`, k3s));
    await sh(cluster, 'node1', 'rm -f /tmp/gate /tmp/arm && mkfifo /tmp/gate');
    writeFileSync(k3s, '#!/bin/sh\nif [ -e /tmp/arm ]; then rm -f /tmp/arm; read line < /tmp/gate; fi\nexec /usr/local/bin/k3s.real "$@"\n');
    chmodSync(k3s, 0o755);
    let fixing: (() => void) | undefined;
    const fixBegan = new Promise<void>((resolve) => (fixing = resolve));
    // Armed once: later reads of K3s in the same run go through.
    const drift = runDrift({
      inventoryFile: invA,
      flags,
      fix: true,
      observer: (host, _kind, command) => {
        // k3s_facts' probe (the fix's first task) is the only command with it and without /healthz.
        if (fixing && host === 'node1' && command.includes('binary=%s') && !command.includes('healthz')) {
          writeFileSync(lab.hostPath('node1', '/tmp/arm'), '');
          fixing();
          fixing = undefined;
        }
      },
    });
    await fixBegan;
    const second = await runCli(['install', '-i', invA], { env: ctlB });
    t.equal(second.code, 5, `install exits 5: ${second.stdout}${second.stderr}`);
    t.match(second.stderr, new RegExp(`node1: another run holds the node lock /run/provision/node\\.lock: controller ${hostname()} pid ${process.pid} `), 'naming drift --fix (this process)');
    t.equal(readlinkSync(bridge), '/bin/false', 'install changed nothing');
    await openGate();
    const run = await drift;
    t.equal(run.fix?.exit_code, 0, JSON.stringify(run.fix?.failures));
    t.equal(run.outcome.exit_code, 0, 'drift --fix repaired the link');
    t.equal(readlinkSync(bridge), good);
  });
});
