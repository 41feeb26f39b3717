/**
 * Errors in the Kubernetes `Status` format, so kubectl prints them as it would for a real
 * API server: `Error from server (NotFound): daemonsets.apps "x" not found`.
 */
import type { ResourceType } from './types.ts';
import { qualifiedResource } from './types.ts';

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: number, reason: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

function detailsOf(type: ResourceType, name: string): Record<string, unknown> {
  return { name, group: type.group, kind: type.plural };
}

export function notFound(type: ResourceType, name: string): KubeApiError {
  return new KubeApiError(404, 'NotFound', `${qualifiedResource(type)} "${name}" not found`, detailsOf(type, name));
}

export function namespaceNotFound(namespace: string): KubeApiError {
  return new KubeApiError(404, 'NotFound', `namespaces "${namespace}" not found`, {
    name: namespace,
    kind: 'namespaces',
  });
}

export function alreadyExists(type: ResourceType, name: string): KubeApiError {
  return new KubeApiError(409, 'AlreadyExists', `${qualifiedResource(type)} "${name}" already exists`, detailsOf(type, name));
}

export function staleResourceVersion(type: ResourceType, name: string): KubeApiError {
  return new KubeApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    detailsOf(type, name),
  );
}

export function applyConflict(type: ResourceType, name: string, conflicts: string[]): KubeApiError {
  const n = conflicts.length;
  const text = n === 1 ? conflicts[0] : conflicts.map((c) => `\n- ${c}`).join('');
  return new KubeApiError(409, 'Conflict', `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${text}`, {
    ...detailsOf(type, name),
    causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: c })),
  });
}

/** 422: the API server's wording is `Kind.group "name" is invalid: field: reason`. */
export function invalid(type: ResourceType | undefined, kind: string, name: string, causes: StatusCause[]): KubeApiError {
  const group = type?.group ? `.${type.group}` : '';
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new KubeApiError(422, 'Invalid', `${kind}${group} "${name}" is invalid: ${text}`, {
    name,
    group: type?.group ?? '',
    kind,
    causes,
  });
}

export function badRequest(message: string): KubeApiError {
  return new KubeApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(): KubeApiError {
  return new KubeApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function unsupportedMediaType(contentType: string): KubeApiError {
  return new KubeApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${contentType})`);
}

export function pathNotFound(): KubeApiError {
  return new KubeApiError(404, 'NotFound', 'the server could not find the requested resource');
}
