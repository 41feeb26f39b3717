/**
 * Server-side apply, simplified: every manager owns the fields of its last applied
 * configuration (recorded in metadata.managedFields as FieldsV1), lists are atomic
 * (owned and replaced whole, where the real server merges keyed lists such as containers
 * by name), and a field another manager owns with a different value is a conflict unless
 * the request says `force=true`. Also JSON merge patch (RFC 7386), which stands in for
 * strategic merge patch too.
 */
import type { FieldSet, KubeObject, ManagedFieldsEntry } from './types.ts';
import { clone } from './types.ts';

type Json = Record<string, unknown>;

/** Metadata the server owns; a client's copy of them is ignored. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
];

/** Fields that identify the object rather than configure it: never owned or removed. */
const IDENTITY = new Set(['f:apiVersion', 'f:kind']);

function isMap(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The applied configuration as the server keeps it: no status, no server-owned metadata. */
export function cleanAppliedConfig(applied: KubeObject): KubeObject {
  const config = clone(applied);
  delete config.status;
  for (const key of SERVER_METADATA) delete config.metadata[key];
  return config;
}

/** The FieldsV1 set of a configuration: maps recurse, anything else is an owned leaf. */
export function fieldSetOf(value: Json, top = true): FieldSet {
  const set: FieldSet = {};
  for (const [key, v] of Object.entries(value)) {
    if (top && (key === 'apiVersion' || key === 'kind')) continue;
    set[`f:${key}`] = isMap(v) && Object.keys(v).length > 0 ? fieldSetOf(v, false) : {};
  }
  return set;
}

/** Leaf paths of a field set, as key lists without the `f:` prefix. */
export function leafPaths(set: FieldSet, prefix: string[] = []): string[][] {
  const paths: string[][] = [];
  for (const [key, child] of Object.entries(set)) {
    if (IDENTITY.has(key) && prefix.length === 0) continue;
    const path = [...prefix, key.slice(2)];
    if (Object.keys(child).length === 0) paths.push(path);
    else paths.push(...leafPaths(child, path));
  }
  return paths;
}

function pathKey(path: string[]): string {
  return '.' + path.join('.');
}

function valueAt(value: unknown, path: string[]): unknown {
  let node = value;
  for (const part of path) {
    if (!isMap(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** Delete a path, then prune maps it left empty (an emptied `labels: {}` disappears). */
function removePath(root: Json, path: string[]): void {
  const parents: Json[] = [];
  let node: Json = root;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (!isMap(next)) return;
    parents.push(node);
    node = next;
  }
  delete node[path[path.length - 1]];
  for (let i = parents.length - 1; i >= 0; i--) {
    const key = path[i];
    const child = parents[i][key];
    if (isMap(child) && Object.keys(child).length === 0 && !(i === 0 && key === 'metadata')) delete parents[i][key];
    else break;
  }
}

function setPath(root: Json, path: string[], value: unknown): void {
  let node: Json = root;
  for (const part of path.slice(0, -1)) {
    if (!isMap(node[part])) node[part] = {};
    node = node[part] as Json;
  }
  node[path[path.length - 1]] = clone(value);
}

function setFromPaths(paths: string[][]): FieldSet {
  const set: FieldSet = {};
  for (const path of paths) {
    let node = set;
    for (const part of path) node = node[`f:${part}`] ??= {};
  }
  return set;
}

export interface ApplyRequest {
  manager: string;
  force: boolean;
  now: string;
}

export type ApplyOutcome = { ok: true; object: KubeObject } | { ok: false; conflicts: string[] };

/**
 * Compute the object after `manager` applies `applied` onto `current` (absent = create).
 * The result still needs the store's bookkeeping (uid, resourceVersion, generation).
 */
export function serverSideApply(current: KubeObject | undefined, applied: KubeObject, req: ApplyRequest): ApplyOutcome {
  const config = cleanAppliedConfig(applied);
  const newSet = fieldSetOf(config);
  const newPaths = leafPaths(newSet);
  const next: KubeObject = current ? clone(current) : { apiVersion: config.apiVersion, kind: config.kind, metadata: {} };
  const entries: ManagedFieldsEntry[] = clone(current?.metadata.managedFields ?? []);
  const mine = entries.find((e) => e.manager === req.manager && e.operation === 'Apply');
  const others = entries.filter((e) => e !== mine);

  // Conflicts: someone else owns a field this apply sets to a different value.
  const conflicts: string[] = [];
  const taken = new Map<ManagedFieldsEntry, Set<string>>();
  for (const other of others) {
    const owned = new Set(leafPaths(other.fieldsV1).map(pathKey));
    for (const path of newPaths) {
      const key = pathKey(path);
      if (!owned.has(key)) continue;
      if (JSON.stringify(valueAt(current, path)) === JSON.stringify(valueAt(config, path))) continue;
      conflicts.push(`conflict with "${other.manager}"${other.operation === 'Update' ? ' using ' + other.apiVersion : ''}: ${key}`);
      if (!taken.has(other)) taken.set(other, new Set());
      taken.get(other)!.add(key);
    }
  }
  if (conflicts.length > 0 && !req.force) return { ok: false, conflicts };

  // Fields this manager applied last time but not now are removed, unless someone else owns them.
  const stillOwned = new Set<string>();
  for (const other of others) for (const p of leafPaths(other.fieldsV1)) stillOwned.add(pathKey(p));
  const newKeys = new Set(newPaths.map(pathKey));
  for (const path of mine ? leafPaths(mine.fieldsV1) : []) {
    const key = pathKey(path);
    if (!newKeys.has(key) && !stillOwned.has(key)) removePath(next, path);
  }
  for (const path of newPaths) setPath(next, path, valueAt(config, path));
  next.apiVersion = config.apiVersion;
  next.kind = config.kind;

  // Forced fields change hands; managers left with nothing drop out.
  const kept: ManagedFieldsEntry[] = [];
  for (const other of others) {
    const lost = taken.get(other);
    if (lost) {
      const remaining = leafPaths(other.fieldsV1).filter((p) => !lost.has(pathKey(p)));
      if (remaining.length === 0) continue;
      other.fieldsV1 = setFromPaths(remaining);
    }
    kept.push(other);
  }
  kept.push({
    manager: req.manager,
    operation: 'Apply',
    apiVersion: config.apiVersion,
    time: req.now,
    fieldsType: 'FieldsV1',
    fieldsV1: newSet,
  });
  next.metadata.managedFields = kept;
  return { ok: true, object: next };
}

/** RFC 7386 JSON merge patch: maps merge, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return clone(patch);
  const result: Json = isMap(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/**
 * An update (PUT or a merge patch, as a client-side `kubectl apply` sends with
 * fieldManager=kubectl-client-side-apply) takes ownership of every field it changes,
 * under operation Update, from whoever owned it: apimachinery's fieldmanager records it
 * so, and that is why a later server-side apply with other values conflicts with it.
 */
export function recordUpdate(current: KubeObject, next: KubeObject, manager: string, now: string): void {
  const nextPaths = leafPaths(fieldSetOf(cleanAppliedConfig(next)));
  const changedKeys = new Set<string>();
  const changedPaths = nextPaths.filter((path) => {
    const differs = JSON.stringify(valueAt(current, path)) !== JSON.stringify(valueAt(next, path));
    if (differs) changedKeys.add(pathKey(path));
    return differs;
  });
  if (changedPaths.length === 0) return;
  const entries: ManagedFieldsEntry[] = [];
  let mine: ManagedFieldsEntry | undefined;
  for (const entry of clone(current.metadata.managedFields ?? [])) {
    if (entry.manager === manager && entry.operation === 'Update') {
      mine = entry;
      continue;
    }
    const remaining = leafPaths(entry.fieldsV1).filter((p) => !changedKeys.has(pathKey(p)));
    if (remaining.length > 0) entries.push({ ...entry, fieldsV1: setFromPaths(remaining) });
  }
  const owned = [...(mine ? leafPaths(mine.fieldsV1).filter((p) => !changedKeys.has(pathKey(p))) : []), ...changedPaths];
  entries.push({ manager, operation: 'Update', apiVersion: next.apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: setFromPaths(owned) });
  next.metadata.managedFields = entries;
}
