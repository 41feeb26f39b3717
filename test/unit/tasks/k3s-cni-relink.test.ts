import t from 'tap';
import { chmod, lstat, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { k3sCniRelink, relinksNeeded } from '../../../tasks/k3s/k3s-cni-relink.ts';
import { assertConverges } from '../../helpers/converge.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';
import { fakeFacts, makeFakeK3s, multicallScript, overwriteWithFile, upgradeFakeK3s } from '../../helpers/fake-k3s-layout.ts';
import { watchPath } from '../../helpers/path-watcher.ts';
import { snapshotTree } from '../../helpers/tree-snapshot.ts';

const PLUGINS = ['bandwidth', 'bridge', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap'];

t.test('a regular-file host-local and a missing loopback are re-linked, then left alone', async (t) => {
  const fake = await makeFakeK3s(t);
  const facts = await fakeFacts(fake);
  await overwriteWithFile(join(fake.binDir, 'host-local'), 'reference host-local\n');
  await rm(join(fake.binDir, 'loopback'));
  const runs = await assertConverges(t, k3sCniRelink, { facts }, fake.root);
  for (const name of ['cni', ...PLUGINS]) t.equal(await readlink(join(fake.binDir, name)), fake.multicall, name);
  t.same(runs.first.data?.relinked, ['host-local', 'loopback']);
  t.match(runs.first.diff?.before, /^host-local: regular file sha256 [0-9a-f]{64} mode 0755\nloopback: missing\n$/);
  t.equal(runs.first.diff?.after, `host-local -> ${fake.multicall}\nloopback -> ${fake.multicall}\n`);
  t.match(runs.first.msg, `re-linked 2 in ${fake.binDir}: host-local: regular file`);
  t.match(runs.check.msg, /^would re-link 2/);
  t.same(runs.check.diff, runs.first.diff, 'check mode predicts the same diff');
  t.same(runs.second.data?.relinked, []);
  t.match(await readFile(join(fake.binDir, 'host-local'), 'utf8'), /fake multicall cni/);
});

t.test('host-local never disappears while it is replaced', async (t) => {
  const fake = await makeFakeK3s(t);
  const facts = await fakeFacts(fake);
  const path = join(fake.binDir, 'host-local');
  const watcher = watchPath(path, join(fake.root, 'stop'));
  for (let i = 0; i < 15; i++) {
    await overwriteWithFile(path, `copied host-local ${i}\n`);
    const res = await k3sCniRelink.run({ facts }, createTestHostContext());
    t.equal(res.changed, true, res.msg);
  }
  const seen = await watcher.stop();
  t.equal(seen.missing, 0, 'the watcher never found host-local missing');
  t.ok(seen.checks > 500, `the watcher really looked (${seen.checks} checks)`);
  t.equal(await readlink(path), fake.multicall);
});

t.test('after a K3s upgrade the links go to the NEW multicall binary', async (t) => {
  const fake = await makeFakeK3s(t);
  const staleFacts = await fakeFacts(fake);
  const oldTarget = fake.multicall;
  await overwriteWithFile(join(fake.binDir, 'host-local'), 'copied host-local\n');
  // K3s re-points its symlinks and leaves the regular file alone.
  await upgradeFakeK3s(fake, 'v1.31.3+k3s1');
  t.equal(await readlink(join(fake.binDir, 'cni')), fake.multicall);
  t.ok((await lstat(join(fake.binDir, 'host-local'))).isFile(), 'the upgrade kept the regular file');

  const res = await k3sCniRelink.run({ facts: staleFacts }, createTestHostContext());
  t.equal(res.changed, true, res.msg);
  t.not(fake.multicall, oldTarget);
  t.equal(await readlink(join(fake.binDir, 'host-local')), fake.multicall, 'not the backed-up, stale target');
  t.equal(await readFile(join(fake.binDir, 'host-local'), 'utf8'), multicallScript('v1.31.3+k3s1'));
  t.same(res.data?.relinked, ['host-local']);
});

t.test('a cni entry that is not a link is pointed at the current bundle', async (t) => {
  const fake = await makeFakeK3s(t);
  const facts = await fakeFacts(fake);
  await overwriteWithFile(join(fake.binDir, 'cni'), 'not the multicall\n');
  await overwriteWithFile(join(fake.binDir, 'bridge'), 'copied bridge\n');
  const res = await k3sCniRelink.run({ facts }, createTestHostContext());
  t.same(res.data?.relinked, ['cni', 'bridge']);
  t.equal(await readlink(join(fake.binDir, 'cni')), fake.multicall, 'found through data/current');
});

t.test('the older layout uses relative links and leaves the binary alone', async (t) => {
  const fake = await makeFakeK3s(t, { layout: 'current' });
  const facts = await fakeFacts(fake);
  await overwriteWithFile(join(fake.binDir, 'host-local'), 'copied host-local\n');
  const runs = await assertConverges(t, k3sCniRelink, { facts }, fake.root);
  t.equal(await readlink(join(fake.binDir, 'host-local')), 'cni');
  t.ok((await lstat(join(fake.binDir, 'cni'))).isFile(), 'cni is still the binary');
  t.equal(runs.first.diff?.after, 'host-local -> cni\n');
});

t.test('refuses, changing nothing, when there is no multicall binary to link to', async (t) => {
  const fake = await makeFakeK3s(t);
  const facts = await fakeFacts(fake);
  await overwriteWithFile(join(fake.binDir, 'host-local'), 'copied host-local\n');
  await chmod(fake.multicall, 0o644);
  const before = await snapshotTree(fake.root);
  const ctx = createTestHostContext();
  const res = await k3sCniRelink.run({ facts }, ctx);
  t.match(res, { failed: true, msg: /refusing to re-link: the multicall binary .* is not executable; nothing to link to/ });
  await rm(fake.multicall);
  const gone = await k3sCniRelink.run({ facts }, ctx);
  t.match(gone, { failed: true, msg: /does not exist; nothing to link to/ });
  t.equal(ctx.changes().length, 0);
  const after = await snapshotTree(fake.root);
  delete before[`k3s/data/${fake.hash}/bin/cni`];
  t.same(after, before, 'nothing else changed');
});

t.test('relinksNeeded keeps correct links and lists the rest in order', async (t) => {
  const entries = {
    cni: { kind: 'symlink' as const, target: '/t' },
    bridge: { kind: 'symlink' as const, target: '/old' },
    flannel: { kind: 'file' as const, sha256: null, mode: '0755' },
  };
  t.same(
    relinksNeeded(entries, ['cni', 'bridge', 'flannel', 'portmap'], '/t').map((r) => [r.name, r.before.kind]),
    [
      ['bridge', 'symlink'],
      ['flannel', 'file'],
      ['portmap', 'missing'],
    ],
  );
});
