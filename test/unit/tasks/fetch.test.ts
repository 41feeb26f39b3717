import t from 'tap';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fetch, fetchDestination } from '../../../tasks/builtin/fetch.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';
import { snapshotTree } from '../../helpers/tree-snapshot.ts';

t.test('destination layout follows Ansible', async (t) => {
  t.equal(fetchDestination({ src: '/etc/k3s.yaml', dest: 'out' }, 'node1', '/play'), '/play/out/node1/etc/k3s.yaml');
  t.equal(fetchDestination({ src: '/etc/k3s.yaml', dest: 'kube.yaml', flat: true }, 'node1', '/play'), '/play/kube.yaml');
  t.equal(fetchDestination({ src: '/etc/k3s.yaml', dest: '/abs/', flat: true }, 'node1', '/play'), '/abs/k3s.yaml');
  t.throws(() => fetchDestination({ src: '../../etc/passwd', dest: 'out' }, 'n', '/play'), /leaves its directory/);
});

t.test('converges: check predicts without writing, first run writes, second is unchanged', async (t) => {
  const dir = t.testdir({ remote: { '00-multus.conf': '{"type":"multus-shim"}\n' }, local: {} });
  const src = join(dir, 'remote', '00-multus.conf');
  const local = join(dir, 'local');
  const args = { src, dest: 'collected/' };
  const opts = { playbookDir: local, host: 'node1' };
  const before = await snapshotTree(local);

  const checkCtx = createTestHostContext({ ...opts, check: true });
  const check = await fetch.run(args, checkCtx);
  t.match(check, { changed: true, failed: false });
  t.same(await snapshotTree(local), before, 'check mode wrote nothing locally');
  t.equal(checkCtx.changes().length, 0);

  const first = await fetch.run(args, createTestHostContext(opts));
  const dest = join(local, 'collected', 'node1', src);
  t.match(first, { changed: true, data: { dest } });
  t.equal(await readFile(dest, 'utf8'), '{"type":"multus-shim"}\n');

  const secondCtx = createTestHostContext(opts);
  const second = await fetch.run(args, secondCtx);
  t.match(second, { changed: false, failed: false });
  t.equal(secondCtx.changes().length, 0, 'never changes the host');
  t.same(await readdir(join(local, 'collected', 'node1', dir, 'remote')), ['00-multus.conf'], 'no temp file left');

  await writeFile(src, 'changed on the host\n');
  const third = await fetch.run(args, createTestHostContext({ ...opts, diff: true }));
  t.match(third, { changed: true, diff: { before: '{"type":"multus-shim"}\n', after: 'changed on the host\n' } });
  t.equal(await readFile(dest, 'utf8'), 'changed on the host\n');
});

t.test('flat with hostile names; a missing source fails', async (t) => {
  const dir = t.testdir();
  const src = join(dir, "k3s $(id) 'x'.yaml");
  await writeFile(src, 'apiVersion: v1\n');
  const res = await fetch.run({ src, dest: 'kube config.yaml', flat: true }, createTestHostContext({ playbookDir: dir }));
  t.equal(res.changed, true);
  t.equal(await readFile(join(dir, 'kube config.yaml'), 'utf8'), 'apiVersion: v1\n');
  const missing = await fetch.run({ src: join(dir, 'nope'), dest: 'x', flat: true }, createTestHostContext({ playbookDir: dir }));
  t.match(missing, { failed: true, msg: /file not found/ });
  t.notOk(existsSync(join(dir, 'x')));
});

t.test('a fetched kubeconfig leaks nowhere: no content in the result without --diff, local copy 0600', async (t) => {
  const key = 'client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t';
  const dir = t.testdir({ 'k3s.yaml': `apiVersion: v1\nusers:\n- user:\n    ${key}\n` });
  const old = process.umask(0o022);
  t.teardown(() => void process.umask(old));
  const res = await fetch.run({ src: join(dir, 'k3s.yaml'), dest: 'kubeconfig.yaml', flat: true }, createTestHostContext({ playbookDir: dir }));
  t.equal(res.changed, true);
  t.notOk(res.diff, 'no diff without --diff');
  t.notMatch(JSON.stringify(res), key, 'the key is not in the result (nor in --json logs of it)');
  t.equal(statSync(join(dir, 'kubeconfig.yaml')).mode & 0o777, 0o600, 'readable by the owner only');
  await writeFile(join(dir, 'k3s.yaml'), 'apiVersion: v1\n');
  const shown = await fetch.run({ src: join(dir, 'k3s.yaml'), dest: 'kubeconfig.yaml', flat: true }, createTestHostContext({ playbookDir: dir, diff: true }));
  t.match(shown.diff?.before, key, 'with --diff it is shown, as asked');
});
