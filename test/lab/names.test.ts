/** Lab naming, host path mapping and the generated inventory files; needs no root. */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  MAX_NODES, bridgeName, hostPathIn, hostVethName, labTag, netnsName, nodeNames, tagOfObject, checkBaseDir,
  isBridgeObject, privateBridgeName, privateVethName,
} from './names.ts';
import { inventoryText, knownHostsText } from './inventory-files.ts';

t.test('kernel object names fit the 15-character interface limit for any id', async (t) => {
  for (const id of ['default', 'a', 'a-very-long-lab-id-from-a-test-file', 'Mixed.Case_id']) {
    const tag = labTag(id);
    t.match(tag, /^[a-z0-9]{1,7}$/);
    for (const name of [bridgeName(tag), hostVethName(tag, MAX_NODES), netnsName(tag, MAX_NODES), privateBridgeName(tag), privateVethName(tag, MAX_NODES)]) {
      t.ok(name.length <= 15, `${name} fits`);
      t.equal(tagOfObject(name), tag, `${name} maps back to its tag`);
    }
  }
  t.equal(labTag('default'), 'default', 'a short plain id is used as is');
  t.not(labTag('lab-one'), labTag('lab-two'), 'long ids hash apart');
  t.equal(tagOfObject('eth0'), undefined);
  t.equal(tagOfObject('pv-abc-veth0'), undefined);
  t.same([bridgeName('x'), privateBridgeName('x'), privateVethName('x', 2)].map(isBridgeObject), [true, true, false]);
});

t.test('hostPath maps in-node paths under the per-node mounts only', async (t) => {
  t.equal(hostPathIn('/lab/nodes/n1', '/var/lib/rancher/k3s/data/cni/host-local'), '/lab/nodes/n1/var/lib/rancher/k3s/data/cni/host-local');
  t.equal(hostPathIn('/lab/nodes/n1', '/run/multus/multus.sock'), '/lab/nodes/n1/run/multus/multus.sock');
  t.equal(hostPathIn('/lab/nodes/n1', '/etc/rancher'), '/lab/nodes/n1/etc/rancher');
  t.throws(() => hostPathIn('/lab/nodes/n1', '/var/lib/rancher/../../../etc/shadow'), /not under a per-node mount/);
  t.throws(() => hostPathIn('/lab/nodes/n1', '/var/lib/rancherx'), /not under a per-node mount/);
  t.throws(() => hostPathIn('/lab/nodes/n1', 'var/lib/rancher'), /must be absolute/);
});

t.test('node names must be hostnames and unique', async (t) => {
  t.same(nodeNames(3), ['node1', 'node2', 'node3']);
  t.same(nodeNames(['server', 'agent-1']), ['server', 'agent-1']);
  t.throws(() => nodeNames(0), /1 to/);
  t.throws(() => nodeNames(['a', 'a']), /unique/);
  t.throws(() => nodeNames(['Node_1']), /hostname/);
  t.throws(() => nodeNames(['x; rm -rf /']), /hostname/);
  t.throws(() => checkBaseDir('/tmp/a,b'), /absolute/);
  t.throws(() => checkBaseDir('relative'), /absolute/);
});

t.test('known_hosts and inventory in the forms ssh and the product read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-names-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const pub = join(dir, 'k.pub');
  writeFileSync(pub, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB root@node1\n');
  const nodes = [{ name: 'node1', address: '10.213.7.2', port: 22, hostKeyPubFiles: [pub] }];
  t.equal(knownHostsText(nodes), '10.213.7.2,[10.213.7.2]:22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB\n');
  t.same(parse(inventoryText(nodes, '/k/root', '/k/known_hosts')), {
    all: {
      hosts: { node1: { ansible_host: '10.213.7.2', ansible_port: 22 } },
      vars: { ansible_user: 'root', ansible_ssh_private_key_file: '/k/root', provision_known_hosts: '/k/known_hosts' },
    },
  });
});
