/**
 * Shapes shared by the Kubernetes API stand-in (a FAKE that exists only in the test lab).
 * Objects are plain JSON, as kubectl sends and receives them.
 */

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldSet;
  subresource?: string;
}

/** The FieldsV1 tree: `{ "f:spec": { "f:replicas": {} } }`; `{}` marks an owned leaf. */
export type FieldSet = { [key: string]: FieldSet };

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: unknown[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** One kind the stand-in serves: built in, or registered by a CustomResourceDefinition. */
export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories?: string[];
  verbs: string[];
  /** Whether the kind has a `status` that apply/update of the main resource must not touch. */
  hasStatus: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface ListOptions {
  /** Namespace to list in; undefined = all namespaces. */
  namespace?: string;
  /** Kubernetes label selector text, e.g. `app=multus,tier in (a,b)`. */
  labelSelector?: string;
  /** Kubernetes field selector text, e.g. `spec.nodeName=node1`. */
  fieldSelector?: string;
}

export interface AppliedInfo {
  created: boolean;
  /** False when the apply left the stored object exactly as it was (resourceVersion kept). */
  changed: boolean;
  manager: string;
}

/** Called after every server-side apply. */
export type AppliedListener = (object: KubeObject, info: AppliedInfo) => void;

/**
 * Called when an API client deletes an object; the object already carries its
 * deletionTimestamp. Returning a promise holds the object in place (like a finalizer) until
 * the promise settles; returning nothing lets the deletion complete at once.
 */
export type DeletedListener = (object: KubeObject) => void | Promise<void>;

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function versionOf(apiVersion: string): string {
  return apiVersion.slice(apiVersion.indexOf('/') + 1);
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** `daemonsets.apps`, `pods`: how the API server names a resource in messages. */
export function qualifiedResource(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
