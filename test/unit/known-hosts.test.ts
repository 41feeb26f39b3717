import t from 'tap';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import {
  addHostKey,
  checkHostKey,
  checkHostKeyLines,
  fingerprint,
  hostEntryName,
  hostFieldMatches,
  keyTypeOf,
  knownKeyTypes,
  parseKnownHosts,
} from '../../src/connection/known-hosts.ts';

interface Key {
  type: string;
  b64: string;
  blob: Buffer;
  pubFile: string;
}

async function makeKey(dir: string, type: string, name: string): Promise<Key> {
  const file = join(dir, name);
  await $({ quiet: true })`ssh-keygen -q -t ${type} -N '' -f ${file}`;
  const [keyType, b64] = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
  return { type: keyType, b64, blob: Buffer.from(b64, 'base64'), pubFile: `${file}.pub` };
}

const dir = t.testdir();
const ed = await makeKey(dir, 'ed25519', 'ed');
const ed2 = await makeKey(dir, 'ed25519', 'ed2');
const ecdsa = await makeKey(dir, 'ecdsa', 'ecdsa');

t.test('fingerprint is what ssh-keygen -l prints', async (t) => {
  for (const key of [ed, ecdsa]) {
    const printed = (await $({ quiet: true })`ssh-keygen -l -E sha256 -f ${key.pubFile}`).stdout.split(/\s+/)[1];
    t.equal(fingerprint(key.blob), printed, key.type);
    t.notMatch(fingerprint(key.blob), /=$/, 'no base64 padding');
  }
});

t.test('the key type is read from the blob itself', async (t) => {
  t.equal(keyTypeOf(ed.blob), 'ssh-ed25519');
  t.equal(keyTypeOf(ecdsa.blob), 'ecdsa-sha2-nistp256');
  t.throws(() => keyTypeOf(Buffer.from([0, 0])));
  t.throws(() => keyTypeOf(Buffer.from([0, 0, 1, 0, 65])), 'length beyond the blob');
});

t.test('entry names: bare for port 22, [host]:port otherwise, lower case', async (t) => {
  t.equal(hostEntryName('Node1.Example', 22), 'node1.example');
  t.equal(hostEntryName('10.0.0.5', 2222), '[10.0.0.5]:2222');
});

t.test('parsing skips comments, blank, malformed and unknown-marker lines', async (t) => {
  const text = [
    '# a comment',
    '',
    '   ',
    `node1,10.0.0.1 ${ed.type} ${ed.b64} root@node1`,
    `@revoked * ${ed2.type} ${ed2.b64}`,
    `@cert-authority *.example ${ecdsa.type} ${ecdsa.b64}`,
    `@unknown-marker node9 ${ed.type} ${ed.b64}`,
    'node2 ssh-ed25519',
    `node3 ${ecdsa.type} ${ecdsa.b64}\r`,
  ].join('\n');
  const lines = parseKnownHosts(text);
  t.same(
    lines.map((l) => [l.marker ?? '', l.hosts, l.keyType, l.line]),
    [
      ['', 'node1,10.0.0.1', 'ssh-ed25519', 4],
      ['revoked', '*', 'ssh-ed25519', 5],
      ['cert-authority', '*.example', 'ecdsa-sha2-nistp256', 6],
      ['', 'node3', 'ecdsa-sha2-nistp256', 9],
    ],
  );
  t.ok(lines[0].key.equals(ed.blob));
});

t.test('host patterns: comma lists, ports, wildcards, negation', async (t) => {
  t.ok(hostFieldMatches('node1,10.0.0.1', '10.0.0.1'));
  t.ok(hostFieldMatches('NODE1', 'node1'), 'case-insensitive');
  t.notOk(hostFieldMatches('node1', '[node1]:2222'), 'a bare entry is port 22 only');
  t.ok(hostFieldMatches('[node1]:2222', '[node1]:2222'));
  t.notOk(hostFieldMatches('[node1]:2222', '[node1]:2223'));
  t.ok(hostFieldMatches('*.lab', 'n1.lab'));
  t.ok(hostFieldMatches('10.0.0.?', '10.0.0.7'));
  t.notOk(hostFieldMatches('10.0.0.?', '10.0.0.17'));
  t.notOk(hostFieldMatches('*.lab,!bad.lab', 'bad.lab'), 'negation wins');
  t.ok(hostFieldMatches('*.lab,!bad.lab', 'good.lab'));
  t.notOk(hostFieldMatches('n.lab', 'nxlab'), 'a dot is literal');
});

t.test('status from recorded lines', async (t) => {
  const lines = parseKnownHosts(
    [
      `node1 ${ed.type} ${ed.b64}`,
      `node1 ${ecdsa.type} ${ecdsa.b64}`,
      `[node2]:2222 ${ed.type} ${ed.b64}`,
      `@revoked node3 ${ed2.type} ${ed2.b64}`,
      `node3 ${ed2.type} ${ed2.b64}`,
      `@cert-authority node4 ${ed.type} ${ed.b64}`,
      `node5 ${ecdsa.type} ${ecdsa.b64}`,
    ].join('\n'),
  );
  t.same(checkHostKeyLines(lines, 'node1', 22, ed.type, ed.blob), { status: 'match', known: [fingerprint(ed.blob), fingerprint(ecdsa.blob)] }, 'several key types per host');
  t.same(checkHostKeyLines(lines, 'node1', 22, ecdsa.type, ecdsa.blob).status, 'match');
  t.same(
    checkHostKeyLines(lines, 'node1', 22, ed2.type, ed2.blob),
    { status: 'mismatch', known: [fingerprint(ed.blob), fingerprint(ecdsa.blob)] },
    'a different key of a known type',
  );
  t.equal(checkHostKeyLines(lines, 'node2', 2222, ed.type, ed.blob).status, 'match');
  t.equal(checkHostKeyLines(lines, 'node2', 22, ed.type, ed.blob).status, 'unknown', 'port 22 is another entry');
  t.equal(checkHostKeyLines(lines, 'node3', 22, ed2.type, ed2.blob).status, 'revoked', '@revoked beats a plain line');
  t.same(checkHostKeyLines(lines, 'node4', 22, ed.type, ed.blob), { status: 'cert-authority' }, 'only a @cert-authority line: said so, not unknown');
  t.same(
    checkHostKeyLines(lines, 'node5', 22, ed.type, ed.blob),
    { status: 'mismatch', known: [fingerprint(ecdsa.blob)] },
    'only another key type on file counts as a mismatch',
  );
  t.same(checkHostKeyLines(lines, 'nodeX', 22, ed.type, ed.blob), { status: 'unknown' });
});

t.test('hashed entries written by ssh-keygen -H match, for port 22 and other ports', async (t) => {
  const file = join(t.testdir(), 'known_hosts');
  writeFileSync(file, [`node1 ${ed.type} ${ed.b64}`, `[10.1.2.3]:2201 ${ecdsa.type} ${ecdsa.b64}`, ''].join('\n'));
  await $({ quiet: true })`ssh-keygen -q -H -f ${file}`;
  const text = readFileSync(file, 'utf8');
  t.notMatch(text, /node1|10\.1\.2\.3/, 'names are hashed');
  t.match(text, /^\|1\|/m);
  t.equal(checkHostKey(file, 'node1', 22, ed.type, ed.blob).status, 'match');
  t.equal(checkHostKey(file, '10.1.2.3', 2201, ecdsa.type, ecdsa.blob).status, 'match');
  t.equal(checkHostKey(file, '10.1.2.3', 22, ecdsa.type, ecdsa.blob).status, 'unknown');
  t.equal(checkHostKey(file, 'node1', 22, ed2.type, ed2.blob).status, 'mismatch');
  t.same(knownKeyTypes(file, '10.1.2.3', 2201), ['ecdsa-sha2-nistp256']);
});

t.test('a missing known_hosts file knows no host', async (t) => {
  const file = join(t.testdir(), 'absent');
  t.same(checkHostKey(file, 'node1', 22, ed.type, ed.blob), { status: 'unknown' });
  t.same(knownKeyTypes(file, 'node1', 22), []);
});

t.test('addHostKey creates file and directory privately and writes a line ssh finds', async (t) => {
  const file = join(t.testdir(), 'new', 'ssh', 'known_hosts');
  addHostKey(file, '10.9.9.9', 2222, ed.type, ed.blob);
  t.equal(statSync(join(file, '..')).mode & 0o777, 0o700);
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.equal(readFileSync(file, 'utf8'), `[10.9.9.9]:2222 ${ed.type} ${ed.b64}\n`);
  t.equal(checkHostKey(file, '10.9.9.9', 2222, ed.type, ed.blob).status, 'match');
  const found = await $({ quiet: true, nothrow: true })`ssh-keygen -F ${'[10.9.9.9]:2222'} -f ${file}`;
  t.equal(found.exitCode, 0, 'ssh-keygen -F finds the entry');
});

t.test('addHostKey appends after a last line without newline', async (t) => {
  const file = join(t.testdir(), 'known_hosts');
  writeFileSync(file, `node1 ${ed.type} ${ed.b64}`);
  addHostKey(file, 'node2', 22, ecdsa.type, ecdsa.blob);
  t.equal(readFileSync(file, 'utf8'), `node1 ${ed.type} ${ed.b64}\nnode2 ${ecdsa.type} ${ecdsa.b64}\n`);
  t.equal(checkHostKey(file, 'node1', 22, ed.type, ed.blob).status, 'match');
  t.equal(checkHostKey(file, 'node2', 22, ecdsa.type, ecdsa.blob).status, 'match');
});

t.test('a hashed known_hosts stays hashed when a host is added', async (t) => {
  const dir = t.testdir();
  const kh = join(dir, 'known_hosts');
  writeFileSync(kh, `[10.0.0.9]:22 ssh-ed25519 ${Buffer.from('x').toString('base64')}\n`);
  await $({ quiet: true })`ssh-keygen -q -H -f ${kh}`;
  const key = Buffer.from(readFileSync(kh, 'utf8').trim().split(/\s+/)[2], 'base64');
  addHostKey(kh, 'node7.example', 2222, 'ssh-ed25519', key);
  const text = readFileSync(kh, 'utf8');
  t.notMatch(text, 'node7', 'the new host name is not written in clear');
  t.equal(text.trim().split('\n').filter((l) => l.startsWith('|1|')).length, 2);
  t.equal(checkHostKey(kh, 'node7.example', 2222, 'ssh-ed25519', key).status, 'match', 'and it matches');
  const fresh = join(dir, 'plain');
  addHostKey(fresh, 'node8', 22, 'ssh-ed25519', key);
  t.match(readFileSync(fresh, 'utf8'), /^node8 ssh-ed25519 /, 'a plain file stays plain');
});
