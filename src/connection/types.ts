/** What the engine and tasks know of a host connection; ssh and local both implement it. */

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the remote process died of a signal. */
  signal?: string;
}

/** How to become another user (sudo). The password, if any, is fed on stdin, never on argv. */
export interface BecomeSpec {
  user: string;
  password?: string;
}

export interface ExecOptions {
  /** Data written to the command's stdin, then stdin is closed. */
  stdin?: string | Buffer;
  become?: BecomeSpec;
  /** Kill the command after this long; the result then has exitCode 124 (as timeout(1)). */
  timeoutMs?: number;
  /** Abort the command when its stdout or its stderr passes this many bytes (OutputLimitError). */
  maxOutputBytes?: number;
  /** An interrupted run: stop waiting for the command (local: kill it; ssh: close its channel). */
  signal?: AbortSignal;
}

export interface Connection {
  /** Inventory name of the host, for messages. */
  readonly host: string;
  /** Open the connection (handshake, host key check, auth). Idempotent. */
  connect(): Promise<void>;
  /** Run one shell command line (already quoted with `sh`). Never throws on a non-zero exit. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
  /**
   * Start a command that runs for as long as it is held: its stdin stays open until
   * release() or until the connection drops (ssh only; the node lock uses it).
   */
  hold?(command: string, options?: { become?: BecomeSpec }): Promise<HeldCommand>;
}

/** A long-lived command on a host (see Connection.hold). */
export interface HeldCommand {
  /** The command's first line of stdout; rejects if it ends before printing one. */
  firstLine: Promise<string>;
  /** Everything the command printed on stdout and stderr so far (for messages). */
  output(): string;
  /** End its stdin and close its channel. */
  release(): void;
}
