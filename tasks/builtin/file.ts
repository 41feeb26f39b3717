/**
 * file: a directory, an empty file or nothing at a path, with the wanted mode, owner and
 * group. Only what differs is changed; an existing file's timestamps are left alone, so a
 * second run reports no change (Ansible's touch with preserved times).
 */
import { sh } from '../../src/connection/quote.ts';
import { changed, failed, ok, type TaskModule } from '../../src/module/task.ts';
import { applyScript } from '../lib/apply.ts';
import {
  attributeLines,
  currentAttributes,
  differingAttributes,
  hasAttributes,
  setAttributesCommands,
  type Attributes,
} from './attributes.ts';
import { modeSchema } from '../lib/mode.ts';
import { describeKind, statFact, type PresentPath } from '../lib/path-stat.ts';

export type FileState = 'directory' | 'absent' | 'touch' | 'file';

export interface FileArgs extends Attributes {
  path: string;
  state?: FileState;
}

const lines = (state: string, attrs: Attributes): string => [`state: ${state}`, ...attributeLines(attrs)].join('\n') + '\n';

export const file: TaskModule<FileArgs> = {
  name: 'file',
  description:
    'Makes a path a directory (`directory`, created with its parents), an existing or new empty file (`touch`), or removes it (`absent`, recursively), and sets mode, owner and group when given. `file` only sets the attributes of a regular file that must already exist. Symlinks are followed except by `absent`, which removes the link itself; use `symlink` to manage links.',
  schema: {
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
      mode: modeSchema,
      owner: { type: 'string', minLength: 1, description: 'Owner, as a user name or numeric uid.' },
      group: { type: 'string', minLength: 1, description: 'Group, as a group name or numeric gid.' },
    },
  },
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
      const diff = { before: lines(describeKind(st), {}), after: lines('absent', {}) };
      if (ctx.check) return changed(`would remove ${path}`, diff);
      const err = await applyScript(ctx, [sh`rm -rf -- ${path}`]);
      return err ? failed(`cannot remove ${path}: ${err}`) : changed(`removed ${path}`, diff);
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
    if (ctx.check) return changed(create ? `would create ${path}` : `would update ${path}`, diff);

    const commands: string[] = [];
    if (create) commands.push(state === 'directory' ? sh`mkdir -p -- ${path}` : sh`touch -- ${path}`);
    // Attributes of a link the playbook names go to its target, as Ansible's follow does.
    commands.push(...setAttributesCommands(path, todo, { follow: true }));
    const err = await applyScript(ctx, commands);
    if (err) return failed(`cannot ${create ? 'create' : 'update'} ${path}: ${err}`);
    return changed(create ? `created ${path}` : `updated ${path}`, diff);
  },
};
