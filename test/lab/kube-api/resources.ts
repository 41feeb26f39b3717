/**
 * The kinds the stand-in serves. Built-in kinds are the ones the Multus manifest, the
 * simulator and kubectl's everyday commands need; a CustomResourceDefinition adds its kind
 * while it exists, as on a real API server.
 */
import type { KubeObject, ResourceType } from './types.ts';
import { groupOf } from './types.ts';

const READ_WRITE = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function builtin(
  apiVersion: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[] = [],
  hasStatus = false,
): ResourceType {
  const slash = apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: apiVersion.slice(slash + 1),
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    verbs: READ_WRITE,
    hasStatus,
  };
}

export const BUILTIN_TYPES: readonly ResourceType[] = [
  builtin('v1', 'Namespace', 'namespaces', false, ['ns'], true),
  builtin('v1', 'Node', 'nodes', false, ['no'], true),
  builtin('v1', 'Pod', 'pods', true, ['po'], true),
  builtin('v1', 'ServiceAccount', 'serviceaccounts', true, ['sa']),
  builtin('v1', 'ConfigMap', 'configmaps', true, ['cm']),
  builtin('v1', 'Secret', 'secrets', true),
  builtin('v1', 'Event', 'events', true, ['ev']),
  builtin('apps/v1', 'DaemonSet', 'daemonsets', true, ['ds'], true),
  builtin('apps/v1', 'Deployment', 'deployments', true, ['deploy'], true),
  builtin('rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', false),
  builtin('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  builtin('rbac.authorization.k8s.io/v1', 'Role', 'roles', true),
  builtin('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', true),
  builtin('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, ['crd', 'crds'], true),
];

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { kind?: string; plural?: string; singular?: string; shortNames?: string[]; categories?: string[] };
  versions?: Array<{ name?: string; served?: boolean; storage?: boolean; subresources?: { status?: unknown } }>;
}

/** The kinds a CRD object defines (one per served version), or a reason it defines none. */
export function typesFromCrd(crd: KubeObject): ResourceType[] {
  const spec = (crd.spec ?? {}) as CrdSpec;
  const names = spec.names ?? {};
  if (!spec.group || !names.kind || !names.plural) return [];
  return (spec.versions ?? [])
    .filter((v) => v.name && v.served !== false)
    .map((v) => ({
      group: spec.group as string,
      version: v.name as string,
      kind: names.kind as string,
      plural: names.plural as string,
      singular: names.singular ?? (names.kind as string).toLowerCase(),
      namespaced: spec.scope !== 'Cluster',
      shortNames: names.shortNames ?? [],
      ...(names.categories ? { categories: names.categories } : {}),
      verbs: READ_WRITE,
      hasStatus: Boolean(v.subresources?.status),
    }));
}

export class ResourceRegistry {
  private readonly builtins: ResourceType[];
  /** CRD name -> the kinds it registered. */
  private readonly fromCrds = new Map<string, ResourceType[]>();

  constructor(builtins: readonly ResourceType[] = BUILTIN_TYPES) {
    this.builtins = [...builtins];
  }

  all(): ResourceType[] {
    return [...this.builtins, ...[...this.fromCrds.values()].flat()];
  }

  registerCrd(crd: KubeObject): void {
    this.fromCrds.set(crd.metadata.name ?? '', typesFromCrd(crd));
  }

  unregisterCrd(name: string): void {
    this.fromCrds.delete(name);
  }

  /** Name of the CRD that registered `type`, undefined for built-in kinds. */
  crdOf(type: ResourceType): string | undefined {
    for (const [name, types] of this.fromCrds) if (types.includes(type)) return name;
    return undefined;
  }

  /** The kind served at /api/v1/<plural> or /apis/<group>/<version>/<plural>. */
  byPlural(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  /** Lookup by apiVersion + kind; any served version of the group will do for storage. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const group = groupOf(apiVersion);
    const candidates = this.all().filter((t) => t.group === group && t.kind === kind);
    const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
    return candidates.find((t) => t.version === version) ?? candidates[0];
  }

  /** Lookup by kind alone (the simulator's `setStatus(kind, ...)`); built-ins win on a clash. */
  byKindName(kind: string): ResourceType | undefined {
    return this.all().find((t) => t.kind === kind);
  }

  /** Group -> versions, in registration order, for discovery. */
  groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const t of this.all()) {
      const versions = groups.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      groups.set(t.group, versions);
    }
    return groups;
  }
}
