/**
 * startKubeApi: the lab's Kubernetes API stand-in (a FAKE, see README.md) on plain HTTP.
 * The real kubectl talks to it through the kubeconfig that `kubeconfigPath` writes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ObjectStore } from './store.ts';
import { createRouter } from './routes.ts';
import { nodeObject, namespaceObject } from './seed.ts';
import type { NodeSpec } from './seed.ts';
import type { AppliedListener, DeletedListener } from './types.ts';
import { FaultRules, type FaultRule } from './faults.ts';

export type { NodeSpec } from './seed.ts';
export type { ObjectStore } from './store.ts';
export type * from './types.ts';
export type { FaultRule, FaultRequest, FaultAction } from './faults.ts';

export interface StartKubeApiOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Node objects to create at start, all Ready (the first one is the control plane). */
  nodes?: NodeSpec[];
  /** What /version reports; default v1.31.2+k3s1. */
  gitVersion?: string;
  /** One line per request, e.g. `(line) => t.comment(line)` while debugging. */
  log?: (line: string) => void;
}

export interface KubeApi {
  /** http://host:port */
  url: string;
  /** Write a kubeconfig for this server into `dir` and return its path. */
  kubeconfigPath(dir: string): string;
  store: ObjectStore;
  stop(): Promise<void>;
  /** Same as store.on: after each server-side apply, or when a client deletes an object. */
  on(event: 'applied', listener: AppliedListener): () => void;
  on(event: 'deleted', listener: DeletedListener): () => void;
  /** Answer matching requests with a 500 or a dropped connection until the returned function is called. */
  injectFault(rule: FaultRule): () => void;
}

/** Namespaces a fresh K3s cluster has. */
const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function kubeconfigText(url: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'lab', cluster: { server: url } }],
    users: [{ name: 'lab', user: {} }],
    contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'lab', namespace: 'default' } }],
    'current-context': 'lab',
    preferences: {},
  });
}

export async function startKubeApi(options: StartKubeApiOptions = {}): Promise<KubeApi> {
  const host = options.host ?? '127.0.0.1';
  const store = new ObjectStore();
  for (const name of INITIAL_NAMESPACES) store.put(namespaceObject(name));
  (options.nodes ?? []).forEach((node, index) => store.put(nodeObject(node, index, options.gitVersion ?? 'v1.31.2+k3s1')));

  let address = '';
  const faults = new FaultRules();
  const server = createServer(
    createRouter({ store, gitVersion: options.gitVersion ?? 'v1.31.2+k3s1', serverAddress: () => address, log: options.log, faults }),
  );
  // kubectl keeps connections alive; a stop must not wait for them.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const url = `http://${address}`;

  return {
    url,
    store,
    kubeconfigPath(dir: string): string {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `kubeconfig-${port}.yaml`);
      writeFileSync(file, kubeconfigText(url), { mode: 0o600 });
      return file;
    },
    stop(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    on(event: 'applied' | 'deleted', listener: AppliedListener | DeletedListener) {
      return event === 'applied' ? store.on('applied', listener as AppliedListener) : store.on('deleted', listener as DeletedListener);
    },
    injectFault: (rule: FaultRule) => faults.inject(rule),
  } as KubeApi;
}
