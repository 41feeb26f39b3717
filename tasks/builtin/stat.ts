/** stat: report what is at a path (type, mode, owner, size, mtime, sha256, link target). */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { ok, type TaskModule } from '../../src/module/task.ts';
import { describeKind, statFact } from '../lib/path-stat.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'The path to inspect.' },
    checksum: {
      type: 'boolean',
      default: true,
      description: 'Compute the sha256 of a regular file (reads the whole file).',
    },
    follow: {
      type: 'boolean',
      default: false,
      description: 'Describe what a symlink points at instead of the link itself.',
    },
  },
} as const satisfies ArgsSchema;

export type StatArgs = ArgsOf<typeof schema>;

export const stat: TaskModule<StatArgs> = {
  name: 'stat',
  description:
    'Reads what is at a path and registers it as `stat`: exists, isreg, isdir, islnk, issock, lnk_target, mode (four octal digits), uid, gid, owner, group, size, mtime and the sha256 checksum of a regular file. Never changes anything.',
  readOnly: true,
  schema,
  examples: [
    `- name: Look at K3s's host-local plugin
  stat:
    path: /var/lib/rancher/k3s/data/cni/host-local
  register: host_local`,
    `- name: Is the Multus socket there
  stat:
    path: /run/multus/multus.sock
    checksum: false
  register: multus_sock`,
  ],
  async run(args, ctx) {
    const st = await ctx.fact(statFact(args.path, { checksum: args.checksum ?? true, follow: args.follow ?? false }));
    const kind = describeKind(st);
    const msg = st.exists && st.islnk ? `${args.path}: link to ${st.lnk_target}` : `${args.path}: ${kind}`;
    return ok(msg, { stat: st });
  },
};
