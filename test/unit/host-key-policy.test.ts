import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { decideHostKey, preferredHostKeyAlgorithms } from '../../src/connection/host-key-policy.ts';
import { fingerprint } from '../../src/connection/known-hosts.ts';

const dir = t.testdir();
async function key(name: string, type: string): Promise<{ line: string; blob: Buffer; fp: string }> {
  await $({ quiet: true })`ssh-keygen -q -t ${type} -N '' -f ${join(dir, name)}`;
  const line = readFileSync(join(dir, `${name}.pub`), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const blob = Buffer.from(line.split(' ')[1], 'base64');
  return { line, blob, fp: fingerprint(blob) };
}
const offered = await key('offered', 'ed25519');
const other = await key('other', 'ed25519');
const rsa = await key('rsa', 'rsa');

function file(name: string, ...lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

t.test('a matching key is accepted in every mode', async (t) => {
  const kh = file('match', `[10.0.0.1]:2222 ${offered.line}`);
  for (const mode of ['strict', 'accept-new', 'off'] as const) {
    t.same(decideHostKey({ mode, knownHostsFile: kh }, '10.0.0.1', 2222, offered.blob), { accept: true }, mode);
  }
});

t.test('an unknown key: strict refuses with advice, accept-new records it, off accepts', async (t) => {
  const kh = join(dir, 'unknown');
  const strict = decideHostKey({ mode: 'strict', knownHostsFile: kh }, '10.0.0.1', 2222, offered.blob);
  t.equal(strict.accept, false);
  if (!strict.accept) {
    t.match(strict.reason, `10.0.0.1:2222: the server offered ssh-ed25519 key ${offered.fp} and no key for this host is on file in ${kh}`);
    t.match(strict.reason, `ssh-keyscan -p 2222 10.0.0.1 >> ${kh}`);
  }
  t.notOk(existsSync(kh), 'strict writes nothing');
  t.same(decideHostKey({ mode: 'off', knownHostsFile: kh }, '10.0.0.1', 2222, offered.blob), { accept: true });
  t.notOk(existsSync(kh), 'off writes nothing');
  const accepted = decideHostKey({ mode: 'accept-new', knownHostsFile: kh }, '10.0.0.1', 2222, offered.blob);
  t.match(accepted, { accept: true });
  // The verifier runs before the server has proved it holds the key: nothing is pinned yet.
  t.notOk(existsSync(kh), 'accept-new writes nothing from inside the handshake');
  if (accepted.accept) accepted.pin?.();
  t.equal(readFileSync(kh, 'utf8'), `[10.0.0.1]:2222 ${offered.line}\n`, 'pinned when the connection calls pin after the handshake');
  t.same(decideHostKey({ mode: 'strict', knownHostsFile: kh }, '10.0.0.1', 2222, offered.blob), { accept: true }, 'recorded');
});

t.test('a changed key is refused by strict and accept-new, naming both fingerprints', async (t) => {
  const kh = file('changed', `node1 ${other.line}`);
  for (const mode of ['strict', 'accept-new'] as const) {
    const d = decideHostKey({ mode, knownHostsFile: kh }, 'node1', 22, offered.blob);
    t.equal(d.accept, false, mode);
    if (!d.accept) {
      t.match(d.reason, `HOST KEY MISMATCH for node1:22: the server offered ssh-ed25519 key ${offered.fp}, but ${kh} has ${other.fp}`);
      t.match(d.reason, `ssh-keygen -R node1 -f ${kh}`);
    }
  }
  t.equal(readFileSync(kh, 'utf8'), `node1 ${other.line}\n`, 'accept-new did not add the changed key');
});

t.test('a revoked key is refused even by accept-new', async (t) => {
  const kh = file('revoked', `@revoked * ${offered.line}`);
  const d = decideHostKey({ mode: 'accept-new', knownHostsFile: kh }, 'node1', 22, offered.blob);
  t.equal(d.accept, false);
  if (!d.accept) t.match(d.reason, `the offered ssh-ed25519 key ${offered.fp} is marked @revoked in ${kh}`);
  t.equal(readFileSync(kh, 'utf8'), `@revoked * ${offered.line}\n`);
});

t.test('a garbage key blob is refused, not thrown', async (t) => {
  const d = decideHostKey({ mode: 'strict', knownHostsFile: join(dir, 'x') }, 'node1', 22, Buffer.from([1, 2]));
  t.equal(d.accept, false);
  if (!d.accept) t.match(d.reason, 'unreadable host key');
});

t.test('host key algorithms to ask for follow the key types on file', async (t) => {
  const kh = file('types', `node1 ${rsa.line}`, `node1 ${offered.line}`, `node2 ${other.line}`);
  t.same(preferredHostKeyAlgorithms({ mode: 'strict', knownHostsFile: kh }, 'node1', 22), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
  t.same(preferredHostKeyAlgorithms({ mode: 'strict', knownHostsFile: kh }, 'node3', 22), []);
  t.same(preferredHostKeyAlgorithms({ mode: 'off', knownHostsFile: kh }, 'node1', 22), [], 'off mode asks for nothing special');
});

t.test('a host vouched for only by a @cert-authority line is refused, clearly, even by accept-new', async (t) => {
  const kh = file('ca', `@cert-authority *.example ${other.line}`);
  for (const mode of ['strict', 'accept-new'] as const) {
    const d = decideHostKey({ mode, knownHostsFile: kh }, 'node1.example', 22, offered.blob);
    t.equal(d.accept, false, mode);
    if (!d.accept) t.match(d.reason, /only through a @cert-authority line, and host certificates are not supported/);
  }
  t.equal(readFileSync(kh, 'utf8'), `@cert-authority *.example ${other.line}\n`, 'nothing pinned past the CA');
});
