/**
 * executePlaybook around the engine. A --limit that matches no host is a mistake on the
 * command line (a typo in a node name): exit 4 before anything is touched, as
 * ansible-playbook refuses it — not exit 0 with nothing done, which a script or cron job
 * would take for success. A caller's abort signal keeps no listener of a finished run, and
 * more than 10 commands in flight (--forks above 10) print no listener warning.
 */
import t from 'tap';
import { getEventListeners } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { executePlaybook } from '../../src/cli/execute.ts';
import { loadInputs } from '../../src/cli/load-inputs.ts';
import { runCli } from '../helpers/run-provision.ts';

t.test('--limit matching no host exits 4 and runs nothing', async (t) => {
  const dir = t.testdir();
  const inv = join(dir, 'inv.yaml');
  writeFileSync(inv, stringify({ all: { hosts: { node1: { ansible_connection: 'local' } } } }));
  const pb = join(dir, 'pb.yaml');
  writeFileSync(pb, stringify([{ hosts: 'all', tasks: [{ name: 'touch', shell: `touch ${join(dir, 'ran')}` }] }]));
  const env = { PROVISION_LOCK_DIR: join(dir, 'locks') };

  const typo = await runCli(['run', pb, '-i', inv, '--limit', 'nod1'], { env });
  t.equal(typo.code, 4, typo.stderr);
  t.match(typo.stderr, /--limit nod1 matches no host/);
  t.notOk(existsSync(join(dir, 'ran')), 'nothing ran');

  const right = await runCli(['run', pb, '-i', inv, '--limit', 'node1'], { env });
  t.equal(right.code, 0, right.stderr);
  t.ok(existsSync(join(dir, 'ran')));
});

t.test('a caller signal gets no listener left behind after each run', async (t) => {
  const dir = t.testdir();
  const inv = join(dir, 'inv.yaml');
  writeFileSync(inv, stringify({ all: { hosts: { node1: { ansible_connection: 'local' } } } }));
  const pb = join(dir, 'pb.yaml');
  writeFileSync(pb, stringify([{ hosts: 'all', tasks: [{ name: 'noop', command: 'true' }] }]));
  process.env.PROVISION_LOCK_DIR = join(dir, 'locks');
  const { inventory, playbooks } = loadInputs(inv, [pb]);
  const signal = new AbortController().signal;
  for (let i = 0; i < 3; i++) {
    const summary = await executePlaybook({
      flags: { check: false, diff: false, forks: 1, json: false, verbose: 0, extraVars: {}, help: false },
      inventory,
      playbook: playbooks[0],
      reporter: { event: () => {}, close: async () => {} },
      signal,
    });
    t.equal(summary.exitCode, 0);
  }
  t.equal(getEventListeners(signal, 'abort').length, 0, 'every run removed its abort listener');
});

t.test('more than 10 hosts at once (--forks 12): no listener warning on stderr', async (t) => {
  const dir = t.testdir();
  const inv = join(dir, 'inv.yaml');
  const hosts = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`node${i + 1}`, { ansible_connection: 'local' }]));
  writeFileSync(inv, stringify({ all: { hosts } }));
  const pb = join(dir, 'pb.yaml');
  // Every host's command waits until all twelve have started, so all twelve are in flight at once.
  const barrier = join(dir, 'started');
  const wait = `echo x >> ${barrier}; while [ "$(wc -l < ${barrier})" -lt 12 ]; do :; done`;
  writeFileSync(pb, stringify([{ hosts: 'all', tasks: [{ name: 'together', shell: wait }] }]));
  const run = await runCli(['run', pb, '-i', inv, '--forks', '12'], { env: { PROVISION_LOCK_DIR: join(dir, 'locks') } });
  t.equal(run.code, 0, run.stderr);
  t.notMatch(run.stderr, /MaxListenersExceededWarning/);
});
