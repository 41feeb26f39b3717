/**
 * ansible_connection: ssh — one SSH connection per host for the whole run, opened by
 * connect() and shared by every exec (one channel per command). Built on ssh2-promise's
 * connection and the raw ssh2 exec channel: the channel's `exit` event is the only place
 * that carries the exit code and signal, which ssh2-promise's own exec() throws away.
 */
import SSH2Promise from 'ssh2-promise';
import type { ClientChannel } from 'ssh2';
import { InterruptedError, UnreachableError } from '../errors.ts';
import { wrapBecome } from './become.ts';
import { runOnChannel, withRemoteTimeout } from './ssh-channel.ts';
import { HopKeyFileError, hopConfig, type EndpointOptions, type HopConfig, type HopEndpoint, type Refusal } from './ssh-hop-config.ts';
import { startProxyCommand, type ProxyProcess } from './proxy.ts';
import { OutputLimitError } from './limits.ts';
import type { BecomeSpec, Connection, ExecOptions, ExecResult, HeldCommand } from './types.ts';
import { holdOnChannel } from './held-channel.ts';

export type { HostKeyChecking } from './host-key-policy.ts';

export interface SshConnectionOptions extends EndpointOptions {
  /** Address to connect to (ansible_host); defaults to the inventory name. */
  address?: string;
  port?: number;
  /** Jump hosts (ProxyJump), connected in order; the target is reached through the last. */
  jumps?: HopEndpoint[];
  /** ProxyCommand: its stdio is the connection to the first jump host, or to the target. */
  proxyCommand?: string;
}

/** The part of ssh2-promise's per-hop connection object used here. */
interface PromiseHop {
  spawn(cmd: string, params?: string[] | null, options?: object): Promise<ClientChannel>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

export class SshConnection implements Connection {
  readonly address: string;
  readonly port: number;
  private sessions = 0;
  private readonly options: SshConnectionOptions;
  private client: SSH2Promise | undefined;
  private hop: PromiseHop | undefined;
  private connecting: Promise<void> | undefined;
  private lost: string | undefined;

  constructor(
    readonly host: string,
    options: SshConnectionOptions,
  ) {
    this.options = options;
    this.address = options.address ?? host;
    this.port = options.port ?? 22;
  }

  /** SSH sessions opened (handshake + auth): 1 after connect(), and it stays 1 for the run. */
  get handshakes(): number {
    return this.sessions;
  }

  connect(): Promise<void> {
    // A failed attempt is forgotten so a later call may try again; a good one is kept.
    this.connecting ??= this.open().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    await this.connect();
    if (this.lost !== undefined) throw this.unreachable(`connection to ${this.where()} lost: ${this.lost}`);
    if (options.become?.password !== undefined && (this.options.hostKeyChecking ?? 'strict') === 'off') {
      throw this.unreachable(`refusing to send the become password to ${this.where()} with host key checking off`);
    }
    const timeoutMs = options.timeoutMs;
    // timeout(1) goes inside sudo, so it can end a command that runs as root.
    const limited = timeoutMs === undefined ? command : withRemoteTimeout(command, timeoutMs);
    const { line, stdin } = wrapBecome(limited, options.become, options.stdin);
    let channel: ClientChannel;
    try {
      channel = await this.hop!.spawn(line);
    } catch (err) {
      throw this.unreachable(`cannot open a command channel on ${this.where()}: ${describe(err)}`);
    }
    const interrupted = options.signal;
    if (interrupted?.aborted) channel.close();
    const onAbort = () => channel.close();
    interrupted?.addEventListener('abort', onAbort, { once: true });
    return runOnChannel(channel, stdin, timeoutMs, options.maxOutputBytes)
      .catch((err: unknown) => {
        if (interrupted?.aborted) throw new InterruptedError();
        if (err instanceof OutputLimitError) throw err;
        throw this.unreachable(`connection to ${this.where()} lost while a command ran: ${describe(err)}`);
      })
      .finally(() => interrupted?.removeEventListener('abort', onAbort));
  }

  async hold(command: string, options: { become?: BecomeSpec } = {}): Promise<HeldCommand> {
    await this.connect();
    if (this.lost !== undefined) throw this.unreachable(`connection to ${this.where()} lost: ${this.lost}`);
    if (options.become?.password !== undefined && (this.options.hostKeyChecking ?? 'strict') === 'off') {
      throw this.unreachable(`refusing to send the become password to ${this.where()} with host key checking off`);
    }
    const { line, stdin } = wrapBecome(command, options.become);
    let channel: ClientChannel;
    try {
      channel = await this.hop!.spawn(line);
    } catch (err) {
      throw this.unreachable(`cannot open a command channel on ${this.where()}: ${describe(err)}`);
    }
    return holdOnChannel(channel, stdin);
  }

  async close(): Promise<void> {
    // Let a connect in flight settle first, so its connection is closed too, not leaked.
    const pending = this.connecting;
    this.connecting = undefined;
    if (pending) await pending.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    this.hop = undefined;
    if (client) await client.close().catch(() => undefined);
  }

  private async open(): Promise<void> {
    const refusal: Refusal = {};
    let configs: HopConfig[];
    try {
      configs = await this.routeConfigs(refusal);
    } catch (err) {
      if (err instanceof HopKeyFileError) throw this.unreachable(err.message);
      throw err;
    }
    const proxy: ProxyProcess | undefined = this.options.proxyCommand ? startProxyCommand(this.options.proxyCommand) : undefined;
    if (proxy) configs[0].sock = proxy.stream;
    // disableCache: ssh2-promise would otherwise share one connection between every object
    // with the same user@host:port, across host key modes and known_hosts files.
    const client = new SSH2Promise(configs as SSH2Promise['config'], true);
    // ssh2-promise rejects with the last error seen; the first one says what went wrong
    // (a handshake timeout is followed by "Connection lost before handshake").
    const errors: { err: unknown; at?: HopConfig }[] = [];
    client.on('ssh', (status: string, hop: unknown, payload?: { err?: unknown }) => {
      if (status === 'disconnect' && payload?.err) errors.push({ err: payload.err, at: (hop as { config?: HopConfig } | undefined)?.config });
    });
    let hop: PromiseHop;
    try {
      hop = (await client.connect()) as PromiseHop;
    } catch (err) {
      await client.close().catch(() => undefined);
      proxy?.stop();
      await proxy?.finished; // its stderr, read to the end, says why
      const first = errors[0] ?? { err };
      const reason = refusal.reason ?? this.explainAt(first.err, first.at, configs);
      throw this.unreachable(proxy && !refusal.reason ? `${reason} (${proxy.describe()})` : reason);
    }
    // accept-new: the key is recorded only now that the server proved it holds it.
    try {
      refusal.pin?.();
    } catch (err) {
      await client.close().catch(() => undefined);
      throw this.unreachable(`cannot add the host key of ${this.where()} to ${this.options.knownHostsFile}: ${describe(err)}`);
    }
    this.sessions++;
    this.lost = undefined;
    hop.on('ssh:disconnect', (_hop: unknown, payload: unknown) => {
      const err = (payload as { err?: unknown } | undefined)?.err;
      this.lost = err ? describe(err) : 'closed by the server';
    });
    this.client = client;
    this.hop = hop;
  }

  /** One ssh2 config per endpoint: the jump hosts in order, then the target. */
  private async routeConfigs(refusal: Refusal): Promise<HopConfig[]> {
    const o = this.options;
    if ((o.hostKeyChecking ?? 'strict') === 'off') {
      // With checking off anyone in the middle gets whatever we send; a password never goes.
      if (o.password !== undefined) {
        throw this.unreachable(`refusing to send a password to ${this.where()} with host key checking off; check its key (strict or accept-new)`);
      }
      warnOnce(`host key checking is off for ${this.host} (${this.where()}): a man in the middle would not be noticed`);
    }
    // The target is an endpoint like any jump host; only the route fields stay behind.
    const { jumps = [], proxyCommand: _proxy, address: _address, port: _port, ...endpoint } = o;
    const target: HopEndpoint = { ...endpoint, name: this.host, address: this.address, port: this.port };
    return Promise.all([...jumps.map((j) => hopConfig(j, refusal, true)), hopConfig(target, refusal, false)]);
  }

  /** Explain a failure at one endpoint; a jump host is named as such. */
  private explainAt(err: unknown, at: HopConfig | undefined, configs: HopConfig[]): string {
    // ssh2-promise works on copies of the configs: find the endpoint by its id.
    const index = at ? configs.findIndex((c) => c.uniqueId === at.uniqueId) : configs.length - 1;
    if (index < 0 || index === configs.length - 1) return this.explain(err);
    const jump = this.options.jumps![index];
    return `jump host ${jump.name}: ${this.explain(err, `${jump.address}:${jump.port}`, jump.user)}`;
  }

  private explain(err: unknown, where = this.where(), user = this.options.user): string {
    const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: string; level?: string; message?: string };
    switch (e.code) {
      case 'ECONNREFUSED':
        return `connection refused by ${where} (no sshd listening?)`;
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return `${where} is unreachable (${e.code})`;
      case 'ETIMEDOUT':
        return `TCP connection to ${where} timed out`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `cannot resolve ${where.replace(/:\d+$/, '')}`;
    }
    if (e.level === 'client-timeout') {
      return `no SSH session with ${where} within ${this.options.connectTimeoutMs ?? 10_000} ms (ansible_ssh_timeout)`;
    }
    if (e.level === 'client-authentication') {
      return `authentication as ${user} on ${where} failed (tried: ${this.authMethods().join(', ') || 'none'})`;
    }
    const text = describe(err);
    if (/encrypted|passphrase|parse privateKey/i.test(text)) {
      return `cannot use private key file ${this.options.privateKeyFile}: ${text}`;
    }
    return `cannot connect to ${where}: ${text}`;
  }

  private authMethods(): string[] {
    const o = this.options;
    const methods: string[] = [];
    if (o.privateKeyFile !== undefined) methods.push(`private key ${o.privateKeyFile}`);
    else if (o.agent) methods.push(`ssh-agent at ${o.agent}`);
    if (o.password !== undefined) methods.push('password');
    return methods;
  }

  private where(): string {
    return `${this.address}:${this.port}`;
  }

  private unreachable(message: string): UnreachableError {
    return new UnreachableError(this.host, message);
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

const warned = new Set<string>();

/** Said once per host per run, on stderr (the connection has no reporter). */
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.stderr.write(`[WARNING]: ${message}\n`);
}
