/**
 * The stand-in's whole state: every object in memory, one resourceVersion counter, and
 * the change events watchers and kubectl's `--wait` follow. The simulator reads and
 * writes objects here directly (pods, DaemonSet status); the HTTP routes go through the
 * same methods, so both sides see one history.
 */
import { randomUUID } from 'node:crypto';
import type {
  AppliedInfo,
  AppliedListener,
  DeletedListener,
  KubeObject,
  ListOptions,
  ResourceType,
  WatchEvent,
} from './types.ts';
import { clone } from './types.ts';
import { ResourceRegistry } from './resources.ts';
import { fieldMatcher, labelMatcher } from './selectors.ts';
import { notFound } from './status.ts';

const HISTORY_LIMIT = 5000;

/** Kubernetes timestamps have second precision: 2024-01-02T03:04:05Z. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Everything the client configures, i.e. the object minus what the server stamps on each write. */
function contentOf(object: KubeObject): unknown {
  const copy = clone(object);
  delete copy.metadata.resourceVersion;
  for (const entry of copy.metadata.managedFields ?? []) entry.time = '';
  return copy;
}

function specOf(object: KubeObject): unknown {
  const { metadata: _m, status: _s, ...rest } = object;
  return rest;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface DeleteRequestResult {
  object: KubeObject;
  /** True when a listener holds the object; it disappears once `done` settles. */
  pending: boolean;
  done: Promise<void>;
}

export class ObjectStore {
  readonly registry: ResourceRegistry;
  private readonly objects = new Map<string, KubeObject>();
  private revision = 0;
  private readonly history: Array<{ revision: number; event: WatchEvent }> = [];
  private readonly watchers = new Set<(event: WatchEvent) => void>();
  private readonly appliedListeners = new Set<AppliedListener>();
  private readonly deletedListeners = new Set<DeletedListener>();
  private readonly deleting = new Map<string, Promise<void>>();

  constructor(registry = new ResourceRegistry()) {
    this.registry = registry;
  }

  /** The resourceVersion of the latest change (what a list reports). */
  get resourceVersion(): string {
    return String(this.revision);
  }

  typeOf(apiVersion: string, kind: string): ResourceType {
    const type = this.registry.byKind(apiVersion, kind);
    if (!type) throw new Error(`the lab API has no kind ${kind} in ${apiVersion}`);
    return type;
  }

  private key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.group}/${type.kind}/${type.namespaced ? (namespace ?? 'default') : ''}/${name}`;
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.getTyped(this.typeOf(apiVersion, kind), namespace, name);
  }

  getTyped(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.objects.get(this.key(type, namespace, name));
    return found && clone(found);
  }

  list(apiVersion: string, kind: string, options: ListOptions = {}): KubeObject[] {
    return this.listTyped(this.typeOf(apiVersion, kind), options);
  }

  listTyped(type: ResourceType, options: ListOptions = {}): KubeObject[] {
    const prefix = `${type.group}/${type.kind}/`;
    const labels = labelMatcher(options.labelSelector);
    const fields = fieldMatcher(options.fieldSelector);
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, o]) => o)
      .filter((o) => !type.namespaced || options.namespace === undefined || o.metadata.namespace === options.namespace)
      .filter((o) => labels(o) && fields(o))
      .sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`))
      .map(clone);
  }

  /** Create or replace an object as given (status included). Unchanged content keeps its resourceVersion. */
  put(object: KubeObject): KubeObject {
    const type = this.typeOf(object.apiVersion, object.kind);
    const name = object.metadata?.name;
    if (!name) throw new Error(`put: ${object.kind} without metadata.name`);
    return this.commit(type, clone(object), this.getTyped(type, object.metadata.namespace, name)).object;
  }

  /** Replace the status of an existing object (what a controller or kubelet reports). */
  setStatus(kind: string, namespace: string | undefined, name: string, status: Record<string, unknown>): KubeObject {
    const type = this.registry.byKindName(kind);
    if (!type) throw new Error(`setStatus: the lab API has no kind ${kind}`);
    const current = this.getTyped(type, namespace, name);
    if (!current) throw notFound(type, name);
    return this.commit(type, { ...current, status: clone(status) }, current).object;
  }

  /** Remove an object at once, without deletion listeners (the simulator's own deletes). */
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const type = this.typeOf(apiVersion, kind);
    return this.remove(type, namespace, name);
  }

  /** Subscribe to every ADDED / MODIFIED / DELETED event; returns the unsubscribe function. */
  watch(callback: (event: WatchEvent) => void): () => void {
    this.watchers.add(callback);
    return () => this.watchers.delete(callback);
  }

  /** Events after `resourceVersion`, for a watch that starts where a list left off. */
  eventsSince(resourceVersion: string | undefined): WatchEvent[] {
    const from = Number(resourceVersion);
    if (!resourceVersion || !Number.isFinite(from)) return [];
    return this.history.filter((h) => h.revision > from).map((h) => ({ type: h.event.type, object: clone(h.event.object) }));
  }

  on(event: 'applied', listener: AppliedListener): () => void;
  on(event: 'deleted', listener: DeletedListener): () => void;
  on(event: 'applied' | 'deleted', listener: AppliedListener | DeletedListener): () => void {
    const set = (event === 'applied' ? this.appliedListeners : this.deletedListeners) as Set<unknown>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Called by the apply route after a server-side apply was stored. */
  notifyApplied(object: KubeObject, info: AppliedInfo): void {
    for (const listener of this.appliedListeners) listener(clone(object), info);
  }

  /**
   * Write `next` over `previous` (undefined = create), stamping what the API server owns.
   * When nothing but server stamps would differ, the stored object stays as it was.
   */
  commit(
    type: ResourceType,
    next: KubeObject,
    previous: KubeObject | undefined,
    startsDeletion = false,
  ): { object: KubeObject; changed: boolean } {
    const meta = next.metadata;
    if (!type.namespaced) delete meta.namespace;
    else meta.namespace ??= 'default';
    if (previous) {
      meta.uid = previous.metadata.uid;
      meta.creationTimestamp = previous.metadata.creationTimestamp;
      if (previous.metadata.deletionTimestamp) meta.deletionTimestamp = previous.metadata.deletionTimestamp;
      else if (!startsDeletion) delete meta.deletionTimestamp;
      meta.generation = (previous.metadata.generation ?? 1) + (same(specOf(previous), specOf(next)) ? 0 : 1);
      meta.resourceVersion = previous.metadata.resourceVersion;
      if (!meta.managedFields && previous.metadata.managedFields) meta.managedFields = previous.metadata.managedFields;
      if (same(contentOf(previous), contentOf(next))) return { object: clone(previous), changed: false };
    } else {
      meta.uid = randomUUID();
      meta.creationTimestamp = timestamp();
      meta.generation = 1;
      delete meta.deletionTimestamp;
      if (type.kind === 'CustomResourceDefinition') next.status ??= establishedStatus(next);
    }
    meta.resourceVersion = String(++this.revision);
    this.objects.set(this.key(type, meta.namespace, meta.name ?? ''), clone(next));
    if (type.kind === 'CustomResourceDefinition') this.registry.registerCrd(next);
    this.emit(previous ? 'MODIFIED' : 'ADDED', next);
    return { object: clone(next), changed: true };
  }

  /**
   * An API client's delete: stamp deletionTimestamp, ask the deletion listeners, and remove
   * the object now or once every promise they returned has settled.
   */
  requestDelete(type: ResourceType, namespace: string | undefined, name: string): DeleteRequestResult {
    const key = this.key(type, namespace, name);
    const current = this.getTyped(type, namespace, name);
    if (!current) throw notFound(type, name);
    const inFlight = this.deleting.get(key);
    if (inFlight) return { object: current, pending: true, done: inFlight };
    const marked = clone(current);
    marked.metadata.deletionTimestamp = timestamp();
    marked.metadata.deletionGracePeriodSeconds = 0;
    const { object } = this.commit(type, marked, current, true);
    const holds = [...this.deletedListeners]
      .map((listener) => listener(clone(object)))
      .filter((r): r is Promise<void> => typeof (r as Promise<void> | undefined)?.then === 'function');
    if (holds.length === 0) {
      const removed = this.remove(type, namespace, name) ?? object;
      return { object: removed, pending: false, done: Promise.resolve() };
    }
    const done = Promise.allSettled(holds).then(() => {
      this.deleting.delete(key);
      this.remove(type, namespace, name);
    });
    this.deleting.set(key, done);
    return { object, pending: true, done };
  }

  private remove(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = this.key(type, namespace, name);
    const current = this.objects.get(key);
    if (!current) return undefined;
    this.objects.delete(key);
    const gone = clone(current);
    gone.metadata.resourceVersion = String(++this.revision);
    this.emit('DELETED', gone);
    if (type.kind === 'CustomResourceDefinition') this.removeCustomResources(name);
    return gone;
  }

  /** A CRD takes its objects with it, as the API server's cleanup finalizer does. */
  private removeCustomResources(crdName: string): void {
    const types = this.registry.all().filter((t) => this.registry.crdOf(t) === crdName);
    for (const t of types) {
      for (const object of this.listTyped(t)) this.remove(t, object.metadata.namespace, object.metadata.name ?? '');
    }
    this.registry.unregisterCrd(crdName);
  }

  private emit(type: WatchEvent['type'], object: KubeObject): void {
    this.history.push({ revision: this.revision, event: { type, object: clone(object) } });
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    for (const watcher of this.watchers) watcher({ type, object: clone(object) });
  }
}

/** What the API server reports once a CRD's names are accepted and it is served. */
function establishedStatus(crd: KubeObject): Record<string, unknown> {
  const spec = (crd.spec ?? {}) as { names?: unknown; versions?: Array<{ name?: string; storage?: boolean }> };
  const now = timestamp();
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    acceptedNames: spec.names ?? {},
    storedVersions: (spec.versions ?? []).filter((v) => v.storage).map((v) => v.name),
  };
}
