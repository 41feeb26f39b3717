/**
 * Faults the API stand-in can be told to answer with (a FAKE's test hook, not a Kubernetes
 * behaviour): a request that matches a rule gets a 500 Status, as an apiserver whose etcd is
 * failing answers (k8s.io/apiserver pkg/endpoints/handlers/responsewriters: InternalError),
 * or its connection is closed with no answer, as a server that went away mid-request.
 * Rules are matched in order; each stays until the function `inject` returned is called.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface FaultRequest {
  method: string;
  /** The URL's path, e.g. /apis/apps/v1/namespaces/kube-system/daemonsets/kube-multus-ds */
  path: string;
  query: URLSearchParams;
}

export type FaultAction = 'internal-error' | 'drop-connection';

export interface FaultRule {
  match: (request: FaultRequest) => boolean;
  action: FaultAction;
  /** Called each time the rule answers a request (the test's event to await). */
  onHit?: (request: FaultRequest) => void;
}

export class FaultRules {
  private readonly rules: FaultRule[] = [];

  inject(rule: FaultRule): () => void {
    this.rules.push(rule);
    return () => {
      const i = this.rules.indexOf(rule);
      if (i >= 0) this.rules.splice(i, 1);
    };
  }

  /** True when a rule answered the request (the router must then do nothing more). */
  answer(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.rules.length === 0) return false;
    const url = new URL(req.url ?? '/', 'http://lab.invalid');
    const request: FaultRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams };
    const rule = this.rules.find((r) => r.match(request));
    if (!rule) return false;
    rule.onHit?.(request);
    if (rule.action === 'drop-connection') {
      req.socket.destroy();
      return true;
    }
    const text = JSON.stringify({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'Internal error occurred: injected fault', reason: 'InternalError', code: 500,
    });
    res.writeHead(500, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
    res.end(text);
    return true;
  }
}
