import t from 'tap';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installRecord, sameInstall, type InstallState } from '../../../tasks/multus/install-record.ts';
import { KNOWN_IMAGE_DIGESTS } from '../../../tasks/multus/manifest-vars.ts';
import { renderMultusManifest } from '../../../tasks/multus/render.ts';
import { multusClusterRead } from '../../../tasks/drift/multus-cluster-read.ts';
import { parseAllDocuments } from 'yaml';
import { k3sCniBackup } from '../../../tasks/k3s/k3s-cni-backup.ts';
import { assertConverges } from '../../helpers/converge.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';
import { fakeFacts, makeFakeK3s } from '../../helpers/fake-k3s-layout.ts';

t.test('writes the state file once, then leaves it alone', async (t) => {
  const fake = await makeFakeK3s(t);
  const facts = await fakeFacts(fake);
  await k3sCniBackup.run({ facts, backup_dir: fake.backupDir }, createTestHostContext());
  const files = [join(fake.binDir, 'multus-shim'), join(fake.binDir, 'passthru'), '/run/multus'];
  const args = { facts, state_dir: fake.stateDir, backup_dir: fake.backupDir, multus_version: 'v4.3.0-thick', files_added: files };
  const runs = await assertConverges(t, installRecord, args, fake.root);
  const file = join(fake.stateDir, 'state.json');
  const state = JSON.parse(await readFile(file, 'utf8')) as InstallState;
  t.match(state, {
    multus_version: 'v4.3.0-thick',
    image: 'ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick',
    extra_cni_plugins: ['ipvlan'],
    k3s_version: 'v1.31.2+k3s1',
    data_dir: fake.dataDir,
    layout: 'cni',
    bin_dir: fake.binDir,
    files_added: files,
    backup: { dir: fake.backupDir, pristine: join(fake.backupDir, 'pristine'), latest: null },
    provision_version: /^\d+\.\d+\.\d+/,
  });
  t.equal(state.image, `ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick@${KNOWN_IMAGE_DIGESTS['ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick']}`, 'the reference deployed, digest included');
  t.match(state.installed_at, /^\d{4}-\d\d-\d\dT/);
  t.equal((await stat(file)).mode & 0o777, 0o644);
  t.match(runs.check.msg, `would write ${file}`);
  t.equal(runs.check.diff?.before, '');
  t.match(runs.second.msg, /is up to date/);
  t.equal(runs.second.data?.state_file, file);

  // A new version is a change, and the diff shows the old file.
  const ctx = createTestHostContext();
  const upgraded = await installRecord.run({ ...args, multus_version: 'v4.3.1-thick' }, ctx);
  t.equal(upgraded.changed, true);
  t.match(upgraded.diff?.before, /"multus_version": "v4.3.0-thick"/);
  t.match(upgraded.diff?.after, /"multus_version": "v4.3.1-thick"/);
  t.equal(JSON.parse(await readFile(file, 'utf8')).multus_version, 'v4.3.1-thick');
});

t.test('only installed_at may differ for the state to count as unchanged', async (t) => {
  const s: InstallState = {
    installed_at: '2024-01-01T00:00:00.000Z',
    multus_version: 'v4.3.0-thick',
    image: 'img',
    extra_cni_plugins: ['ipvlan'],
    k3s_version: 'v1',
    data_dir: '/d',
    layout: 'cni',
    bin_dir: '/d/data/cni',
    files_added: ['/a'],
    backup: { dir: '/b', pristine: '/b/pristine', latest: null },
    provision_version: '0.1.0',
  };
  t.ok(sameInstall(s, { ...s, installed_at: 'later' }));
  const { backup, ...rest } = s;
  const reordered = { backup: { latest: backup.latest, pristine: backup.pristine, dir: backup.dir }, ...rest };
  t.ok(sameInstall(s, reordered), 'key order does not matter');
  t.notOk(sameInstall(s, { ...s, files_added: ['/a', '/b'] }));
  t.notOk(sameInstall(s, { ...s, backup: { ...s.backup, latest: '/b/history/x' } }));
});

t.test('files_added defaults to what a Multus thick install leaves', async (t) => {
  const fake = await makeFakeK3s(t);
  const res = await installRecord.run(
    { facts: await fakeFacts(fake), state_dir: fake.stateDir, backup_dir: fake.backupDir, extra_cni_plugins: ['ipvlan', 'macvlan'] },
    createTestHostContext(),
  );
  t.same((res.data?.state as InstallState).files_added, [
    join(fake.binDir, 'multus-shim'),
    join(fake.binDir, 'passthru'),
    join(fake.binDir, 'ipvlan'),
    join(fake.binDir, 'macvlan'),
    join(fake.confDir, '00-multus.conf'),
    '/run/multus',
    '/var/lib/cni/multus',
  ]);
  t.same((res.data?.state as InstallState).backup, { dir: fake.backupDir, pristine: null, latest: null });
});

t.test('a state path that is not a file is refused', async (t) => {
  const dir = t.testdir({ 'state.json': {} });
  const fake = await makeFakeK3s(t);
  const res = await installRecord.run({ facts: await fakeFacts(fake), state_dir: dir, files_added: [] }, createTestHostContext());
  t.match(res, { failed: true, msg: /state.json exists but is not a regular file/ });
});

t.test('a bare release version is recorded as the -thick tag the manifest deploys', async (t) => {
  const k3s = await makeFakeK3s(t);
  const stateDir = k3s.stateDir;
  const res = await installRecord.run(
    { facts: await fakeFacts(k3s), state_dir: stateDir, multus_version: 'v4.3.0', multus_image: 'registry.local/multus-cni' },
    createTestHostContext(),
  );
  t.equal(res.failed, false, res.msg);
  const state = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
  t.equal(state.multus_version, 'v4.3.0-thick');
  t.equal(state.image, 'registry.local/multus-cni:v4.3.0-thick');
});

t.test('state.json, the manifest and drift name one image reference', async (t) => {
  const k3s = await makeFakeK3s(t);
  for (const vars of [{}, { multus_version: 'v4.3.0' }, { multus_version: 'v4.2.4-thick', multus_image: 'registry.local/multus-cni' }]) {
    const dir = join(k3s.root, `state-${Object.values(vars).join('-') || 'default'}`);
    const res = await installRecord.run({ facts: await fakeFacts(k3s), state_dir: dir, ...vars }, createTestHostContext());
    t.equal(res.failed, false, res.msg);
    const recorded = (JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as InstallState).image;
    const ds = parseAllDocuments(renderMultusManifest(vars).yaml).map((d) => d.toJS()).find((o) => o?.kind === 'DaemonSet');
    t.equal(recorded, ds.spec.template.spec.containers[0].image, `${JSON.stringify(vars)}: the daemon's image`);
    // A kubectl that finds an empty cluster: only the image drift expects matters here.
    const kubectl = join(k3s.root, 'kubectl');
    await writeFile(kubectl, `#!/bin/sh\necho '{"kind":"List","items":[]}'\n`, { mode: 0o755 });
    const read = await multusClusterRead.run({ ...vars, kubeconfig: '/dev/null', kubectl }, createTestHostContext());
    t.equal(read.failed, false, read.msg);
    t.equal(read.data?.image, recorded, `${JSON.stringify(vars)}: the image drift expects`);
  }
});
