/**
 * symlink: make `path` a symlink to `target`. The new link is created under a temp name in
 * the same directory and renamed over `path`, so `path` never disappears, not even for a
 * moment (docs/k3s-multus.md §3: a missing host-local silently moves K3s's CNI bin dir).
 */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { checkOrApply } from '../lib/apply.ts';
import { atomically, replaceByLinks } from '../lib/atomic.ts';
import { describeKind, statFact } from '../lib/path-stat.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'target'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'Where the link is.' },
    target: { type: 'string', minLength: 1, description: 'What the link points at, stored as given.' },
    force: {
      type: 'boolean',
      default: false,
      description: 'Replace a regular file (or other non-directory) at `path` with the link.',
    },
  },
} as const satisfies ArgsSchema;

export type SymlinkArgs = ArgsOf<typeof schema>;

export const symlink: TaskModule<SymlinkArgs> = {
  name: 'symlink',
  description:
    'Makes `path` a symbolic link to `target` (stored exactly as given, relative or absolute). An existing link is replaced atomically by rename, so `path` never disappears. A regular file at `path` is replaced the same way only with `force: true`; a directory is never replaced. Registers `before_target` (null when `path` was not a link) and `target`.',
  schema,
  examples: [
    `- name: Point host-local back at the K3s multicall binary
  symlink:
    path: /var/lib/rancher/k3s/data/cni/host-local
    target: "{{ k3s_cni_multicall }}"
    force: true`,
    `- name: Stable name for the current config
  symlink:
    path: /etc/multus/current.json
    target: daemon-config.json`,
  ],
  async run(args, ctx) {
    const { path, target } = args;
    const st = await ctx.fact(statFact(path, { checksum: false, follow: false }));
    const beforeTarget = st.exists && st.islnk ? (st.lnk_target ?? null) : null;
    const data = { before_target: beforeTarget, target };
    if (beforeTarget === target) return ok(`${path} -> ${target}`, data);
    if (st.exists && st.isdir) return failed(`${path} is a directory; refusing to replace a directory with a symlink`, data);
    if (st.exists && !st.islnk && !args.force) {
      return failed(`${path} exists and is a ${describeKind(st)}, not a symlink; set force: true to replace it`, data);
    }
    const diff = {
      before: beforeTarget !== null ? `${path} -> ${beforeTarget}\n` : `${path}: ${describeKind(st)}\n`,
      after: `${path} -> ${target}\n`,
    };
    return checkOrApply(ctx, {
      action: `link ${path} -> ${target}`,
      done: `linked ${path} -> ${target}`,
      diff,
      data,
      commands: atomically(replaceByLinks([{ path, target }])),
    });
  },
};
