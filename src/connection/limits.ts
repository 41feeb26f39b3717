/**
 * Bounds on what one command may cost the controller. A node is not trusted to stop: its
 * output could fill the controller's memory (and crash it while it holds the run lock), and a
 * command that never ends would hold the lock for every later cron run.
 */

/** Bytes of stdout, and separately of stderr, kept per command; at the cap the command is aborted. */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Commands without a timeout of their own end after this long (exit 124, as timeout(1)).
 * Modules that legitimately wait longer pass a larger timeoutMs; playbooks set
 * `provision_command_timeout` (seconds) or command/shell's `timeout`.
 */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60 * 1000;

/** SSH keepalive: a node that stops answering is unreachable after interval × (count + 1). */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 15_000;
export const KEEPALIVE_COUNT_MAX = 3;

/** A command's output passed the cap: the command was aborted, its output dropped. */
export class OutputLimitError extends Error {
  override name = 'OutputLimitError';
  constructor(
    readonly stream: 'stdout' | 'stderr',
    readonly limit: number,
  ) {
    super(`the command's ${stream} passed ${limit} bytes; the command was aborted (output limit)`);
  }
}
