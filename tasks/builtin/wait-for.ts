/**
 * wait_for: poll until a path exists, is gone, or is a listening-ready unix socket
 * (e.g. /run/multus/multus.sock). Read-only; honours interruption; reports progress.
 */
import { raw, sh } from '../../src/connection/quote.ts';
import type { ExecResult } from '../../src/connection/types.ts';
import { InterruptedError, TaskError } from '../../src/errors.ts';
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type Fact, type TaskModule } from '../../src/module/task.ts';
import { pause } from '../lib/pause.ts';

export type WaitState = 'present' | 'absent' | 'socket';

/** One probe: does the path currently satisfy the state? */
export function waitProbe(path: string, state: WaitState): Fact<boolean> {
  const test = state === 'socket' ? sh`test -S ${path}` : sh`test -e ${path}`;
  const want = state === 'absent' ? 'no' : 'yes';
  return {
    command: sh`if ${raw(test)}; then echo yes; else echo no; fi`,
    parse: (r) => parseProbe(r) === want,
  };
}

export function parseProbe(result: ExecResult): 'yes' | 'no' {
  const out = result.stdout.trim();
  if (result.exitCode !== 0 || (out !== 'yes' && out !== 'no')) {
    throw new TaskError(`probe failed (exit ${result.exitCode}): ${result.stderr.trim() || out}`);
  }
  return out;
}

const STATE_WORDS: Record<WaitState, string> = { present: 'to be present', absent: 'to be absent', socket: 'to be a socket' };

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'The path to watch.' },
    state: { enum: ['present', 'absent', 'socket'], default: 'present', description: 'What to wait for.' },
    timeout: { type: 'number', minimum: 0, default: 300, description: 'Seconds to wait before failing.' },
    delay: { type: 'number', minimum: 0, default: 0, description: 'Seconds to wait before the first check.' },
    sleep: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Seconds between checks.' },
  },
} as const satisfies ArgsSchema;

export type WaitForArgs = ArgsOf<typeof schema>;

export const waitFor: TaskModule<WaitForArgs> = {
  name: 'wait_for',
  description:
    'Waits until `path` exists (`present`, symlinks followed), no longer exists (`absent`), or is a unix socket (`socket`), checking every `sleep` seconds after an initial `delay`. Fails after `timeout` seconds, naming the path and state. Never changes anything.',
  readOnly: true,
  schema,
  examples: [
    `- name: Wait for the Multus daemon socket
  wait_for:
    path: /run/multus/multus.sock
    state: socket
    timeout: 120`,
    `- name: Wait until the daemon removed its config
  wait_for:
    path: /var/lib/rancher/k3s/agent/etc/cni/net.d/00-multus.conf
    state: absent
    timeout: 60
    sleep: 2`,
  ],
  async run(args, ctx) {
    const state = args.state ?? 'present';
    const timeoutMs = (args.timeout ?? 300) * 1000;
    const sleepMs = (args.sleep ?? 1) * 1000;
    const what = `${args.path} ${STATE_WORDS[state]}`;
    const probe = waitProbe(args.path, state);
    const start = performance.now();
    const elapsed = (): number => (performance.now() - start) / 1000;
    if (args.delay) await pause(args.delay * 1000, ctx.signal);
    for (;;) {
      if (ctx.signal.aborted) throw new InterruptedError();
      if (await ctx.fact(probe)) {
        return ok(`${what} after ${elapsed().toFixed(1)}s`, { path: args.path, state, elapsed: elapsed() });
      }
      const waited = performance.now() - start;
      if (waited >= timeoutMs) {
        return failed(`Timeout after ${args.timeout ?? 300}s waiting for ${what}`, { path: args.path, state, elapsed: elapsed() });
      }
      ctx.progress(`waiting for ${what}: ${Math.floor(elapsed())}s/${args.timeout ?? 300}s`);
      await pause(Math.min(sleepMs, timeoutMs - waited), ctx.signal);
    }
  },
};
