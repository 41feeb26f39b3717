/**
 * file: a directory, an empty file or nothing at a path, with the wanted mode, owner and
 * group. Only what differs is changed; an existing file's timestamps are left alone, so a
 * second run reports no change (Ansible's touch with preserved times).
 */
import { sh } from '../../src/connection/quote.ts';
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { checkOrApply } from '../lib/apply.ts';
import {
  attributeLines,
  attributeProperties,
  currentAttributes,
  differingAttributes,
  hasAttributes,
  setAttributesCommands,
  type Attributes,
} from './attributes.ts';
import { describeKind, statFact, type PresentPath } from '../lib/path-stat.ts';

export type FileState = 'directory' | 'absent' | 'touch' | 'file';

const lines = (state: string, attrs: Attributes): string => [`state: ${state}`, ...attributeLines(attrs)].join('\n') + '\n';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'The path to manage.' },
    state: {
      enum: ['directory', 'absent', 'touch', 'file'],
      default: 'file',
      description: 'What should be at the path.',
    },
    ...attributeProperties,
  },
} as const satisfies ArgsSchema;

export type FileArgs = ArgsOf<typeof schema>;

export const file: TaskModule<FileArgs> = {
  name: 'file',
  description:
    'Makes a path a directory (`directory`, created with its parents), an existing or new empty file (`touch`), or removes it (`absent`, recursively), and sets mode, owner and group when given. `file` only sets the attributes of a regular file that must already exist. Symlinks are followed except by `absent`, which removes the link itself; use `symlink` to manage links.',
  schema,
  examples: [
    `- name: Multus runtime directory
  file:
    path: /run/multus
    state: directory
    mode: '0755'`,
    `- name: Remove a stale Multus config
  file:
    path: /var/lib/rancher/k3s/agent/etc/cni/net.d/00-multus.conf
    state: absent`,
    `- name: Tighten the kubeconfig
  file:
    path: /etc/rancher/k3s/k3s.yaml
    mode: '0600'
    owner: root`,
  ],
  async run(args, ctx) {
    const state = args.state ?? 'file';
    const want: Attributes = { mode: args.mode, owner: args.owner, group: args.group };
    const path = args.path;

    if (state === 'absent') {
      const st = await ctx.fact(statFact(path, { checksum: false, follow: false }));
      if (!st.exists) return ok(`${path} is absent`);
      return checkOrApply(ctx, {
        action: `remove ${path}`,
        done: `removed ${path}`,
        diff: { before: lines(describeKind(st), {}), after: lines('absent', {}) },
        commands: [sh`rm -rf -- ${path}`],
      });
    }

    const st = await ctx.fact(statFact(path, { checksum: false, follow: true }));
    const present: PresentPath | undefined = st.exists ? st : undefined;
    if (state === 'file' && !present) return failed(`file (${path}) is absent, cannot continue`);
    if (state === 'file' && present && !present.isreg) return failed(`file (${path}) is a ${describeKind(st)}, cannot continue`);
    if (state === 'directory' && present && !present.isdir) {
      return failed(`${path} exists and is a ${describeKind(st)}, not a directory`);
    }

    const create = !present;
    const todo = differingAttributes(present, want);
    if (!create && !hasAttributes(todo)) return ok(`${path} is as wanted`);

    const kindNow = present ? describeKind(st) : 'absent';
    const kindAfter = state === 'directory' ? 'directory' : present ? kindNow : 'file';
    const diff = {
      before: lines(kindNow, present ? currentAttributes(present, todo) : {}),
      after: lines(kindAfter, todo),
    };
    const made = state === 'directory' ? sh`mkdir -p -- ${path}` : sh`touch -- ${path}`;
    // Attributes of a link the playbook names go to its target, as Ansible's follow does.
    return checkOrApply(ctx, {
      action: `${create ? 'create' : 'update'} ${path}`,
      done: `${create ? 'created' : 'updated'} ${path}`,
      diff,
      commands: [...(create ? [made] : []), ...setAttributesCommands(path, todo, { follow: true })],
    });
  },
};
