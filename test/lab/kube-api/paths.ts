/**
 * URL → what it addresses: `/api/v1/namespaces/kube-system/pods/x/status` is the status
 * subresource of pod x in kube-system; `/api/v1/namespaces/kube-system` is the Namespace
 * object itself.
 */
import type { ResourceRegistry } from './resources.ts';
import type { ResourceType } from './types.ts';

export interface ResourcePath {
  type: ResourceType;
  /** Set for namespaced paths; undefined means "all namespaces" on a namespaced collection. */
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

export type ParsedPath =
  | { kind: 'resource'; path: ResourcePath }
  | { kind: 'group-version'; group: string; version: string }
  | { kind: 'unknown-resource'; group: string; version: string; plural: string }
  | { kind: 'other' };

export function parsePath(pathname: string, registry: ResourceRegistry): ParsedPath {
  const segments = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 2) {
    [group, version, rest] = ['', segments[1], segments.slice(2)];
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    [group, version, rest] = [segments[1], segments[2], segments.slice(3)];
  } else {
    return { kind: 'other' };
  }
  if (rest.length === 0) return { kind: 'group-version', group, version };

  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const inner = registry.byPlural(group, version, rest[2]);
    if (inner?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    } else if (!inner && !['status', 'finalize'].includes(rest[2])) {
      return { kind: 'unknown-resource', group, version, plural: rest[2] };
    }
  }
  const type = registry.byPlural(group, version, rest[0]);
  if (!type) return { kind: 'unknown-resource', group, version, plural: rest[0] };
  if (rest.length > 3) return { kind: 'other' };
  return { kind: 'resource', path: { type, namespace, name: rest[1], subresource: rest[2] } };
}
