/**
 * Every row of docs/reliability.md "Bad input", through the real CLI: exit 4, every problem
 * at once (file:line:column where there is a file), and nothing contacted — the inventory's
 * host is a TCP listener on this machine that counts the connections it is offered.
 */
import t from 'tap';
import type { Test } from 'tap';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-provision.ts';

const dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
const sockets: Socket[] = [];
const listener = createServer((s) => void sockets.push(s));
listener.listen(0, '127.0.0.1');
await once(listener, 'listening');
t.teardown(() => {
  sockets.forEach((s) => s.destroy());
  listener.close();
});
const port = (listener.address() as AddressInfo).port;
const env = { PROVISION_LOCK_DIR: join(dir, 'locks') };

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const inventory = file('inventory.yaml', `all:\n  hosts:\n    web1:\n      ansible_host: 127.0.0.1\n      ansible_port: ${port}\n      ansible_user: root\n  children:\n    server:\n      hosts:\n        web1:\n`);
const fine = file('fine.yaml', '- name: fine\n  hosts: all\n  tasks:\n    - name: a\n      command: "true"\n');

async function rejected(t: Test, args: string[], expected: RegExp[]): Promise<void> {
  const before = sockets.length;
  const run = await runCli(args, { env, cwd: dir });
  t.equal(run.code, 4, `exit 4: ${run.stderr}`);
  for (const pattern of expected) t.match(run.stderr, pattern);
  t.equal(sockets.length, before, 'no connection to the host');
}

t.test('malformed YAML: the place of the error', async (t) => {
  const broken = file('broken-inventory.yaml', 'all:\n  hosts:\n    web1: {ansible_host: 127.0.0.1\n');
  await rejected(t, ['run', fine, '-i', broken], [/broken-inventory\.yaml:4:1: Flow map/, /1 problem\(s\); nothing was touched/]);
});

t.test('unknown module (with the known ones), wrong argument types: all at once', async (t) => {
  const mistakes = file(
    'mistakes.yaml',
    '- name: p\n  hosts: all\n  tasks:\n    - name: a\n      frobnicate: {x: 1}\n    - name: b\n      file: {path: 12, state: bogus}\n',
  );
  await rejected(t, ['run', mistakes, '-i', inventory], [
    /mistakes\.yaml:5:7: unknown module or keyword "frobnicate"; known modules: assert, command, copy, /,
    /mistakes\.yaml:7:20: file: path: must be string, got number/,
    /mistakes\.yaml:7:31: file: state: must be one of/,
    /3 problem\(s\)/,
  ]);
});

t.test('a play whose hosts match nothing, and a --limit that matches nothing: both', async (t) => {
  const nomatch = file('nomatch.yaml', '- name: p\n  hosts: nosuchgroup\n  tasks:\n    - name: a\n      command: "true"\n');
  await rejected(t, ['run', nomatch, '-i', inventory, '-l', 'nothere'], [
    /nomatch\.yaml:1:3: play "p": hosts "nosuchgroup" matches no host in /,
    /--limit nothere matches no host in /,
    /2 problem\(s\)/,
  ]);
});

t.test('an inventory with no hosts: install, drift and run refuse it', async (t) => {
  const empty = file('empty.yaml', 'all:\n  hosts: {}\n');
  await rejected(t, ['install', '-i', empty], [/empty\.yaml: the inventory defines no hosts/]);
  await rejected(t, ['drift', '-i', empty], [/empty\.yaml: the inventory defines no hosts/]);
  await rejected(t, ['run', fine, '-i', empty], [/empty\.yaml: the inventory defines no hosts/]);
});

t.test('unknown flags and bad -e values', async (t) => {
  await rejected(t, ['run', fine, '-i', inventory, '--bogus'], [/Unknown option '--bogus'/]);
  await rejected(t, ['install', '-i', inventory, '--lock-timeout', 'soon'], [/--lock-timeout must be a duration like 30s or 5m, got "soon"/]);
  await rejected(t, ['run', fine, '-i', inventory, '-e', '{bad'], [/-e: invalid JSON/]);
  await rejected(t, ['run', fine, '-i', inventory, '-e', 'novalue'], [/-e: expected key=value, got "novalue"/]);
  await rejected(t, ['run', fine, '-i', inventory, '-e', `@${file('list.yaml', '- a\n- b\n')}`], [/must hold a mapping/]);
});

t.test(
  'duplicate keys together with schema errors: the duplicate is a warning, every schema error is reported',
  async (t) => {
    const dup = file('dup.yaml', '- name: p\n  hosts: all\n  hosts: all\n  tasks:\n    - name: a\n      frobnicate: {}\n    - name: b\n      file: {path: 12}\n');
    await rejected(t, ['run', dup, '-i', inventory], [/dup\.yaml:3:3: .*duplicate/i, /dup\.yaml:6:7: unknown module or keyword "frobnicate"/, /dup\.yaml:8:\d+: file: path: must be string/]);
  },
);
