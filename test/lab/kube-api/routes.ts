/**
 * The HTTP front: reads the request, sends discovery and resource requests to their
 * handlers, and writes every answer as JSON (errors as Kubernetes Status objects).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { ObjectStore } from './store.ts';
import { coreVersions, group, groupList, resourceList, versionDocument } from './discovery.ts';
import { handleResource } from './handlers.ts';
import { openApiV3Document, openApiV3Root } from './openapi.ts';
import { parsePath } from './paths.ts';
import { KubeApiError, badRequest, pathNotFound } from './status.ts';
import { serveWatch } from './watch.ts';
import type { FaultRules } from './faults.ts';

export interface RouterContext {
  store: ObjectStore;
  gitVersion: string;
  /** host:port clients reach the server at, for /api's serverAddressByClientCIDRs. */
  serverAddress: () => string;
  /** Called with one line per request (method, URL, status), e.g. to debug a test. */
  log?: (line: string) => void;
  /** Injected faults, consulted before anything else (faults.ts). */
  faults?: FaultRules;
}

const DEFAULT_WATCH_TIMEOUT_SECONDS = 300;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string, contentType: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    // The apply content type is YAML; JSON is YAML too, and the other types are JSON.
    return contentType.includes('yaml') ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw badRequest(`the request body could not be decoded: ${(error as Error).message}`);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
  };
  if (warnings.length > 0) headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(status, headers);
  res.end(text);
}

/** Answers for everything that is not a resource: version, health, discovery. */
function nonResource(ctx: RouterContext, pathname: string): unknown {
  const registry = ctx.store.registry;
  if (pathname === '/version') return versionDocument(ctx.gitVersion);
  if (pathname === '/api') return coreVersions(ctx.serverAddress());
  if (pathname === '/apis') return groupList(registry);
  if (pathname === '/openapi/v3') return openApiV3Root(registry, ctx.store.resourceVersion);
  if (pathname.startsWith('/openapi/v3/')) return openApiV3Document(registry, pathname.slice('/openapi/v3/'.length));
  const groupMatch = /^\/apis\/([^/]+)\/?$/.exec(pathname);
  if (groupMatch) return group(registry, groupMatch[1]);
  return undefined;
}

async function route(ctx: RouterContext, req: IncomingMessage, res: ServerResponse): Promise<number> {
  const url = new URL(req.url ?? '/', 'http://lab.invalid');
  const method = req.method ?? 'GET';
  const contentType = req.headers['content-type'] ?? '';
  const body = parseBody(await readBody(req), contentType);

  if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
    return 200;
  }
  if (url.pathname === '/openapi/v2') {
    // An empty protobuf message: a valid openapi_v2.Document with no schemas.
    res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': '0' });
    res.end();
    return 200;
  }
  const parsed = parsePath(url.pathname, ctx.store.registry);
  if (parsed.kind === 'other' || parsed.kind === 'group-version') {
    const doc = parsed.kind === 'group-version' ? resourceList(ctx.store.registry, parsed.group, parsed.version) : nonResource(ctx, url.pathname);
    if (doc === undefined) throw pathNotFound();
    if (method !== 'GET') throw new KubeApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    sendJson(res, 200, doc);
    return 200;
  }
  if (parsed.kind === 'unknown-resource') throw pathNotFound();

  const { path } = parsed;
  const watch = url.searchParams.get('watch');
  if (method === 'GET' && path.name === undefined && (watch === 'true' || watch === '1')) {
    serveWatch(req, res, ctx.store, {
      type: path.type,
      options: {
        namespace: path.namespace,
        labelSelector: url.searchParams.get('labelSelector') ?? undefined,
        fieldSelector: url.searchParams.get('fieldSelector') ?? undefined,
      },
      resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
      timeoutSeconds: Number(url.searchParams.get('timeoutSeconds') ?? DEFAULT_WATCH_TIMEOUT_SECONDS),
    });
    return 200;
  }
  const reply = handleResource(ctx.store, { method, path, query: url.searchParams, contentType, body });
  sendJson(res, reply.status, reply.body, reply.warnings);
  return reply.status;
}

export function createRouter(ctx: RouterContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (ctx.faults?.answer(req, res)) return void ctx.log?.(`${req.method} ${req.url} fault`);
    route(ctx, req, res)
      .catch((error: unknown) => {
        const apiError =
          error instanceof KubeApiError ? error : new KubeApiError(500, 'InternalError', `internal error: ${(error as Error).message}`);
        if (!res.headersSent) sendJson(res, apiError.code, apiError.toStatus());
        else res.end();
        return apiError.code;
      })
      .then((status) => ctx.log?.(`${req.method} ${req.url} ${status}`));
  };
}
