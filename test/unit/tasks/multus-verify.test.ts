import t, { type Test } from 'tap';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { appendFile, chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { k3sCniBackup } from '../../../tasks/k3s/k3s-cni-backup.ts';
import { multusVerify } from '../../../tasks/multus/multus-verify.ts';
import type { VerifyCheck } from '../../../tasks/multus/checks.ts';
import { parseMultusProbe, PYTHON_HEALTHZ } from '../../../tasks/multus/probe.ts';
import { sh } from '../../../src/connection/quote.ts';
import { LocalConnection } from '../../../src/connection/local.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';
import { fakeFacts, makeFakeK3s, putPlugin, upgradeFakeK3s, type FakeK3s } from '../../helpers/fake-k3s-layout.ts';
import { snapshotTree } from '../../helpers/tree-snapshot.ts';

const MULTUS_CONF = { cniVersion: '1.0.0', name: 'multus-cni-network', type: 'multus-shim', clusterNetwork: '/host/etc/cni/net.d/10-flannel.conflist' };

/** A node as a good install leaves it: backup taken, Multus's files in place, the daemon answering. */
async function installedNode(t: Test, healthzStatus = 200): Promise<{ fake: FakeK3s; socket: string }> {
  const fake = await makeFakeK3s(t);
  const backup = await k3sCniBackup.run({ facts: await fakeFacts(fake), backup_dir: fake.backupDir }, createTestHostContext());
  if (!backup.changed) throw new Error(backup.msg);
  for (const name of ['multus-shim', 'passthru', 'ipvlan']) await putPlugin(fake.binDir, name);
  await writeFile(join(fake.confDir, '00-multus.conf'), JSON.stringify(MULTUS_CONF), { mode: 0o600 });
  const socket = join(fake.root, 'multus.sock');
  const server: Server = createServer((req, res) => {
    // v4.3.0: /healthz for GET and POST, 404 for every other path (pkg/server/server.go).
    res.statusCode = req.url === '/healthz' ? (req.method === 'GET' || req.method === 'POST' ? healthzStatus : 405) : 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { fake, socket };
}

const byName = (checks: VerifyCheck[]): Record<string, VerifyCheck> => Object.fromEntries(checks.map((c) => [c.name, c]));

t.test('a good install passes every check and changes nothing', async (t) => {
  const { fake, socket } = await installedNode(t);
  const before = await snapshotTree(fake.confDir);
  const ctx = createTestHostContext();
  const res = await multusVerify.run({ facts: await fakeFacts(fake), socket, backup_dir: fake.backupDir }, ctx);
  t.equal(res.failed, false, res.msg);
  t.equal(res.changed, false);
  const checks = res.data?.checks as VerifyCheck[];
  t.same(checks.filter((c) => !c.ok), []);
  t.same(
    checks.map((c) => c.name),
    [
      'plugin multus-shim', 'plugin passthru', 'plugin ipvlan',
      ...['cni', 'bandwidth', 'bridge', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap'].map((n) => `K3s link ${n}`),
      'multicall binary', 'multicall sha256', '00-multus.conf', 'multus clusterNetwork', '10-flannel.conflist', 'multus socket', 'multus healthz',
    ],
  );
  t.match(byName(checks)['multus healthz'].detail, /POST \/healthz answered 200 \(asked with (curl|python3)\)/);
  t.equal(ctx.changes().length, 0);
  t.same(await snapshotTree(fake.confDir), before);
});

t.test('a write-through, a missing multus-shim and a wrong clusterNetwork are all in one result', async (t) => {
  const { fake, socket } = await installedNode(t);
  // `cp` onto the host-local link writes through it, onto K3s's multicall binary.
  await appendFile(join(fake.binDir, 'host-local'), '# overwritten through the link\n');
  await rm(join(fake.binDir, 'multus-shim'));
  await writeFile(join(fake.confDir, '00-multus.conf'), JSON.stringify({ ...MULTUS_CONF, clusterNetwork: '/host/etc/cni/net.d/99-other.conf' }));
  await chmod(join(fake.binDir, 'ipvlan'), 0o644);
  const res = await multusVerify.run({ facts: await fakeFacts(fake), socket, backup_dir: fake.backupDir }, createTestHostContext());
  t.equal(res.failed, true);
  const checks = byName(res.data?.checks as VerifyCheck[]);
  t.match(checks['multicall sha256'], { ok: false, severity: 'error', detail: /something wrote THROUGH a plugin link onto K3s's multicall binary/ });
  t.match(checks['plugin multus-shim'], { ok: false, detail: /multus-shim is missing/ });
  t.match(checks['plugin ipvlan'], { ok: false, detail: /ipvlan is not executable/ });
  t.match(checks['multus clusterNetwork'], { ok: false, detail: /99-other.conf.*want 10-flannel.conflist or "cbr0"/ });
  t.match(checks['K3s link host-local'], { ok: true }, 'the link itself still looks right');
  t.match(res.msg, /^4 of 18 checks failed: /);
});

t.test('links, conf and socket problems are named', async (t) => {
  const { fake } = await installedNode(t);
  await rm(join(fake.binDir, 'bridge'));
  await writeFile(join(fake.confDir, '00-multus.conf'), '{"type": "multus"');
  const res = await multusVerify.run(
    { facts: await fakeFacts(fake), socket: join(fake.root, 'none.sock'), backup_dir: fake.backupDir },
    createTestHostContext(),
  );
  const checks = byName(res.data?.checks as VerifyCheck[]);
  t.match(checks['K3s link bridge'], { ok: false, detail: /bridge: missing; want a symlink to/ });
  t.match(checks['00-multus.conf'], { ok: false, detail: /does not parse/ });
  t.match(checks['multus socket'], { ok: false, severity: 'error', detail: /is not a socket/ });
  t.match(checks['multus healthz'], { ok: false, severity: 'warning', detail: /not asked/ });

  await writeFile(join(fake.confDir, '00-multus.conf'), JSON.stringify({ ...MULTUS_CONF, type: 'multus' }));
  const typed = await multusVerify.run({ facts: await fakeFacts(fake), backup_dir: fake.backupDir }, createTestHostContext());
  t.match(byName(typed.data?.checks as VerifyCheck[])['00-multus.conf'], { ok: false, detail: /type "multus", want "multus-shim"/ });
  await rm(join(fake.confDir, '00-multus.conf'));
  const gone = await multusVerify.run({ facts: await fakeFacts(fake), backup_dir: fake.backupDir }, createTestHostContext());
  t.match(byName(gone.data?.checks as VerifyCheck[])['00-multus.conf'], { ok: false, detail: /does not exist/ });
});

t.test('a daemon that is not healthy fails the healthz check', async (t) => {
  const { fake, socket } = await installedNode(t, 503);
  const res = await multusVerify.run({ facts: await fakeFacts(fake), socket, backup_dir: fake.backupDir }, createTestHostContext());
  t.match(byName(res.data?.checks as VerifyCheck[])['multus healthz'], { ok: false, severity: 'error', detail: /answered 503/ });
  t.equal(res.failed, true);
});

t.test('a changed Flannel conflist and an upgraded K3s are warnings, not failures', async (t) => {
  const { fake, socket } = await installedNode(t);
  await writeFile(fake.flannelConflist, '{"name": "cbr0", "cniVersion": "1.0.0", "plugins": []}\n');
  await upgradeFakeK3s(fake, 'v1.31.3+k3s1');
  const ctx = createTestHostContext();
  const res = await multusVerify.run({ facts: await fakeFacts(fake), socket, backup_dir: fake.backupDir }, ctx);
  t.equal(res.failed, false, res.msg);
  const checks = byName(res.data?.checks as VerifyCheck[]);
  t.match(checks['multicall sha256'], { ok: false, severity: 'warning', detail: /multicall target changed since backup \(K3s upgraded\?\)/ });
  t.match(checks['10-flannel.conflist'], { ok: false, severity: 'warning', detail: /changed since the backup/ });
  t.match(ctx.warnings, [/multicall sha256/, /10-flannel.conflist/]);
  t.match(res.msg, /16 of 18 checks passed \(2 warnings\)/);

  // The backup taken after the upgrade knows the new binary: the sha256 is checked again.
  await k3sCniBackup.run({ facts: await fakeFacts(fake), backup_dir: fake.backupDir }, createTestHostContext());
  const again = await multusVerify.run({ facts: await fakeFacts(fake), socket, backup_dir: fake.backupDir }, createTestHostContext());
  t.match(byName(again.data?.checks as VerifyCheck[])['multicall sha256'], { ok: true, detail: /matches the backup/ });
});

t.test('without any backup the sha256 checks say so', async (t) => {
  const fake = await makeFakeK3s(t);
  const res = await multusVerify.run({ facts: await fakeFacts(fake), backup_dir: fake.backupDir }, createTestHostContext());
  const checks = byName(res.data?.checks as VerifyCheck[]);
  t.match(checks['multicall sha256'], { ok: false, severity: 'warning', detail: /no backup record/ });
  t.match(checks['plugin multus-shim'], { ok: false });
});

t.test('the probe parser reads recorded output', async (t) => {
  const b64 = Buffer.from(JSON.stringify(MULTUS_CONF)).toString('base64');
  const obs = parseMultusProbe({
    exitCode: 0,
    stderr: '',
    stdout: `plugin multus-shim file yes\nplugin passthru symlink no\nplugin ipvlan missing no\nconf ${b64}\nflannel -\nsocket=yes\nhealthz=python3 200\n`,
  });
  t.same(obs.plugins, {
    'multus-shim': { kind: 'file', executable: true },
    passthru: { kind: 'symlink', executable: false },
    ipvlan: { kind: 'missing', executable: false },
  });
  t.same(JSON.parse(obs.multus_conf ?? ''), MULTUS_CONF);
  t.equal(obs.flannel_conflist, null);
  t.same(obs.healthz, { via: 'python3', status: '200' });
  t.same(parseMultusProbe({ exitCode: 0, stderr: '', stdout: 'socket=no\nhealthz=none\n' }).healthz, { via: 'none' });
  t.same(parseMultusProbe({ exitCode: 0, stderr: '', stdout: 'healthz=curl \n' }).healthz, { via: 'curl', status: '000' });
  t.throws(() => parseMultusProbe({ exitCode: 0, stderr: '', stdout: 'socket=no\n' }), /incomplete/);
  t.throws(() => parseMultusProbe({ exitCode: 0, stderr: '', stdout: 'what\n' }), /unexpected line/);
  t.throws(() => parseMultusProbe({ exitCode: 1, stderr: 'denied', stdout: '' }), /denied/);
});

t.test('the python3 fallback reads the status over the unix socket', async (t) => {
  const { socket } = await installedNode(t, 503);
  const res = await new LocalConnection('local').exec(sh`python3 -c ${PYTHON_HEALTHZ} ${socket}`);
  t.equal(res.stdout.trim(), '503');
});

t.test('a write-through that a later record took for the original still fails the sha256 check', async (t) => {
  const { fake, socket } = await installedNode(t);
  const pristine = JSON.parse(await readFile(join(fake.backupDir, 'pristine', 'record.json'), 'utf8')) as { multicall: { sha256: string } };
  await appendFile(join(fake.binDir, 'host-local'), '# overwritten through the link\n');
  const corrupted = createHash('sha256').update(await readFile(fake.multicall)).digest('hex');
  // A later record that knows only the overwritten binary (e.g. written by an older release).
  const later = join(fake.backupDir, 'history', 'later');
  await mkdir(later, { recursive: true });
  await writeFile(join(later, 'record.json'), JSON.stringify({ ...pristine, time: new Date().toISOString(), multicall: { ...pristine.multicall, sha256: corrupted } }));
  await symlink('history/later', join(fake.backupDir, 'latest'));
  const res = await multusVerify.run({ facts: await fakeFacts(fake), socket, backup_dir: fake.backupDir }, createTestHostContext());
  t.equal(res.failed, true, res.msg);
  t.match(byName(res.data?.checks as VerifyCheck[])['multicall sha256'], {
    ok: false,
    severity: 'error',
    detail: new RegExp(`backed up as ${pristine.multicall.sha256}.*wrote THROUGH`),
  });
});

t.test('passthru is expected only from Multus v4.2.1, the first install_multus that copies it', async (t) => {
  const { fake, socket } = await installedNode(t);
  await rm(join(fake.binDir, 'passthru'));
  const old = await multusVerify.run({ facts: await fakeFacts(fake), socket, backup_dir: fake.backupDir, multus_version: 'v4.2.0-thick' }, createTestHostContext());
  t.equal(old.failed, false, old.msg);
  t.notOk(byName(old.data?.checks as VerifyCheck[])['plugin passthru'], 'no passthru check for v4.2.0');
  const now = await multusVerify.run({ facts: await fakeFacts(fake), socket, backup_dir: fake.backupDir, multus_version: 'v4.2.1' }, createTestHostContext());
  t.match(byName(now.data?.checks as VerifyCheck[])['plugin passthru'], { ok: false, detail: /is missing/ });
});
