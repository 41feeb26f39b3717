/**
 * What an apply did (or would do) to each object: the cluster's objects before, compared
 * with kubectl's output after. A real apply is judged by resourceVersion, which the API
 * server moves only when the stored object changes; a server-side dry run stores nothing
 * (its resourceVersion says nothing), so there the normalized objects are compared.
 */
import { normalizeObject, objectKey, objectRef, objectsYaml, sameJson, type KubeObject } from './objects.ts';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ObjectOutcome {
  ref: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  action: ApplyAction;
}

export interface ApplyOutcome {
  objects: ObjectOutcome[];
  changed: boolean;
  /** YAML of the changed objects before and after (normalized). */
  before: string;
  after: string;
}

export type ApplyComparison = 'resourceVersion' | 'content';

export function applyOutcome(current: KubeObject[], applied: KubeObject[], by: ApplyComparison): ApplyOutcome {
  const existing = new Map(current.map((o) => [objectKey(o), o]));
  const objects: ObjectOutcome[] = [];
  const before: KubeObject[] = [];
  const after: KubeObject[] = [];
  for (const o of applied) {
    const old = existing.get(objectKey(o));
    const action: ApplyAction = !old ? 'created' : sameObject(old, o, by) ? 'unchanged' : 'configured';
    if (action !== 'unchanged') {
      if (old) before.push(old);
      after.push(o);
    }
    objects.push({
      ref: objectRef(o),
      apiVersion: o.apiVersion ?? '',
      kind: o.kind ?? '',
      name: o.metadata?.name ?? '',
      ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
      action,
    });
  }
  return { objects, changed: objects.some((o) => o.action !== 'unchanged'), before: objectsYaml(before), after: objectsYaml(after) };
}

function sameObject(old: KubeObject, now: KubeObject, by: ApplyComparison): boolean {
  if (by === 'resourceVersion') return old.metadata?.resourceVersion === now.metadata?.resourceVersion;
  return sameJson(normalizeObject(old), normalizeObject(now));
}

/** kubectl's wording, one object after the other: `configmap/x unchanged, daemonset.apps/y configured`. */
export function describeOutcome(objects: ObjectOutcome[], dryRun: boolean): string {
  if (objects.length === 0) return 'no objects';
  const verb = (a: ApplyAction): string => (dryRun && a !== 'unchanged' ? `would be ${a}` : a);
  return objects.map((o) => `${o.ref} ${verb(o.action)}`).join(', ');
}
