import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { k3sCniBackup } from '../../../tasks/k3s/k3s-cni-backup.ts';
import { parseRecord, sameState, type BackupRecord } from '../../../tasks/k3s/backup-record.ts';
import { assertConverges } from '../../helpers/converge.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';
import { fakeFacts, makeFakeK3s, overwriteWithFile, upgradeFakeK3s } from '../../helpers/fake-k3s-layout.ts';
import { snapshotTree } from '../../helpers/tree-snapshot.ts';

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const readRecord = async (dir: string): Promise<BackupRecord> => {
  const r = parseRecord(await readFile(join(dir, 'record.json'), 'utf8'));
  if (typeof r === 'string') throw new Error(r);
  return r;
};

t.test('the first backup writes pristine/, the second changes nothing', async (t) => {
  const fake = await makeFakeK3s(t);
  const facts = await fakeFacts(fake);
  const args = { facts, backup_dir: fake.backupDir };
  const runs = await assertConverges(t, k3sCniBackup, args, fake.root);
  t.match(runs.check.msg, `would write pristine backup ${join(fake.backupDir, 'pristine')}`);
  t.match(runs.check.diff?.after, /"k3s_version": "v1.31.2\+k3s1"/, 'check mode shows the record');

  const record = await readRecord(join(fake.backupDir, 'pristine'));
  t.equal(record.k3s_version, 'v1.31.2+k3s1');
  t.equal(record.data_dir, fake.dataDir);
  t.equal(record.layout, 'cni');
  t.equal(record.bin_dir, fake.binDir);
  t.same(record.multicall, { target: fake.multicall, sha256: sha(await readFile(fake.multicall)) });
  t.equal(record.flannel_conflist_sha256, sha(await readFile(fake.flannelConflist)));
  t.same(record.entries['host-local'], { kind: 'symlink', target: fake.multicall });
  t.equal(Object.keys(record.entries).length, 8);
  t.notOk(existsSync(join(fake.backupDir, 'pristine', 'files')), 'links need no copies');
  t.notOk(existsSync(join(fake.backupDir, 'latest')));
  t.match(runs.second.msg, /backup up to date/);
  t.same(runs.second.data?.pristine, join(fake.backupDir, 'pristine'));
});

t.test('a host-local already overwritten at the first backup is copied, checked and warned about', async (t) => {
  const fake = await makeFakeK3s(t);
  const content = '#!/bin/sh\necho reference host-local\n';
  await overwriteWithFile(join(fake.binDir, 'host-local'), content);
  const ctx = createTestHostContext();
  const res = await k3sCniBackup.run({ facts: await fakeFacts(fake), backup_dir: fake.backupDir }, ctx);
  t.equal(res.changed, true, res.msg);
  t.match(ctx.warnings, [/host-local .* already a regular file at the first backup.*files\/host-local/]);
  const copy = join(fake.backupDir, 'pristine', 'files', 'host-local');
  t.equal(await readFile(copy, 'utf8'), content);
  t.equal((await stat(copy)).mode & 0o777, 0o755, 'the mode is kept');
  const record = await readRecord(join(fake.backupDir, 'pristine'));
  t.same(record.entries['host-local'], { kind: 'file', sha256: sha(content), mode: '0755' });
  t.equal((await stat(join(fake.backupDir, 'pristine'))).mode & 0o777, 0o700);
});

t.test('pristine is never overwritten; a changed node gets a new latest', async (t) => {
  const fake = await makeFakeK3s(t);
  const backupDir = fake.backupDir;
  const first = await k3sCniBackup.run({ facts: await fakeFacts(fake), backup_dir: backupDir }, createTestHostContext());
  t.equal(first.changed, true);
  const pristineBefore = await snapshotTree(join(backupDir, 'pristine'));

  // An installer overwrites bridge; the next backup records that as latest.
  await overwriteWithFile(join(fake.binDir, 'bridge'), 'reference bridge\n');
  const facts = await fakeFacts(fake);
  const runs = await assertConverges(t, k3sCniBackup, { facts, backup_dir: backupDir }, fake.root);
  t.match(runs.first.msg, /wrote backup .*history\/.* \(latest\)/);
  t.same(await snapshotTree(join(backupDir, 'pristine')), pristineBefore, 'pristine is untouched');
  t.ok((await lstat(join(backupDir, 'latest'))).isSymbolicLink(), 'latest is a link, replaced by rename');
  t.match(await readlink(join(backupDir, 'latest')), /^history\//);
  const latest = await readRecord(join(backupDir, 'latest'));
  t.equal(latest.entries.bridge.kind, 'file');
  t.equal(await readFile(join(backupDir, 'latest', 'files', 'bridge'), 'utf8'), 'reference bridge\n');
  t.match(runs.first.diff?.before, /"bridge": \{\n\s+"kind": "symlink"/, 'diff shows the previous record');

  // A K3s upgrade changes the node again: a second later backup, pristine still untouched.
  const oldLatest = await readlink(join(backupDir, 'latest'));
  await upgradeFakeK3s(fake, 'v1.31.3+k3s1');
  const third = await k3sCniBackup.run({ facts: await fakeFacts(fake), backup_dir: backupDir }, createTestHostContext());
  t.equal(third.changed, true, third.msg);
  t.not(await readlink(join(backupDir, 'latest')), oldLatest);
  t.ok(existsSync(join(backupDir, oldLatest, 'record.json')), 'the earlier latest stays in history');
  t.equal((await readRecord(join(backupDir, 'latest'))).multicall.target, fake.multicall);
  t.same(await snapshotTree(join(backupDir, 'pristine')), pristineBefore);
});

t.test('an unusable pristine is reported, never replaced', async (t) => {
  const fake = await makeFakeK3s(t);
  await mkdir(join(fake.backupDir, 'pristine'), { recursive: true });
  await writeFile(join(fake.backupDir, 'pristine', 'notes.txt'), 'mine');
  const before = await snapshotTree(fake.root);
  const res = await k3sCniBackup.run({ facts: await fakeFacts(fake), backup_dir: fake.backupDir }, createTestHostContext());
  t.equal(res.failed, true);
  t.match(res.msg, /pristine exists but holds no record.json/);
  t.same(await snapshotTree(fake.root), before);
});

t.test('records compare by state, not by time', async (t) => {
  const fake = await makeFakeK3s(t);
  await k3sCniBackup.run({ facts: await fakeFacts(fake), backup_dir: fake.backupDir }, createTestHostContext());
  const r = await readRecord(join(fake.backupDir, 'pristine'));
  t.ok(sameState(r, { ...r, time: '2000-01-01T00:00:00.000Z' }));
  t.notOk(sameState(r, { ...r, flannel_conflist_sha256: 'x' }));
  t.notOk(sameState(r, { ...r, entries: { ...r.entries, bridge: { kind: 'missing' } } }));
  t.match(parseRecord('{'), /not JSON/);
  t.match(parseRecord('{"time": 1}'), /not a backup record/);
});

t.test('facts from another data dir are refused', async (t) => {
  const fake = await makeFakeK3s(t);
  const res = await k3sCniBackup.run(
    { facts: await fakeFacts(fake), k3s_data_dir: '/var/lib/rancher/k3s', backup_dir: fake.backupDir },
    createTestHostContext(),
  );
  t.match(res, { failed: true, msg: /differs from the data dir k3s_facts found/ });
  const bad = await k3sCniBackup.run({ facts: {} as never, backup_dir: fake.backupDir }, createTestHostContext());
  t.match(bad, { failed: true, msg: /facts lacks data_dir/ });
});

t.test('a multicall binary changed under the same path is refused, not adopted as latest', async (t) => {
  const fake = await makeFakeK3s(t);
  const first = await k3sCniBackup.run({ facts: await fakeFacts(fake), backup_dir: fake.backupDir }, createTestHostContext());
  t.equal(first.changed, true, first.msg);
  const before = await snapshotTree(fake.backupDir);
  // A `cp` onto host-local wrote through the link, onto K3s's multicall binary.
  await writeFile(join(fake.binDir, 'host-local'), '#!/bin/sh\necho reference host-local\n');
  const ctx = createTestHostContext();
  const res = await k3sCniBackup.run({ facts: await fakeFacts(fake), backup_dir: fake.backupDir }, ctx);
  t.match(res, { failed: true, changed: false, msg: new RegExp(`${fake.multicall}.*changed since the backup.*wrote through`) });
  t.equal(ctx.changes().length, 0, 'nothing is written');
  t.same(await snapshotTree(fake.backupDir), before, 'the known-good record stays the newest');
});
