/**
 * Where and how the kubectl modules run kubectl. The module runs on whatever host the
 * engine gives it; playbooks delegate to `kubectl_host` (localhost with a kubeconfig,
 * else the first K3s server, with become: K3s's kubeconfig is root's).
 */
import { readFile, stat as localStat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { raw, sh, shRaw, type RawShell } from '../../src/connection/quote.ts';
import type { ExecResult } from '../../src/connection/types.ts';
import type { ArgsOfProperties } from '../../src/module/args.ts';
import type { HostContext } from '../../src/module/task.ts';

export const kubectlAccessProperties = {
  kubeconfig: {
    type: 'string',
    minLength: 1,
    description:
      'Kubeconfig on the host kubectl runs on. Default: the `kubeconfig` variable; without either, K3s\'s bundled `k3s kubectl` runs (root on the server, so use become).',
  },
  kubectl: {
    type: 'string',
    minLength: 1,
    description: 'The kubectl binary used with a kubeconfig. Default: the `kubectl` variable, else `kubectl` from PATH.',
  },
} as const;

export type KubectlAccessArgs = ArgsOfProperties<typeof kubectlAccessProperties>;

const nonEmpty = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The argv words that start every kubectl command: with a kubeconfig (argument, else the
 * `kubeconfig` variable) the given kubectl, else K3s's own `k3s kubectl`, which finds
 * /etc/rancher/k3s/k3s.yaml by itself.
 */
export function kubectlPrefix(args: KubectlAccessArgs, vars: Readonly<Record<string, unknown>>): string[] {
  const kubeconfig = nonEmpty(args.kubeconfig) ?? nonEmpty(vars.kubeconfig);
  if (kubeconfig === undefined) return ['k3s', 'kubectl'];
  const kubectl = nonEmpty(args.kubectl) ?? nonEmpty(vars.kubectl) ?? 'kubectl';
  return [kubectl, '--kubeconfig', kubeconfig];
}

/**
 * A kubectl command line: the prefix, then `words`, all quoted. A prefix word starting
 * with `~/` (a kubeconfig in the home directory) is expanded by the shell on the host.
 */
export function kubectlCommand(prefix: string[], words: string[]): string {
  const home = (w: string): RawShell => (w.startsWith('~/') ? shRaw`"$HOME"/${w.slice(2)}` : shRaw`${w}`);
  return sh`${raw(prefix.map((w) => home(w).text).join(' '))} ${words}`;
}

export const manifestSourceProperties = {
  manifest: { type: 'string', minLength: 1, description: 'The objects, as (multi-document) YAML or JSON.' },
  src: {
    type: 'string',
    minLength: 1,
    description: 'A manifest file on the control machine; relative paths resolve against the playbook directory.',
  },
} as const;

export type ManifestSourceArgs = ArgsOfProperties<typeof manifestSourceProperties>;

/** The manifest text, or an error message (src missing, not a file). */
export async function manifestText(args: ManifestSourceArgs, ctx: HostContext): Promise<{ text: string } | { error: string }> {
  if (args.manifest !== undefined) return { text: args.manifest };
  if (args.src === undefined) return { error: 'one of manifest or src is required' };
  const local = resolve(ctx.playbookDir, args.src);
  const info = await localStat(local).catch(() => undefined);
  if (!info) return { error: `could not find src=${local}` };
  if (!info.isFile()) return { error: `src=${local} is not a regular file` };
  return { text: await readFile(local, 'utf8') };
}

/** kubectl's own words on a failure (its stderr), else its stdout, else the exit code. */
export function kubectlError(result: ExecResult): string {
  const text = result.stderr.trim() || result.stdout.trim();
  return text ? text.replace(/\s*\n\s*/g, '; ') : `kubectl exited with ${result.exitCode}`;
}
