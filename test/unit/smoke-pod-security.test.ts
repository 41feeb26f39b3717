/**
 * The smoke test's pod meets the `restricted` Pod Security level as upstream's admission
 * checks define it (k8s.io/pod-security-admission v0.31.14 policy/check_*.go, modelled in
 * test/lab/kube-api/pod-security.ts; https://kubernetes.io/docs/concepts/security/pod-security-standards/),
 * and those checks refuse what the level forbids, with upstream's words.
 */
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { smokeManifest } from '../../tasks/multus/multus-smoke.ts';
import { podSecurityMessage, restrictedViolations, type PodSpecForSecurity } from '../lab/kube-api/pod-security.ts';

const smokePod = (image?: string) => {
  const docs = parseAllDocuments(smokeManifest({ node: 'node1', master: 'eth0', ...(image ? { image } : {}) }, 'provision-smoke-node1')).map((d) => d.toJS());
  return docs.find((o) => o.kind === 'Pod') as { metadata: { name: string }; spec: PodSpecForSecurity };
};

t.test('the smoke pod violates no restricted rule', async (t) => {
  const pod = smokePod();
  t.same(restrictedViolations(pod.spec), []);
  t.same(restrictedViolations(smokePod('registry.local/busybox:1.36.1').spec), [], 'whatever image is set');
  // What the rules look at, stated once more so a change of the spec is seen here.
  t.equal(pod.spec.hostNetwork ?? false, false);
  t.equal(pod.spec.hostPID ?? false, false);
  t.equal(pod.spec.hostIPC ?? false, false);
  t.same(pod.spec.volumes ?? [], [], 'no volume at all (hostPath is not an allowed type)');
  t.match(pod.spec.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  t.not(pod.spec.securityContext?.runAsUser, 0);
  for (const c of pod.spec.containers ?? []) {
    t.match(c.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, `container ${c.name}`);
    t.notOk(c.securityContext?.privileged, `container ${c.name} is not privileged`);
    t.same(c.securityContext?.capabilities?.add ?? [], []);
  }
});

t.test('each restricted rule refuses what it forbids, in upstream\'s words and order', async (t) => {
  const base = smokePod().spec;
  const container = (base.containers ?? [])[0];
  const worse = (spec: Partial<PodSpecForSecurity>, sc?: Record<string, unknown>) =>
    restrictedViolations({ ...base, ...spec, containers: [{ ...container, securityContext: { ...container.securityContext, ...sc } }] }).map((v) => `${v.reason} (${v.detail})`);
  t.same(worse({ hostNetwork: true, hostPID: true }), ['host namespaces (hostNetwork=true, hostPID=true)']);
  t.same(worse({}, { privileged: true }), ['privileged (container "smoke" must not set securityContext.privileged=true)']);
  t.same(worse({}, { allowPrivilegeEscalation: true }), ['allowPrivilegeEscalation != false (container "smoke" must set securityContext.allowPrivilegeEscalation=false)']);
  t.same(worse({}, { capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_BIND_SERVICE'] } }), ['unrestricted capabilities (container "smoke" must not include "NET_ADMIN" in securityContext.capabilities.add)']);
  t.same(worse({}, { capabilities: {} }), ['unrestricted capabilities (container "smoke" must set securityContext.capabilities.drop=["ALL"])']);
  t.same(worse({ volumes: [{ name: 'host', hostPath: { path: '/' } }, { name: 'tmp', emptyDir: {} }] }), ['restricted volume types (volume "host" uses restricted volume type "hostPath")']);
  t.same(worse({ securityContext: { ...base.securityContext, runAsNonRoot: undefined } }), ['runAsNonRoot != true (pod or container "smoke" must set securityContext.runAsNonRoot=true)']);
  t.same(worse({}, { runAsUser: 0 }), ['runAsUser=0 (container "smoke" must not set runAsUser=0)']);
  t.same(worse({ securityContext: { ...base.securityContext, seccompProfile: { type: 'Unconfined' } } }), ['seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")']);
  t.same(worse({ securityContext: { ...base.securityContext, seccompProfile: undefined } }, { seccompProfile: { type: 'Localhost' } }), [], 'Localhost on the container is allowed');
  t.same(worse({ securityContext: {} }), [
    'runAsNonRoot != true (pod or container "smoke" must set securityContext.runAsNonRoot=true)',
    'seccompProfile (pod or container "smoke" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  ]);
  const bare = restrictedViolations({ containers: [{ name: 'c' }] });
  t.equal(
    podSecurityMessage('p', bare),
    'pods "p" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    "the message Kubernetes' documentation shows for a bare pod",
  );
});
