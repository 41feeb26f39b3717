/**
 * multus-daemon on one node, simulated (a FAKE of the thick daemon's host-visible
 * behaviour, docs/k3s-multus.md §8–§9): on start it writes `<conf dir>/00-multus.conf` (0600) pointing at
 * the first other CNI config as its cluster network and serves HTTP on its unix socket;
 * SIGTERM removes both, SIGKILL leaves the file and a dead socket behind.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { writeFile } from '../k3s-layout.ts';

export const MULTUS_CONF_NAME = '00-multus.conf';
export const SOCKET_NAME = 'multus.sock';

export interface DaemonConfigJson {
  cniVersion?: string;
  logLevel?: string;
  logToStderr?: boolean;
  cniConfigDir?: string;
  socketDir?: string;
  binDir?: string;
  [key: string]: unknown;
}

export interface MultusDaemonPaths {
  /** Host-side directory the daemon's cniConfigDir is backed by. */
  confDirHost: string;
  /** The same directory as the daemon sees it (what it writes into clusterNetwork). */
  confDirInPod: string;
  /** Host-side path of the socket file. */
  socketHost: string;
  /** Host-side directory of the per-container caches (/var/lib/cni/multus on the node). */
  cacheDirHost: string;
}

/** What a POST /cni carries in the simulation: enough to write a cache and answer. */
export interface CniRequest {
  command: 'ADD' | 'DEL';
  containerId: string;
  podNamespace: string;
  podName: string;
  networks: string[];
}

const CONF_EXTENSIONS = ['.conf', '.conflist', '.json'];

export class MultusDaemon {
  private server: Server | undefined;
  private readonly paths: MultusDaemonPaths;
  private readonly config: DaemonConfigJson;

  constructor(paths: MultusDaemonPaths, config: DaemonConfigJson) {
    this.paths = paths;
    this.config = config;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  get socketPath(): string {
    return this.paths.socketHost;
  }

  get multusConfPath(): string {
    return join(this.paths.confDirHost, MULTUS_CONF_NAME);
  }

  /** The first CNI config by name other than Multus's own; the real daemon waits for one. */
  clusterNetworkFile(): string | undefined {
    let names: string[];
    try {
      names = readdirSync(this.paths.confDirHost);
    } catch {
      return undefined;
    }
    return names
      .filter((n) => n !== MULTUS_CONF_NAME && CONF_EXTENSIONS.some((e) => n.endsWith(e)))
      .sort()[0];
  }

  async start(): Promise<void> {
    const cluster = this.clusterNetworkFile();
    if (!cluster) throw new Error(`no CNI config in ${this.paths.confDirInPod} to use as the cluster network`);
    const conf = {
      cniVersion: this.config.cniVersion ?? '0.3.1',
      name: 'multus-cni-network',
      type: 'multus-shim',
      logLevel: this.config.logLevel ?? 'info',
      logToStderr: this.config.logToStderr ?? false,
      socketDir: this.config.socketDir ?? '/run/multus/',
      clusterNetwork: posix.join(this.paths.confDirInPod, cluster),
    };
    writeFile(this.multusConfPath, `${JSON.stringify(conf)}\n`, 0o600);
    mkdirSync(dirname(this.paths.socketHost), { recursive: true, mode: 0o755 });
    mkdirSync(this.paths.cacheDirHost, { recursive: true, mode: 0o755 });
    rmSync(this.paths.socketHost, { force: true }); // the daemon clears a stale socket before binding
    const server = createServer((req, res) => {
      if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/readyz')) {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
        return;
      }
      if (req.method === 'POST' && req.url === '/cni') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          try {
            const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CniRequest;
            res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(this.handleCni(request)));
          } catch (e) {
            res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: (e as Error).message }));
          }
        });
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.paths.socketHost, () => resolve());
    });
    this.server = server;
  }

  /** ADD leaves a per-container cache file, as the daemon does; DEL removes it. */
  private handleCni(request: CniRequest): { result: { cniVersion: string; networks: string[] } } {
    if (!/^[A-Za-z0-9_-]+$/.test(request.containerId)) throw new Error('bad containerId');
    const cache = join(this.paths.cacheDirHost, request.containerId);
    if (request.command === 'DEL') rmSync(cache, { force: true });
    else writeFileSync(cache, `${JSON.stringify({ ...request, cachedAt: new Date().toISOString() })}\n`, { mode: 0o600 });
    return { result: { cniVersion: this.config.cniVersion ?? '0.3.1', networks: request.networks } };
  }

  /**
   * SIGTERM: the daemon removes 00-multus.conf and its socket. SIGKILL: it simply stops
   * answering; the file and the socket file stay (connect then fails: connection refused).
   */
  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (signal === 'SIGTERM') rmSync(this.multusConfPath, { force: true });
    if (!server) return;
    // Node unlinks a unix socket it closes; a killed process never gets that far.
    // (Someone may have removed the socket file meanwhile; then there is nothing to keep.)
    const kept = `${this.paths.socketHost}.killed`;
    const keep = signal === 'SIGKILL' && existsSync(this.paths.socketHost);
    if (keep) renameSync(this.paths.socketHost, kept);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    if (keep) renameSync(kept, this.paths.socketHost);
    else if (signal === 'SIGTERM') rmSync(this.paths.socketHost, { force: true });
  }
}
