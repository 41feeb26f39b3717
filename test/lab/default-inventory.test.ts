/**
 * Bundled commands typed without -i, as an operator's notes or a cron line write them:
 * `provision install --check`, `provision install` and `provision rollback` in a directory
 * holding inventory.yaml work against it.
 */
import t from 'tap';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';
import { runCli } from '../helpers/run-provision.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;

t.test('install --check, install and rollback with no -i find ./inventory.yaml', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 2 });
  t.teardown(() => cluster.stop());
  const root = mkdtempSync(join(tmpdir(), 'default-inventory-'));
  chmodSync(root, 0o700);
  const cwd = join(root, 'site');
  mkdirSync(cwd);
  mkdirSync(join(root, 'home'));
  const env = { HOME: join(root, 'home'), ANSIBLE_CONFIG: '', ANSIBLE_INVENTORY: '', PROVISION_INVENTORY: '' };

  const none = await runCli(['install', '--check'], { cwd, env });
  t.equal(none.code, 4, 'no inventory anywhere: invalid input');
  t.match(none.stderr, `no inventory found; looked for, in order: ${join(cwd, 'inventory.yaml')} (./inventory.yaml)`);

  copyFileSync(cluster.inventoryFile, join(cwd, 'inventory.yaml'));
  const cli = await runCli(['install', '--check'], { cwd, env });
  t.equal(cli.code, 2, cli.stdout + cli.stderr);
  t.match(cli.stdout, /TASK \[Back up K3s's CNI entries\][^]*changed: \[node1\][^]*changed: \[node2\]/);
  t.match(cli.stdout, /node2\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0/);

  const viaEnv = await runCli(['install', '--check'], { cwd: root, env: { ...env, PROVISION_INVENTORY: join(cwd, 'inventory.yaml') } });
  t.equal(viaEnv.code, 2, 'PROVISION_INVENTORY names it from anywhere');

  const install = await runCli(['install'], { cwd, env });
  t.equal(install.code, 0, install.stdout + install.stderr);
  const rollback = await runCli(['rollback'], { cwd, env });
  t.equal(rollback.code, 0, rollback.stdout + rollback.stderr);
  for (const node of ['node1', 'node2']) {
    const state = await cluster.lab.exec(node, 'cat /var/lib/provision/state.json');
    t.match(JSON.parse(state.stdout), { rolled_back_at: /^\d{4}-/ }, `${node}: rolled back`);
    t.equal((await cluster.lab.exec(node, 'test -e /var/lib/rancher/k3s/agent/etc/cni/net.d/00-multus.conf')).exitCode, 1, `${node}: 00-multus.conf gone`);
  }
});
