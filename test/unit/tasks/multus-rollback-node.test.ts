/**
 * The node side of rollback on a fake K3s layout in a temp dir: multus_leftovers plans,
 * multus_cleanup removes Multus's files once no daemon answers (never K3s's names nor what
 * the pristine record lists), k3s_cni_restore re-links to the CURRENT multicall binary, and
 * rollback_record writes state.json once; each converges (check, change, then nothing).
 */
import t from 'tap';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { k3sCniBackup } from '../../../tasks/k3s/k3s-cni-backup.ts';
import { backupTargets, k3sCniRestore } from '../../../tasks/k3s/k3s-cni-restore.ts';
import { installRecord } from '../../../tasks/multus/install-record.ts';
import { leftoverCandidates, parseLeftoverProbe } from '../../../tasks/multus/leftovers.ts';
import { multusCleanup } from '../../../tasks/multus/multus-cleanup.ts';
import { multusLeftovers } from '../../../tasks/multus/multus-leftovers.ts';
import { rollbackRecord } from '../../../tasks/multus/rollback-record.ts';
import { assertConverges } from '../../helpers/converge.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';
import { fakeFacts, makeFakeK3s, overwriteWithFile, putPlugin, upgradeFakeK3s, type FakeK3s } from '../../helpers/fake-k3s-layout.ts';
import type { K3sFacts } from '../../../tasks/k3s/facts.ts';

const K3S_NAMES = ['cni', 'bandwidth', 'bridge', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap'];

/** A node as install leaves it: pristine backup (with a user's `macvlan` already there), Multus's files, state.json. */
async function installed(t: Parameters<typeof makeFakeK3s>[0]) {
  const fake = await makeFakeK3s(t);
  await putPlugin(fake.binDir, 'macvlan');
  await writeFile(join(fake.confDir, '05-user.conf'), '{"type":"user"}\n');
  const pristineFacts = await fakeFacts(fake);
  const backup = await k3sCniBackup.run({ facts: pristineFacts, backup_dir: fake.backupDir }, createTestHostContext());
  t.equal(backup.changed, true, backup.msg);
  for (const name of ['multus-shim', 'passthru', 'ipvlan']) await putPlugin(fake.binDir, name);
  await writeFile(join(fake.confDir, '00-multus.conf'), '{"type":"multus-shim"}\n', { mode: 0o600 });
  const socketDir = join(fake.root, 'run', 'multus');
  const cacheDir = join(fake.root, 'var', 'lib', 'cni', 'multus');
  await mkdir(socketDir, { recursive: true });
  await mkdir(cacheDir, { recursive: true });
  await writeFile(join(cacheDir, 'abc123'), '{}\n');
  const facts = await fakeFacts(fake);
  const rec = await installRecord.run(
    {
      facts,
      state_dir: fake.stateDir,
      backup_dir: fake.backupDir,
      files_added: [...['multus-shim', 'passthru', 'ipvlan'].map((n) => join(fake.binDir, n)), join(fake.confDir, '00-multus.conf'), socketDir, cacheDir],
    },
    createTestHostContext(),
  );
  t.equal(rec.changed, true, rec.msg);
  const args = { facts, state_dir: fake.stateDir, backup_dir: fake.backupDir, socket_dir: socketDir, cache_dir: cacheDir };
  return { fake, facts, args, socketDir, cacheDir };
}

/** What a killed daemon leaves: a socket file nobody listens on. */
async function deadSocket(path: string): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  await rename(path, `${path}.keep`);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rename(`${path}.keep`, path);
}

t.test('cleanup removes Multus files, keeps K3s names and pre-install files, converges', async (t) => {
  const { fake, args, socketDir, cacheDir } = await installed(t);
  await deadSocket(join(socketDir, 'multus.sock'));
  const pre = await multusLeftovers.run(args, createTestHostContext());
  const found = pre.facts?.multus_leftovers as { daemon: string; had_multus: boolean; remove: Array<{ path: string }> };
  t.equal(found.daemon, 'refused', 'a dead socket file is no daemon');
  t.equal(found.had_multus, true);
  t.equal(found.remove[0].path, join(fake.confDir, '00-multus.conf'), 'the conf goes first');
  const runs = await assertConverges(t, multusCleanup, args, fake.root);
  t.match(runs.check.msg, /^would remove /);
  t.same((await readdir(fake.binDir)).sort(), [...K3S_NAMES, 'macvlan'].sort(), 'only K3s names and the pre-install macvlan stay');
  t.same((await readdir(fake.confDir)).sort(), ['05-user.conf', '10-flannel.conflist']);
  t.notOk(existsSync(socketDir), 'socket dir gone');
  t.notOk(existsSync(cacheDir), 'cache dir gone');
});

t.test('cleanup refuses while the daemon answers on its socket', async (t) => {
  const { fake, args, socketDir } = await installed(t);
  const server = createServer((s) => s.end('HTTP/1.0 200 OK\r\n\r\nok\n'));
  await new Promise<void>((resolve) => server.listen(join(socketDir, 'multus.sock'), resolve));
  const ctx = createTestHostContext();
  const res = await multusCleanup.run(args, ctx);
  server.close();
  t.match(res, { failed: true, changed: false, msg: /still answers on .*multus\.sock/ });
  t.equal(ctx.changes().length, 0, 'nothing changed');
  t.ok(existsSync(join(fake.binDir, 'multus-shim')));
  t.ok(existsSync(join(fake.confDir, '00-multus.conf')));
});

t.test('without state.json: Multus names and extras the pristine record did not list', async (t) => {
  const { fake, args } = await installed(t);
  await rm(join(fake.stateDir, 'state.json'));
  await multusCleanup.run({ ...args, extra_cni_plugins: ['ipvlan', 'macvlan'] }, createTestHostContext());
  t.same((await readdir(fake.binDir)).sort(), [...K3S_NAMES, 'macvlan'].sort(), 'ipvlan removed, the pre-install macvlan kept');
});

t.test('a node that never had Multus has nothing to do, and gets no state.json', async (t) => {
  const fake = await makeFakeK3s(t);
  const facts = await fakeFacts(fake);
  const args = { facts, state_dir: fake.stateDir, backup_dir: fake.backupDir, socket_dir: join(fake.root, 'run', 'multus'), cache_dir: join(fake.root, 'cache') };
  const pre = await multusLeftovers.run(args, createTestHostContext());
  t.match(pre, { failed: false, changed: false, msg: /^nothing to do/ });
  const ctx = createTestHostContext();
  t.match(await multusCleanup.run(args, ctx), { changed: false, failed: false });
  t.match(await rollbackRecord.run({ state_dir: fake.stateDir, had_multus: false }, ctx), { changed: false, failed: false });
  t.equal(ctx.changes().length, 0);
  t.notOk(existsSync(fake.stateDir));
});

async function restoredLinks(fake: FakeK3s): Promise<string[]> {
  return Promise.all(K3S_NAMES.map((n) => readlink(join(fake.binDir, n)).catch(() => 'not a link')));
}

t.test('restore re-links overwritten names to the current multicall binary after an upgrade', async (t) => {
  const { fake, facts: oldFacts } = await installed(t);
  const oldTarget = fake.multicall;
  await upgradeFakeK3s(fake, 'v1.31.3+k3s1');
  await overwriteWithFile(join(fake.binDir, 'host-local'), 'copied host-local\n');
  const facts: K3sFacts = { ...(await fakeFacts(fake)) };
  t.not(fake.multicall, oldTarget);
  const runs = await assertConverges(t, k3sCniRestore, { facts, backup_dir: fake.backupDir }, fake.root);
  t.same(runs.first.data?.restored, ['host-local']);
  t.equal(runs.first.data?.target_from, 'current');
  t.same(await restoredLinks(fake), K3S_NAMES.map(() => fake.multicall), 'every name -> the NEW binary');
  t.equal(oldFacts.multicall.target, oldTarget);
});

t.test("restore falls back to the backup record's binary only when the current one is gone", async (t) => {
  const fake = await makeFakeK3s(t);
  const facts = await fakeFacts(fake);
  await k3sCniBackup.run({ facts, backup_dir: fake.backupDir }, createTestHostContext());
  const recorded = fake.multicall;
  // data/cni/cni now points at a bundle that was removed; the recorded one still exists.
  const gone = join(fake.dataDir, 'data', 'gone', 'bin', 'cni');
  for (const n of K3S_NAMES) await overwriteLink(join(fake.binDir, n), gone);
  const res = await k3sCniRestore.run({ facts, backup_dir: fake.backupDir }, createTestHostContext());
  t.match(res, { changed: true, failed: false, data: { target_from: 'backup', target: recorded } }, res.msg);
  t.same(await restoredLinks(fake), K3S_NAMES.map(() => recorded));
  t.same(backupTargets([undefined, { data_dir: fake.dataDir, multicall: { target: 'x', sha256: null } } as never], fake.dataDir, 'y'), ['x']);
});

t.test('restore fails when the Flannel conflist changed, and when nothing is left to link to', async (t) => {
  const fake = await makeFakeK3s(t);
  const facts = await fakeFacts(fake);
  await writeFile(fake.flannelConflist, '{"changed":true}\n');
  const res = await k3sCniRestore.run({ facts, backup_dir: fake.backupDir }, createTestHostContext());
  t.match(res, { failed: true, msg: /10-flannel\.conflist changed during the rollback/ });
  await rm(fake.multicall);
  const none = await k3sCniRestore.run({ facts, backup_dir: fake.backupDir }, createTestHostContext());
  t.match(none, { failed: true, msg: /multicall binary .* is gone/ });
});

t.test('rollback_record marks state.json once; install afterwards records the install again', async (t) => {
  const { fake, facts } = await installed(t);
  const file = join(fake.stateDir, 'state.json');
  const installedState = JSON.parse(await readFile(file, 'utf8'));
  await assertConverges(t, rollbackRecord, { state_dir: fake.stateDir, had_multus: true }, fake.root);
  const state = JSON.parse(await readFile(file, 'utf8'));
  t.match(state, { ...installedState, rolled_back_at: /^\d{4}-/, rolled_back_by: /^provision \d/ });
  t.equal((await stat(file)).mode & 0o777, 0o644);
  const again = await installRecord.run({ facts, state_dir: fake.stateDir, backup_dir: fake.backupDir }, createTestHostContext());
  t.equal(again.changed, true, 'a rolled-back record is never taken as up to date');
  t.notOk('rolled_back_at' in JSON.parse(await readFile(file, 'utf8')));
});

t.test('pure planning and parsing', async (t) => {
  const fake = await makeFakeK3s(t);
  const facts = await fakeFacts(fake);
  const bin = (n: string) => join(fake.binDir, n);
  const plan = leftoverCandidates({
    facts,
    state: { files_added: [bin('ipvlan'), bin('host-local'), bin('macvlan'), '/etc/passwd', `${fake.binDir}/../cni/x`, 'rel/x'] },
    pristine: { bin_dir_others: ['macvlan'] } as never,
    extraPlugins: [],
    socketDir: '/run/multus',
    cacheDir: '/var/lib/cni/multus',
  });
  t.same(plan.candidates.map((c) => c.path), [join(fake.confDir, '00-multus.conf'), '/run/multus', '/var/lib/cni/multus', bin('multus-shim'), bin('passthru'), bin('ipvlan')]);
  t.same(plan.kept.map((k) => k.path), [bin('host-local'), bin('macvlan'), '/etc/passwd', `${fake.binDir}/../cni/x`, 'rel/x']);
  const noRecord = leftoverCandidates({ facts, state: undefined, pristine: undefined, extraPlugins: ['ipvlan'], socketDir: '/run/multus', cacheDir: '/c' });
  t.match(noRecord.kept, [{ path: bin('ipvlan'), why: /no state\.json/ }], 'without any record an extra plugin is kept');
  const b64 = Buffer.from('/a b').toString('base64');
  t.same(parseLeftoverProbe({ exitCode: 0, stdout: `path ${b64} dir\ndaemon refused\n`, stderr: '' }), { kinds: { '/a b': 'dir' }, daemon: 'refused' });
  t.throws(() => parseLeftoverProbe({ exitCode: 0, stdout: `path ${b64} dir\n`, stderr: '' }), /incomplete/);
  t.throws(() => parseLeftoverProbe({ exitCode: 0, stdout: 'junk\ndaemon refused\n', stderr: '' }), /unexpected line/);
});

async function overwriteLink(path: string, target: string): Promise<void> {
  const { symlink } = await import('node:fs/promises');
  await symlink(target, `${path}.tmp`);
  await rename(`${path}.tmp`, path);
}
