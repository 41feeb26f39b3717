/**
 * multus-daemon on one node, simulated (a FAKE of the thick daemon's host-visible
 * behaviour at v4.3.0, docs/k3s-multus.md §8–§9), in upstream's start order
 * (cmd/multus-daemon/main.go): check the cluster network's cniVersion against its own
 * (pkg/server/config/manager.go loadPrimaryCNIConfigFromFile → generator.go
 * CheckVersionCompatibility; a mismatch exits, the pod crash-loops), open the unix socket,
 * sync its informer caches before serving (pkg/server/server.go Start), POST its own
 * /healthz (pkg/server/api/api.go WaitUntilAPIReady), and only then write
 * `<conf dir>/00-multus.conf` (0600, manager.go Start → PersistMultusConfig). The socket
 * serves `/healthz` for GET and POST (405 for other methods), `/cni`, and 404 for every other
 * path (server.go newCNIServer). SIGTERM removes the conf (manager.go "Delete old config")
 * and the socket; SIGKILL leaves the file and a dead socket behind.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/** Semver of a CNI version string, or undefined when it is not one (semver.Make fails). */
function semver(v: unknown): [number, number, number] | undefined {
  const m = typeof v === 'string' ? /^(\d+)\.(\d+)\.(\d+)$/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}
const below040 = (v: [number, number, number]) => v[0] === 0 && v[1] < 4;

/**
 * generator.go CheckVersionCompatibility at v4.3.0: a top-level version of 0.4.0 or later
 * refuses a delegate below 0.4.0; an unparsable version on either side is an error.
 */
export function cniVersionProblem(multusVersion: unknown, delegate: unknown): string | undefined {
  const top = semver(multusVersion);
  if (!top) return "couldn't get top level cni version";
  if (below040(top)) return undefined;
  const d = delegate && typeof delegate === 'object' ? (delegate as { cniVersion?: unknown }).cniVersion : undefined;
  if (typeof d !== 'string') return "couldn't get cni version of delegate";
  const dv = semver(d);
  if (!dv) return `invalid cni version of delegate: ${d}`;
  if (below040(dv)) return `delegate cni version is ${d} while top level cni version is ${String(multusVersion)}`;
  return undefined;
}

export interface MultusDaemonOptions {
  /** Resolves when the daemon's informer caches have synced (upstream waits up to 20 s each). */
  cacheSync: Promise<void>;
}

export class MultusDaemon {
  private server: Server | undefined;
  private readonly paths: MultusDaemonPaths;
  private readonly config: DaemonConfigJson;
  private readonly options: MultusDaemonOptions;
  private serving = false;
  private readonly held: Array<() => void> = [];
  /** Settles once 00-multus.conf is written (or the daemon stopped first). */
  confWritten: Promise<void> = Promise.resolve();
  private stopped!: () => void;
  private readonly stoppedSignal = new Promise<void>((resolve) => (this.stopped = resolve));

  constructor(paths: MultusDaemonPaths, config: DaemonConfigJson, options: MultusDaemonOptions) {
    this.paths = paths;
    this.config = config;
    this.options = options;
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

  /**
   * Up to "socket open": returns once the socket exists (the container has started). The
   * rest (cache sync, its own /healthz, 00-multus.conf) follows in the background.
   * Throws what makes the real daemon exit before that.
   */
  async start(): Promise<void> {
    const cluster = this.clusterNetworkFile();
    if (!cluster) throw new Error(`failed to find the primary CNI plugin: no CNI config in ${this.paths.confDirInPod}`);
    let primary: unknown;
    try {
      primary = JSON.parse(readFileSync(join(this.paths.confDirHost, cluster), 'utf8'));
    } catch (e) {
      throw new Error(`failed to unmarshall primary CNI config: ${(e as Error).message}`);
    }
    const incompatible = cniVersionProblem(this.config.cniVersion, primary);
    if (incompatible) {
      throw new Error(`failed to create the configuration manager for the primary CNI plugin: failed to load the primary CNI configuration as a multus delegate with error '${incompatible}'`);
    }
    const conf = {
      cniVersion: this.config.cniVersion,
      name: 'multus-cni-network',
      type: 'multus-shim',
      logLevel: this.config.logLevel ?? 'info',
      logToStderr: this.config.logToStderr ?? false,
      socketDir: this.config.socketDir ?? '/run/multus/',
      clusterNetwork: posix.join(this.paths.confDirInPod, cluster),
    };
    mkdirSync(dirname(this.paths.socketHost), { recursive: true, mode: 0o755 });
    mkdirSync(this.paths.cacheDirHost, { recursive: true, mode: 0o755 });
    rmSync(this.paths.socketHost, { force: true }); // the daemon clears a stale socket before binding
    const server = createServer((req, res) => {
      // Until the caches have synced the listener is open but nothing is served.
      if (this.serving) this.handle(req, res);
      else this.held.push(() => this.handle(req, res));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.paths.socketHost, () => resolve());
    });
    this.server = server;
    this.confWritten = Promise.race([this.options.cacheSync, this.stoppedSignal]).then(async () => {
      if (this.server !== server) return;
      this.serving = true;
      for (const go of this.held.splice(0)) go();
      if ((await postHealthz(this.paths.socketHost)) !== 200 || this.server !== server) return;
      writeFile(this.multusConfPath, `${JSON.stringify(conf)}\n`, 0o600);
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'POST') res.writeHead(405).end('Method not allowed\n');
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end();
      req.resume();
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
    req.resume();
    res.writeHead(404).end();
  }

  /** ADD leaves a per-container cache file, as the daemon does; DEL removes it. */
  private handleCni(request: CniRequest): { result: { cniVersion: string; networks: string[] } } {
    if (!/^[A-Za-z0-9_-]+$/.test(request.containerId)) throw new Error('bad containerId');
    const cache = join(this.paths.cacheDirHost, request.containerId);
    if (request.command === 'DEL') rmSync(cache, { force: true });
    else writeFileSync(cache, `${JSON.stringify({ ...request, cachedAt: new Date().toISOString() })}\n`, { mode: 0o600 });
    return { result: { cniVersion: String(this.config.cniVersion), networks: request.networks } };
  }

  /**
   * SIGTERM: the daemon removes 00-multus.conf and its socket. SIGKILL: it simply stops
   * answering; the file and the socket file stay (connect then fails: connection refused).
   */
  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.stopped();
    this.held.splice(0); // held requests are dropped with their connections below
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

/** POST /healthz over the socket, as WaitUntilAPIReady does; the status, or 0 when nothing answered. */
export function postHealthz(socketPath: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ socketPath, method: 'POST', path: '/healthz', headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end('null');
  });
}
