/**
 * OpenAPI, just enough for kubectl's default `--validate=strict`. The lab serves no
 * schemas; instead its OpenAPI v3 documents declare, for every kind, a PATCH/PUT/POST
 * operation that takes the `fieldValidation` query parameter. kubectl (1.27+) then leaves
 * validation to the server (see validate.ts) rather than downloading schemas. Older
 * kubectl (the 1.20 of Debian 12's kubernetes-client) reads /openapi/v2 as protobuf: an
 * empty body is a valid, empty openapi_v2.Document, so it finds no schema for any kind
 * and skips client-side validation.
 */
import type { ResourceRegistry } from './resources.ts';
import type { ResourceType } from './types.ts';
import { apiVersionOf } from './types.ts';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** GET /openapi/v3: where each group/version's document lives. */
export function openApiV3Root(registry: ResourceRegistry, hash: string): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const path = gvPath(group, version);
      paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
    }
  }
  return { paths };
}

const FIELD_VALIDATION_PARAM = {
  name: 'fieldValidation',
  in: 'query',
  description: 'Ignore, Warn or Strict: how the server treats unknown fields.',
  schema: { type: 'string', uniqueItems: true },
};

function operation(type: ResourceType, action: string): Record<string, unknown> {
  return {
    operationId: `${action}${type.kind}`,
    parameters: [FIELD_VALIDATION_PARAM],
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: type.group, version: type.version, kind: type.kind },
  };
}

/** GET /openapi/v3/api/v1 or /openapi/v3/apis/<group>/<version>; undefined if not served. */
export function openApiV3Document(registry: ResourceRegistry, gv: string): Record<string, unknown> | undefined {
  const types = registry.all().filter((t) => gvPath(t.group, t.version) === gv);
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const type of types) {
    const base = `/${gv}/${type.namespaced ? 'namespaces/{namespace}/' : ''}${type.plural}`;
    paths[base] = { post: operation(type, 'post') };
    paths[`${base}/{name}`] = { put: operation(type, 'put'), patch: operation(type, 'patch') };
  }
  const version = types[0].version;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (lab stand-in, no schemas)', version: apiVersionOf(types[0].group, version) },
    paths,
    components: { schemas: {} },
  };
}
