/**
 * ProxyCommand, run as OpenSSH runs it: through the shell (`/bin/sh -c "exec COMMAND"`,
 * readconf.c/sshconnect.c), its stdin and stdout being the connection. The process is ours:
 * it is killed when the connection is closed, and what it printed on stderr (bounded) goes
 * into the error when the connection fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';

const STDERR_LIMIT = 4096;

export interface ProxyProcess {
  stream: Duplex;
  /** The last bytes the command wrote on stderr, and how it ended, for messages. */
  describe(): string;
  stop(): void;
  /** Resolves once the process has ended and its output is read (after stop(), soon). */
  finished: Promise<void>;
}

export function startProxyCommand(command: string): ProxyProcess {
  const child: ChildProcess = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let ended: string | undefined;
  let spawnError: string | undefined;
  const finished = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-STDERR_LIMIT);
  });
  child.on('exit', (code, signal) => {
    ended = signal ? `killed by ${signal}` : `exited with ${code}`;
  });
  child.on('error', (err) => {
    spawnError = err.message;
  });
  const stream = Duplex.from({ readable: child.stdout!, writable: child.stdin! });
  // ssh2 destroys the socket when it closes the connection: the command goes with it.
  stream.on('close', () => stop());
  stream.on('error', () => undefined); // surfaced through ssh2's own error for the connection
  function stop(): void {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill('SIGTERM');
  }
  return {
    stream,
    stop,
    finished,
    describe: () => {
      const parts = [`ProxyCommand ${JSON.stringify(command)}`];
      if (spawnError) parts.push(`could not start: ${spawnError}`);
      if (ended) parts.push(ended);
      const text = stderr.trim();
      if (text) parts.push(`stderr: ${text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`);
      return parts.join('; ');
    },
  };
}
