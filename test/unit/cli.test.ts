/** The CLI as a user meets it: validation output and exit codes, help, usage errors, schema. */
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { runCli } from '../helpers/run-provision.ts';

t.test('validate reports every mistake of inventory and playbook with file:line:column, exit 4', async (t) => {
  const run = await runCli(['validate', '-i', 'test/fixtures/inventory/mistakes.yaml', 'test/fixtures/playbooks/mistakes.yaml']);
  t.equal(run.code, 4);
  const lines = run.stderr.trim().split('\n');
  t.match(lines, [
    '[WARNING]: test/fixtures/inventory/mistakes.yaml:10:11: duplicate key "ansible_connection" (first at line 9); the last value is used, as Ansible does',
    'test/fixtures/inventory/mistakes.yaml:8:25: ansible_port: must be integer or string, got list',
    'test/fixtures/inventory/mistakes.yaml:10:31: ansible_connection: must be string, got list',
    'test/fixtures/inventory/mistakes.yaml:13:9: hosts must be a mapping of host names, got list',
  ]);
  t.match(run.stderr, /mistakes\.yaml:6:7: unknown module or keyword "shel"; known modules: assert, command, copy/);
  t.match(run.stderr, /mistakes\.yaml:13:15: copy: mode: must be string or integer, got list/);
  t.match(run.stderr, /mistakes\.yaml:20:16: retries: must be integer, got string/);
  t.match(run.stderr, /mistakes\.yaml:25:3: play 2: missing required key "hosts"/);
  const positioned = lines.filter((l) => /^\S+\.yaml:\d+:\d+: /.test(l));
  t.ok(positioned.length >= 15, `all problems at once (${positioned.length})`);
  t.match(lines.at(-1), /^\d+ problem\(s\); nothing was touched\.$/);
});

t.test('validate passes the example inventories and the bundled playbooks', async (t) => {
  for (const inv of ['inventory/hosts.yaml', 'inventory/k3s-ansible.yaml']) {
    const run = await runCli(['validate', '-i', inv]);
    t.equal(run.code, 0, `${inv}: ${run.stderr}`);
    t.match(run.stdout, /^valid: \d+ playbooks/m);
  }
});

t.test('every command has --help with the exit codes; unknown flags and commands exit 4', async (t) => {
  for (const cmd of ['run', 'validate', 'schema']) {
    const run = await runCli([cmd, '--help']);
    t.equal(run.code, 0, `${cmd} --help`);
    t.match(run.stdout, `Usage: provision ${cmd}`);
    t.match(run.stdout, /4\s+invalid input/);
  }
  const main = await runCli(['--help']);
  t.equal(main.code, 0);
  t.match(main.stdout, /Commands:/);
  const bogus = await runCli(['run', 'x.yaml', '-i', 'y.yaml', '--bogus']);
  t.equal(bogus.code, 4);
  t.match(bogus.stderr, /Unknown option '--bogus'/);
  const unknown = await runCli(['frobnicate']);
  t.equal(unknown.code, 4);
  t.match(unknown.stderr, /unknown command "frobnicate"/);
  const noInventory = await runCli(['run', 'playbooks/x.yaml']);
  t.equal(noInventory.code, 4);
  t.match(noInventory.stderr, /no inventory found; looked for, in order: .*inventory\.yaml \(\.\/inventory\.yaml\)/);
  t.match(noInventory.stderr, /Give -i FILE, set PROVISION_INVENTORY or ANSIBLE_INVENTORY, set inventory in ansible\.cfg \[defaults\], or create \.\/inventory\.yaml/);
  const missingFile = await runCli(['validate', '-i', 'no/such/inventory.yaml']);
  t.equal(missingFile.code, 4);
  t.match(missingFile.stderr, /no\/such\/inventory\.yaml: cannot read: no such file/);
});

t.test('schema writes JSON Schemas that validate the example inventory and a playbook', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'schema-'));
  const run = await runCli(['schema', '--out', dir]);
  t.equal(run.code, 0, run.stderr);
  const ajv = new Ajv({ strict: false, allErrors: true });
  const inventory = JSON.parse(readFileSync(join(dir, 'inventory.schema.json'), 'utf8'));
  const playbook = JSON.parse(readFileSync(join(dir, 'playbook.schema.json'), 'utf8'));
  const inv = parse(readFileSync('inventory/k3s-ansible.yaml', 'utf8'));
  t.ok(ajv.validate(inventory, inv), JSON.stringify(ajv.errors));
  const pb = parse(readFileSync('test/fixtures/playbooks/converge-files.yaml', 'utf8'));
  t.ok(ajv.validate(playbook, pb), JSON.stringify(ajv.errors));
  t.notOk(ajv.validate(playbook, [{ hosts: 'all', tasks: [{ copy: { dest: 1 } }] }]), 'a bad task is rejected');
});

t.test('an interrupted run exits 130; a run while another holds the lock exits 5', async (t) => {
  const dir = t.testdir({
    'inv.yaml': 'all:\n  hosts:\n    local1:\n      ansible_connection: local\n',
    'slow.yaml': '- hosts: all\n  tasks:\n    - name: long\n      shell: sleep 20\n',
  });
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['bin/provision.js', 'run', join(dir, 'slow.yaml'), '-i', join(dir, 'inv.yaml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  // Wait until the task runs, so the lock is held and a command is in flight.
  await new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('TASK [long]') && resolve()));
  const second = await runCli(['run', join(dir, 'slow.yaml'), '-i', join(dir, 'inv.yaml')]);
  t.equal(second.code, 5, 'the lock is held');
  t.match(second.stderr, /another run \(pid \d+: provision run \S+slow\.yaml -i \S+inv\.yaml\) holds the lock/, "naming the holder's pid and command");
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 130);
});

t.test('secret-named play vars are masked in the output', async (t) => {
  const dir = t.testdir({
    'inv.yaml': 'all:\n  hosts:\n    local1:\n      ansible_connection: local\n',
    'pb.yaml': '- hosts: all\n  vars:\n    api_token: tok-7d1e9c42\n  tasks:\n    - debug:\n        msg: "token is {{ api_token }}"\n',
  });
  const run = await runCli(['run', join(dir, 'pb.yaml'), '-i', join(dir, 'inv.yaml')]);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, 'token is ********');
  t.notMatch(run.stdout, 'tok-7d1e9c42');
});
