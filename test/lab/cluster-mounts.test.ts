/**
 * The simulated daemon finds plugins as the real one does, inside its pod (docs/k3s-multus.md §7): a
 * manifest that mounts the K3s CNI bin dir but not `<data-dir>/data` at the same path leaves
 * K3s's absolute symlinks dangling in the pod, and a pod asking for a network stays Pending
 * with `failed to find plugin "flannel"`. The product's manifest mounts both.
 */
import t from 'tap';
import { parseAllDocuments, stringify } from 'yaml';
import { sh } from '../../src/connection/quote.ts';
import { renderMultusManifest } from '../../tasks/multus/render.ts';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const APPLY = ['k3s', 'kubectl', 'apply', '--server-side', '--field-manager=provision', '--force-conflicts', '-f', '-'];

interface Mount {
  name: string;
  mountPath: string;
}

/** The rendered manifest with the daemon container's `<data-dir>/data` mount taken out. */
function manifestWithoutDataMount(): string {
  const docs = parseAllDocuments(renderMultusManifest({}).yaml).map((d) => d.toJS());
  for (const doc of docs) {
    if (doc?.kind !== 'DaemonSet') continue;
    const daemon = doc.spec.template.spec.containers[0];
    daemon.volumeMounts = (daemon.volumeMounts as Mount[]).filter((m) => m.mountPath !== '/var/lib/rancher/k3s/data');
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

t.test('the daemon looks plugins up inside its pod', { skip }, async (t) => {
  const cluster = await startCluster({ nodes: 1, podStartDelayMs: 50 });
  t.teardown(() => cluster.stop());
  const apply = async (yaml: string) => {
    const r = await cluster.lab.exec('node1', sh`printf '%s\n' ${yaml} | ${APPLY}`);
    t.equal(r.exitCode, 0, r.stderr);
  };
  const podState = async (name: string) => {
    for (let i = 0; i < 200; i++) {
      await cluster.sim.idle();
      const pod = cluster.api.store.get('v1', 'Pod', 'default', name);
      const status = pod?.status as { phase?: string; conditions?: Array<{ message?: string }> } | undefined;
      const message = status?.conditions?.map((c) => c.message ?? '').join(' ') ?? '';
      if (status?.phase === 'Running' || /failed|cannot|not set up/.test(message)) return { phase: status?.phase, message };
      await new Promise((r) => setTimeout(r, 50));
    }
    return { phase: 'timeout', message: '' };
  };
  const testPod = (name: string) =>
    stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', annotations: { 'k8s.v1.cni.cncf.io/networks': 'ipvlan-def' } },
      spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'busybox' }] },
    });
  const nad = stringify({
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: { name: 'ipvlan-def', namespace: 'default' },
    spec: { config: JSON.stringify({ cniVersion: '1.0.0', type: 'ipvlan', master: 'eth0', ipam: { type: 'host-local', ranges: [[{ subnet: '192.168.60.0/24' }]] } }) },
  });

  await apply(manifestWithoutDataMount());
  await apply(`${nad}---\n${testPod('without-data-mount')}`);
  const broken = await podState('without-data-mount');
  t.not(broken.phase, 'Running');
  t.match(broken.message, /failed to find plugin "flannel" in path \[\/var\/lib\/rancher\/k3s\/data\/cni\]/);

  await apply(renderMultusManifest({}).yaml);
  await apply(testPod('with-data-mount'));
  const fine = await podState('with-data-mount');
  t.equal(fine.phase, 'Running', fine.message);
});
