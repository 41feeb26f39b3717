/**
 * FAKE Pod Security admission, modelled on k8s.io/pod-security-admission v0.31.14 (the
 * release of Kubernetes 1.31, K3s v1.31's): a pod created in a namespace labelled
 * `pod-security.kubernetes.io/enforce: restricted` is refused with the upstream message,
 * `pods "x" is forbidden: violates PodSecurity "restricted:latest": <reason> (<detail>), …`
 * (admission/admission.go, policy/checks.go AggregateCheckResults / ForbiddenDetail).
 *
 * The checks, each as its upstream policy/check_<id>.go words it, in upstream's order
 * (baseline then restricted, each sorted by check ID, registry.go), with the baseline checks
 * the restricted ones override left out: hostNamespaces, hostPorts, privileged,
 * allowPrivilegeEscalation, capabilities_restricted, restrictedVolumes, runAsNonRoot,
 * runAsUser, seccompProfile_restricted. Not modelled: appArmorProfile, hostProbesAndhostLifecycle,
 * procMount, seLinuxOptions, sysctls, windowsHostProcess (the Pod Security Standards'
 * remaining rows, https://kubernetes.io/docs/concepts/security/pod-security-standards/),
 * and the user-namespace relaxation of runAsNonRoot/runAsUser.
 */
export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  seccompProfile?: { type?: string };
  capabilities?: { add?: string[]; drop?: string[] };
}

interface Container {
  name: string;
  securityContext?: SecurityContext;
  ports?: Array<{ hostPort?: number }>;
}

export interface PodSpecForSecurity {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext;
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: Array<Record<string, unknown> & { name: string }>;
}

export interface Violation {
  reason: string;
  detail: string;
}

/** policy/check_restrictedVolumes.go: the inline volume sources `restricted` allows. */
const ALLOWED_VOLUME_SOURCES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

const joinQuote = (items: string[]): string => (items.length === 0 ? '' : `"${items.join('", "')}"`);
const pluralize = (singular: string, plural: string, n: number): string => (n === 1 ? singular : plural);
const containersWord = (names: string[]): string => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

/** visitContainers: init, regular and ephemeral containers. */
function containersOf(spec: PodSpecForSecurity): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/**
 * The pod-or-container rule of runAsNonRoot and seccompProfile_restricted: explicit bad
 * values first ("pod and container "x" must not set …"), else containers left unset by a
 * pod that sets nothing good ("pod or container "x" must set …").
 */
function podOrContainer(
  spec: PodSpecForSecurity,
  read: (sc: SecurityContext | undefined) => unknown,
  good: (value: unknown) => boolean,
  explicitDetail: (setters: string, bad: string[]) => string,
  implicitDetail: (containers: string) => string,
  reason: string,
): Violation | undefined {
  const setters: string[] = [];
  const badValues = new Set<string>();
  const podValue = read(spec.securityContext);
  let podGood = false;
  if (podValue !== undefined) {
    if (good(podValue)) podGood = true;
    else {
      setters.push('pod');
      badValues.add(String(podValue));
    }
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containersOf(spec)) {
    const value = read(c.securityContext);
    if (value !== undefined) {
      if (!good(value)) {
        explicit.push(c.name);
        badValues.add(String(value));
      }
    } else if (!podGood) implicit.push(c.name);
  }
  if (explicit.length > 0) setters.push(containersWord(explicit));
  if (setters.length > 0) return { reason, detail: explicitDetail(setters.join(' and '), [...badValues].sort()) };
  if (implicit.length > 0) return { reason, detail: implicitDetail(containersWord(implicit)) };
  return undefined;
}

export function restrictedViolations(spec: PodSpecForSecurity): Violation[] {
  const out: Violation[] = [];
  const containers = containersOf(spec);
  // check_hostNamespaces.go
  const namespaces = [spec.hostNetwork && 'hostNetwork=true', spec.hostPID && 'hostPID=true', spec.hostIPC && 'hostIPC=true'].filter((s): s is string => Boolean(s));
  if (namespaces.length > 0) out.push({ reason: 'host namespaces', detail: namespaces.join(', ') });
  // check_hostPorts.go
  const portUsers = containers.filter((c) => (c.ports ?? []).some((p) => (p.hostPort ?? 0) !== 0));
  if (portUsers.length > 0) {
    const ports = [...new Set(portUsers.flatMap((c) => (c.ports ?? []).map((p) => p.hostPort ?? 0).filter((p) => p !== 0)))].map(String);
    out.push({ reason: 'hostPort', detail: `${containersWord(portUsers.map((c) => c.name))} ${pluralize('uses', 'use', portUsers.length)} ${pluralize('hostPort', 'hostPorts', ports.length)} ${ports.join(', ')}` });
  }
  // check_privileged.go
  const privileged = containers.filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
  if (privileged.length > 0) out.push({ reason: 'privileged', detail: `${containersWord(privileged)} must not set securityContext.privileged=true` });
  // check_allowPrivilegeEscalation.go
  const escalating = containers.filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name);
  if (escalating.length > 0) out.push({ reason: 'allowPrivilegeEscalation != false', detail: `${containersWord(escalating)} must set securityContext.allowPrivilegeEscalation=false` });
  // check_capabilities_restricted.go
  const noDropAll = containers.filter((c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL')).map((c) => c.name);
  const adding = containers.filter((c) => (c.securityContext?.capabilities?.add ?? []).some((a) => a !== 'NET_BIND_SERVICE'));
  const added = [...new Set(adding.flatMap((c) => (c.securityContext?.capabilities?.add ?? []).filter((a) => a !== 'NET_BIND_SERVICE')))].sort();
  const capDetails = [
    ...(noDropAll.length ? [`${containersWord(noDropAll)} must set securityContext.capabilities.drop=["ALL"]`] : []),
    ...(adding.length ? [`${containersWord(adding.map((c) => c.name))} must not include ${joinQuote(added)} in securityContext.capabilities.add`] : []),
  ];
  if (capDetails.length > 0) out.push({ reason: 'unrestricted capabilities', detail: capDetails.join('; ') });
  // check_restrictedVolumes.go
  const badVolumes: string[] = [];
  const badTypes = new Set<string>();
  for (const v of spec.volumes ?? []) {
    const sources = Object.keys(v).filter((k) => k !== 'name');
    const bad = sources.filter((s) => !ALLOWED_VOLUME_SOURCES.has(s));
    if (bad.length > 0) {
      badVolumes.push(v.name);
      for (const s of bad) badTypes.add(s);
    }
  }
  if (badVolumes.length > 0) {
    const types = [...badTypes].sort();
    out.push({
      reason: 'restricted volume types',
      detail: `${pluralize('volume', 'volumes', badVolumes.length)} ${joinQuote(badVolumes)} ${pluralize('uses', 'use', badVolumes.length)} ${pluralize('restricted volume type', 'restricted volume types', types.length)} ${joinQuote(types)}`,
    });
  }
  // check_runAsNonRoot.go
  const nonRoot = podOrContainer(
    spec,
    (sc) => sc?.runAsNonRoot,
    (v) => v === true,
    (setters) => `${setters} must not set securityContext.runAsNonRoot=false`,
    (c) => `pod or ${c} must set securityContext.runAsNonRoot=true`,
    'runAsNonRoot != true',
  );
  if (nonRoot) out.push(nonRoot);
  // check_runAsUser.go: only an explicit 0 is refused.
  const rootSetters = [
    ...(spec.securityContext?.runAsUser === 0 ? ['pod'] : []),
    ...(containers.some((c) => c.securityContext?.runAsUser === 0) ? [containersWord(containers.filter((c) => c.securityContext?.runAsUser === 0).map((c) => c.name))] : []),
  ];
  if (rootSetters.length > 0) out.push({ reason: 'runAsUser=0', detail: `${rootSetters.join(' and ')} must not set runAsUser=0` });
  // check_seccompProfile_restricted.go
  const seccomp = podOrContainer(
    spec,
    (sc) => sc?.seccompProfile?.type,
    (v) => v === 'RuntimeDefault' || v === 'Localhost',
    (setters, bad) => `${setters} must not set securityContext.seccompProfile.type to ${joinQuote(bad)}`,
    (c) => `pod or ${c} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    'seccompProfile',
  );
  if (seccomp) out.push(seccomp);
  return out;
}

/** The message the API server refuses the pod with (admission.go, AggregateCheckResult.ForbiddenDetail). */
export function podSecurityMessage(podName: string, violations: Violation[]): string {
  const detail = violations.map((v) => (v.detail ? `${v.reason} (${v.detail})` : v.reason)).join(', ');
  return `pods "${podName}" is forbidden: violates PodSecurity "restricted:latest": ${detail}`;
}
