import t from 'tap';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { k3sFacts } from '../../../tasks/k3s/k3s-facts.ts';
import type { K3sFacts } from '../../../tasks/k3s/facts.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';
import { makeFakeK3s, overwriteWithFile } from '../../helpers/fake-k3s-layout.ts';
import { snapshotTree } from '../../helpers/tree-snapshot.ts';

t.test('reads the stable layout and sets the k3s fact', async (t) => {
  const fake = await makeFakeK3s(t);
  const ctx = createTestHostContext();
  const res = await k3sFacts.run({ k3s_data_dir: fake.dataDir, k3s_binary: fake.k3sBinary }, ctx);
  t.equal(res.failed, false, res.msg);
  t.equal(res.changed, false);
  const f = res.facts?.k3s as K3sFacts;
  t.equal(f.version, 'v1.31.2+k3s1');
  t.equal(f.layout, 'cni');
  t.equal(f.cni_bin_dir, fake.binDir);
  t.equal(f.multicall.target, fake.multicall);
  t.equal(f.multicall.source, 'link');
  t.match(f.multicall.sha256, /^[0-9a-f]{64}$/);
  t.match(f.flannel_conflist_sha256, /^[0-9a-f]{64}$/);
  t.same(Object.keys(f.entries), ['cni', 'bandwidth', 'bridge', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap']);
  for (const e of Object.values(f.entries)) t.same(e, { kind: 'symlink', target: fake.multicall });
  t.same(ctx.warnings, []);
  t.equal(ctx.commands.length, 2, "one script reads K3s's settings, one its layout");
  t.equal(ctx.changes().length, 0);
});

t.test('the older layout is read from data/current/bin, with a warning', async (t) => {
  const fake = await makeFakeK3s(t, { layout: 'current' });
  const ctx = createTestHostContext();
  const res = await k3sFacts.run({ k3s_data_dir: fake.dataDir, k3s_binary: fake.k3sBinary }, ctx);
  const f = res.facts?.k3s as K3sFacts;
  t.equal(f.layout, 'current');
  t.equal(f.cni_bin_dir, join(fake.dataDir, 'data', 'current', 'bin'));
  t.equal(f.multicall.target, fake.multicall, 'data/current is followed to the bundle');
  t.same(f.entries.bridge, { kind: 'symlink', target: 'cni' });
  t.match(ctx.warnings, [/redeployed after each upgrade/]);
});

t.test('a host-local overwritten by a file is reported with its sha256 and warned about', async (t) => {
  const fake = await makeFakeK3s(t);
  await overwriteWithFile(join(fake.binDir, 'host-local'), 'reference host-local\n');
  const ctx = createTestHostContext();
  const res = await k3sFacts.run({ k3s_data_dir: fake.dataDir, k3s_binary: fake.k3sBinary }, ctx);
  t.match((res.facts?.k3s as K3sFacts).entries['host-local'], { kind: 'file', mode: '0755', sha256: /^[0-9a-f]{64}$/ });
  t.match(ctx.warnings, [/host-local is a regular file/]);
});

t.test('the data dir comes from the K3s config, later drop-in files winning', async (t) => {
  const fake = await makeFakeK3s(t);
  await mkdir(join(fake.root, 'etc', 'config.yaml.d'), { recursive: true });
  await writeFile(fake.configFile, `write-kubeconfig-mode: "0600"\ndata-dir: /nowhere\n`);
  await writeFile(join(fake.root, 'etc', 'config.yaml.d', '10-data.yaml'), `data-dir: "${fake.dataDir}"  # moved\n`);
  const res = await k3sFacts.run({ config_file: fake.configFile, k3s_binary: fake.k3sBinary }, createTestHostContext());
  t.equal(res.failed, false, res.msg);
  const f = res.facts?.k3s as K3sFacts;
  t.equal(f.data_dir, fake.dataDir);
  t.equal(f.data_dir_source, `config ${join(fake.root, 'etc', 'config.yaml.d', '10-data.yaml')}`);

  const fromNull = await k3sFacts.run({ k3s_data_dir: null, config_file: fake.configFile, k3s_binary: fake.k3sBinary }, createTestHostContext());
  t.equal((fromNull.facts?.k3s as K3sFacts).data_dir, fake.dataDir, 'null means: read the config');
});

t.test('a non-K3s host fails clearly and is not changed', async (t) => {
  const dir = t.testdir({ etc: { 'config.yaml': 'node-name: x\n' } });
  const before = await snapshotTree(dir);
  const ctx = createTestHostContext();
  const res = await k3sFacts.run(
    { k3s_data_dir: join(dir, 'var', 'k3s'), k3s_binary: join(dir, 'no-k3s'), config_file: join(dir, 'etc', 'config.yaml') },
    ctx,
  );
  t.equal(res.failed, true);
  t.match(res.msg, /k3s binary: not found/);
  t.match(res.msg, /data dir: .*var\/k3s \(from argument\) does not exist/);
  t.notOk(res.facts, 'no fact is set');
  t.equal(ctx.changes().length, 0);
  t.same(await snapshotTree(dir), before, 'nothing on the host changed');
});

t.test('a K3s node with a broken layout names the failed check and what was found', async (t) => {
  const fake = await makeFakeK3s(t);
  await chmod(fake.multicall, 0o644);
  await rm(fake.flannelConflist);
  const before = await snapshotTree(fake.root);
  const ctx = createTestHostContext();
  const res = await k3sFacts.run({ k3s_data_dir: fake.dataDir, k3s_binary: fake.k3sBinary }, ctx);
  t.equal(res.failed, true);
  t.match(res.msg, `multicall binary: ${fake.multicall} is not an executable regular file`);
  t.match(res.msg, /Flannel conflist: .*10-flannel.conflist is missing/);
  t.match(res.data?.problems, [/multicall/, /Flannel/]);
  t.same(await snapshotTree(fake.root), before);

  await rm(join(fake.dataDir, 'data'), { recursive: true });
  const noBin = await k3sFacts.run({ k3s_data_dir: fake.dataDir, k3s_binary: fake.k3sBinary }, createTestHostContext());
  t.match(noBin.msg, /CNI bin dir: neither .*data\/cni nor .*data\/current\/bin exists/);
});

t.test('a hostile data dir from the config is refused, not used', async (t) => {
  const fake = await makeFakeK3s(t);
  await mkdir(join(fake.root, 'etc'), { recursive: true });
  await writeFile(fake.configFile, `data-dir: /tmp/$(touch ${fake.root}/pwned)\n`);
  const res = await k3sFacts.run({ config_file: fake.configFile, k3s_binary: fake.k3sBinary }, createTestHostContext());
  t.equal(res.failed, true);
  t.match(res.msg, /data dir: .* may contain only/);
  t.notOk((await snapshotTree(fake.root))['pwned'], 'the value was never run');
});
