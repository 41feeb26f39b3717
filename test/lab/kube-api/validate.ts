/**
 * The checks the stand-in makes on an incoming object: it names itself as the URL does,
 * it has what every object must have, and, under `fieldValidation=Strict` (what kubectl
 * asks for by default), it has no top-level field its kind does not know. Deeper schema
 * validation is out of scope for the lab.
 */
import type { KubeObject, ResourceType } from './types.ts';
import { badRequest, invalid } from './status.ts';
import type { StatusCause } from './status.ts';
import { apiVersionOf } from './types.ts';

const COMMON = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const EXTRA_TOP_LEVEL: Record<string, string[]> = {
  ConfigMap: ['data', 'binaryData', 'immutable'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  ClusterRole: ['rules', 'aggregationRule'],
  Role: ['rules'],
  ClusterRoleBinding: ['roleRef', 'subjects'],
  RoleBinding: ['roleRef', 'subjects'],
};
/** Kinds with many top-level fields the lab does not list; they are not checked. */
const UNCHECKED = new Set(['Event']);

/** Five characters from the alphabet the API server uses for generateName suffixes. */
function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from({ length: 5 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

export interface Target {
  type: ResourceType;
  namespace: string | undefined;
  /** The name in the URL, absent for a create (POST to the collection). */
  name?: string;
}

/** Throws a 400/422 Status error when the body cannot be the object the URL addresses. */
export function checkIdentity(body: unknown, target: Target): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the request body is not an object');
  const object = body as KubeObject;
  const { type } = target;
  const generated = target.name === undefined && !object.metadata?.name && object.metadata?.generateName;
  const name = object.metadata?.name ?? target.name ?? (generated ? generated + randomSuffix() : '');
  const causes: StatusCause[] = [];
  if (!object.apiVersion) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'apiVersion' });
  if (!object.kind) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'kind' });
  if (!name) causes.push({ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' });
  if (causes.length > 0) throw invalid(type, object.kind || type.kind, name, causes);
  const expected = apiVersionOf(type.group, type.version);
  if (object.apiVersion !== expected || object.kind !== type.kind) {
    throw badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${expected}) or kind (${object.kind} vs ${type.kind})`);
  }
  if (target.name !== undefined && object.metadata?.name !== undefined && object.metadata.name !== target.name) {
    throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${target.name})`);
  }
  const bodyNamespace = object.metadata?.namespace;
  if (type.namespaced && bodyNamespace !== undefined && bodyNamespace !== target.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  object.metadata = { ...(object.metadata ?? {}), name };
  if (type.namespaced) object.metadata.namespace = target.namespace;
  return object;
}

/** Top-level fields the kind does not define; empty for custom resources' spec contents. */
export function unknownTopLevelFields(object: KubeObject): string[] {
  if (UNCHECKED.has(object.kind)) return [];
  const known = new Set([...COMMON, ...(EXTRA_TOP_LEVEL[object.kind] ?? [])]);
  return Object.keys(object).filter((key) => !known.has(key));
}

/**
 * Apply the `fieldValidation` directive: Strict rejects unknown fields, Warn returns them
 * as warnings (sent as `Warning:` headers), Ignore says nothing.
 */
export function fieldValidation(object: KubeObject, directive: string | null): string[] {
  const unknown = unknownTopLevelFields(object);
  if (unknown.length === 0 || directive === 'Ignore') return [];
  const messages = unknown.map((field) => `unknown field "${field}"`);
  if (directive === 'Strict') throw badRequest(`strict decoding error: ${messages.join(', ')}`);
  return messages;
}
