import t from 'tap';
import { parse } from 'yaml';
import { attachedInterface, parseNetworkStatus } from '../../../tasks/multus/network-status.ts';
import { multusSmoke, smokeManifest, smokeName } from '../../../tasks/multus/multus-smoke.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

// Written by hand, not recorded: the k8s.v1.cni.cncf.io/network-status annotation in the shape
// Multus sets it for a pod with one ipvlan attachment (NetworkStatus in
// k8snetworkplumbingwg/network-attachment-definition-client pkg/apis/k8s.cni.cncf.io/v1/types.go:
// name, interface, ips, mac, default, dns).
const RECORDED = `[{
    "name": "cbr0",
    "interface": "eth0",
    "ips": ["10.42.1.7"],
    "mac": "6a:1f:0c:3e:55:01",
    "default": true,
    "dns": {}
},{
    "name": "default/provision-smoke-node1",
    "interface": "net1",
    "ips": ["192.168.250.2"],
    "mac": "52:54:00:12:34:56",
    "dns": {}
}]`;

t.test('network-status parsing finds net1 with its address', async (t) => {
  const entries = parseNetworkStatus(RECORDED);
  t.equal(entries.length, 2);
  t.match(entries[0], { name: 'cbr0', interface: 'eth0', default: true, ips: ['10.42.1.7'] });
  t.match(attachedInterface(entries, 'default/provision-smoke-node1'), { interface: 'net1', ips: ['192.168.250.2'] });
  t.equal(attachedInterface(entries, 'default/other'), undefined);
  const noIp = parseNetworkStatus('[{"name":"default/x","interface":"net1","ips":[]}]');
  t.equal(attachedInterface(noIp, 'default/x'), undefined, 'an attachment without an address does not pass');
  t.same(parseNetworkStatus(undefined), []);
  t.same(parseNetworkStatus('not json'), []);
  t.same(parseNetworkStatus('{"name":"x"}'), []);
});

t.test('the smoke objects: an ipvlan definition and a pod pinned to the node asking for it', async (t) => {
  t.equal(smokeName('Node_1.example.com'), 'provision-smoke-node-1-example-com');
  t.ok(smokeName('x'.repeat(80)).length <= 63);
  const docs = smokeManifest({ node: 'node1', master: 'eth0' }, 'provision-smoke-node1').split('---').map((d) => parse(d));
  const [nad, pod] = docs;
  t.equal(nad.kind, 'NetworkAttachmentDefinition');
  t.same(JSON.parse(nad.spec.config), {
    cniVersion: '1.0.0',
    type: 'ipvlan',
    master: 'eth0',
    mode: 'l2',
    ipam: { type: 'host-local', ranges: [[{ subnet: '192.168.250.0/24' }]] },
  });
  t.equal(pod.kind, 'Pod');
  t.equal(pod.spec.nodeName, 'node1');
  t.equal(pod.metadata.annotations['k8s.v1.cni.cncf.io/networks'], 'provision-smoke-node1');
  t.match(pod.spec.containers[0].image, /:\d+\.\d+\.\d+$/, 'pinned image');
});

t.test('check mode runs nothing', async (t) => {
  const ctx = createTestHostContext({ check: true });
  const result = await multusSmoke.run({ node: 'node1', master: 'eth0' }, ctx);
  t.equal(result.skipped, true);
  t.same(ctx.commands, []);
});
