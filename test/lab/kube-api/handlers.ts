/**
 * The verbs on resources: get, list, create, replace, patch (server-side apply and merge
 * patch), delete, and the status subresource. Each returns the status code and body the
 * real API server would; errors are thrown as KubeApiError and turned into Status bodies
 * by the router.
 */
import type { ObjectStore } from './store.ts';
import type { ResourcePath } from './paths.ts';
import type { KubeObject } from './types.ts';
import { apiVersionOf, clone } from './types.ts';
import { mergePatch, recordUpdate, serverSideApply } from './apply.ts';
import { checkIdentity, fieldValidation } from './validate.ts';
import { ENFORCE_LABEL, podSecurityMessage, restrictedViolations, type PodSpecForSecurity } from './pod-security.ts';
import {
  alreadyExists,
  KubeApiError,
  applyConflict,
  badRequest,
  methodNotAllowed,
  namespaceNotFound,
  notFound,
  pathNotFound,
  staleResourceVersion,
  unsupportedMediaType,
} from './status.ts';
import { timestamp } from './store.ts';

export interface ResourceRequest {
  method: string;
  path: ResourcePath;
  query: URLSearchParams;
  contentType: string;
  body: unknown;
}

export interface Reply {
  status: number;
  body: unknown;
  warnings?: string[];
}

export function handleResource(store: ObjectStore, request: ResourceRequest): Reply {
  const { method, path } = request;
  if (path.subresource !== undefined) {
    if (path.subresource !== 'status' || !path.type.hasStatus || !path.name) throw pathNotFound();
    return handleStatus(store, request, path.name);
  }
  if (path.name === undefined) {
    if (method === 'GET') return list(store, request);
    if (method === 'POST') return create(store, request);
    throw methodNotAllowed();
  }
  switch (method) {
    case 'GET':
      return { status: 200, body: existing(store, path, path.name) };
    case 'PUT':
      return replace(store, request, path.name);
    case 'PATCH':
      return patch(store, request, path.name);
    case 'DELETE':
      return remove(store, request, path.name);
    default:
      throw methodNotAllowed();
  }
}

function existing(store: ObjectStore, path: ResourcePath, name: string): KubeObject {
  const found = store.getTyped(path.type, path.namespace, name);
  if (!found) throw notFound(path.type, name);
  return found;
}

function requireNamespace(store: ObjectStore, path: ResourcePath): void {
  if (!path.type.namespaced) return;
  if (path.namespace === undefined) throw badRequest('the namespace of the object must be given in the URL');
  if (!store.getTyped(store.typeOf('v1', 'Namespace'), undefined, path.namespace)) throw namespaceNotFound(path.namespace);
}

const isDryRun = (query: URLSearchParams) => query.getAll('dryRun').includes('All');

/**
 * Pod Security admission (FAKE, pod-security.ts): a new pod in a namespace that enforces
 * `restricted` must meet it, or the API server refuses it with 403 Forbidden.
 */
function admitPod(store: ObjectStore, request: ResourceRequest, pod: KubeObject): void {
  const namespace = request.path.namespace;
  const level = namespace === undefined ? undefined : store.get('v1', 'Namespace', undefined, namespace)?.metadata.labels?.[ENFORCE_LABEL];
  if (level !== 'restricted') return;
  const violations = restrictedViolations((pod.spec ?? {}) as PodSpecForSecurity);
  const name = pod.metadata.name ?? '';
  if (violations.length > 0) throw new KubeApiError(403, 'Forbidden', podSecurityMessage(name, violations), { name, kind: 'pods' });
}

/** Store, or with `dryRun=All` only show what would be stored. */
function write(store: ObjectStore, request: ResourceRequest, next: KubeObject, previous: KubeObject | undefined) {
  if (request.path.type.kind === 'Pod' && previous === undefined) admitPod(store, request, next);
  if (!isDryRun(request.query)) return store.commit(request.path.type, next, previous);
  const preview = clone(next);
  preview.metadata.resourceVersion = previous?.metadata.resourceVersion ?? '';
  preview.metadata.creationTimestamp = previous?.metadata.creationTimestamp ?? timestamp();
  preview.metadata.uid = previous?.metadata.uid ?? '';
  return { object: preview, changed: true };
}

function list(store: ObjectStore, { path, query }: ResourceRequest): Reply {
  const items = store.listTyped(path.type, {
    namespace: path.namespace,
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
  });
  const body = {
    apiVersion: apiVersionOf(path.type.group, path.type.version),
    kind: `${path.type.kind}List`,
    metadata: { resourceVersion: store.resourceVersion },
    items,
  };
  return { status: 200, body };
}

function create(store: ObjectStore, request: ResourceRequest): Reply {
  const { path } = request;
  const object = checkIdentity(request.body, { type: path.type, namespace: path.namespace });
  const warnings = fieldValidation(object, request.query.get('fieldValidation'));
  requireNamespace(store, path);
  const name = object.metadata.name as string;
  if (store.getTyped(path.type, path.namespace, name)) throw alreadyExists(path.type, name);
  const stored = clone(object);
  if (path.type.hasStatus && path.type.kind !== 'CustomResourceDefinition') delete stored.status;
  for (const key of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields']) delete stored.metadata[key];
  return { status: 201, body: write(store, request, stored, undefined).object, warnings };
}

function replace(store: ObjectStore, request: ResourceRequest, name: string): Reply {
  const { path } = request;
  const object = checkIdentity(request.body, { type: path.type, namespace: path.namespace, name });
  const warnings = fieldValidation(object, request.query.get('fieldValidation'));
  const current = existing(store, path, name);
  const wanted = object.metadata.resourceVersion;
  if (wanted && wanted !== current.metadata.resourceVersion) throw staleResourceVersion(path.type, name);
  const next = clone(object);
  if (path.type.hasStatus) next.status = current.status;
  if (next.status === undefined) delete next.status;
  return { status: 200, body: write(store, request, next, current).object, warnings };
}

function patch(store: ObjectStore, request: ResourceRequest, name: string): Reply {
  const { path, query } = request;
  const mediaType = request.contentType.split(';')[0].trim();
  if (mediaType === 'application/apply-patch+yaml') {
    const manager = query.get('fieldManager');
    if (!manager) throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
    const applied = checkIdentity(request.body, { type: path.type, namespace: path.namespace, name });
    const warnings = fieldValidation(applied, query.get('fieldValidation'));
    const current = store.getTyped(path.type, path.namespace, name);
    if (!current) requireNamespace(store, path);
    const outcome = serverSideApply(current, applied, { manager, force: query.get('force') === 'true', now: timestamp() });
    if (!outcome.ok) throw applyConflict(path.type, name, outcome.conflicts);
    const result = write(store, request, outcome.object, current);
    if (!isDryRun(query)) store.notifyApplied(result.object, { created: !current, changed: result.changed, manager });
    return { status: current ? 200 : 201, body: result.object, warnings };
  }
  if (mediaType === 'application/merge-patch+json' || mediaType === 'application/strategic-merge-patch+json') {
    const current = existing(store, path, name);
    const next = mergePatch(current, request.body) as KubeObject;
    if (path.type.hasStatus) next.status = current.status;
    if (next.status === undefined) delete next.status;
    checkIdentity(next, { type: path.type, namespace: path.namespace, name });
    recordUpdate(current, next, query.get('fieldManager') ?? 'unknown', timestamp());
    return { status: 200, body: write(store, request, next, current).object };
  }
  throw unsupportedMediaType(request.contentType);
}

function remove(store: ObjectStore, request: ResourceRequest, name: string): Reply {
  const { path } = request;
  if (isDryRun(request.query)) return { status: 200, body: existing(store, path, name) };
  const result = store.requestDelete(path.type, path.namespace, name);
  return { status: result.pending ? 202 : 200, body: result.object };
}

function handleStatus(store: ObjectStore, request: ResourceRequest, name: string): Reply {
  const { method, path } = request;
  const current = existing(store, path, name);
  if (method === 'GET') return { status: 200, body: current };
  let status: unknown;
  if (method === 'PUT') status = (request.body as KubeObject | null)?.status;
  else if (method === 'PATCH' && request.contentType.includes('merge-patch+json')) {
    status = (mergePatch(current, request.body) as KubeObject).status;
  } else throw methodNotAllowed();
  const next = { ...current, status: status ?? {} };
  return { status: 200, body: write(store, request, next, current).object };
}
