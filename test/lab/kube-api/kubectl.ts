/**
 * Run the real kubectl against a lab API (tests and lab tooling). Arguments are passed as
 * an argv array, never through a shell. `LAB_KUBECTL` picks another binary, e.g. Debian's
 * kubernetes-client 1.20 unpacked somewhere, to check both clients.
 */
import { spawn } from 'node:child_process';

export interface KubectlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Wall time of the kubectl process, in milliseconds. */
  ms: number;
}

export type Kubectl = (args: string[], stdin?: string) => Promise<KubectlResult>;

export const KUBECTL_BINARY = process.env.LAB_KUBECTL || 'kubectl';

/**
 * A kubectl bound to one kubeconfig. The discovery cache gets its own directory: kubectl
 * keys it by host:port, and a port reused by the next lab API must not inherit a stale one.
 */
export function kubectlFor(kubeconfig: string, cacheDir: string, binary = KUBECTL_BINARY): Kubectl {
  return (args, stdin) =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const child = spawn(binary, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, KUBECONFIG: kubeconfig },
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', reject);
      child.on('close', (code, signal) =>
        resolve({
          exitCode: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        }),
      );
      child.stdin.end(stdin ?? '');
    });
}
