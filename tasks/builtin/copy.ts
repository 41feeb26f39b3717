/**
 * copy: put content (inline or a control-machine file) at a path on the host. The new
 * content goes into a temp file in the destination's directory, gets its mode and owner
 * there, then is renamed onto the destination: readers see the old file or the new one,
 * never a partial one, and a symlink at the destination is replaced, never written
 * through (docs/k3s-multus.md §4: `cp` onto K3s's plugin links would overwrite the multicall binary).
 */
import { createHash } from 'node:crypto';
import { readFile, stat as localStat } from 'node:fs/promises';
import { basename, posix, resolve } from 'node:path';
import { sh } from '../../src/connection/quote.ts';
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type HostContext, type TaskModule } from '../../src/module/task.ts';
import { checkOrApply } from '../lib/apply.ts';
import { atomically, replaceByFile } from '../lib/atomic.ts';
import {
  attributeLines,
  attributeProperties,
  currentAttributes,
  differingAttributes,
  hasAttributes,
  setAttributesCommands,
  type Attributes,
} from './attributes.ts';
import { describeKind, statFact, type PathStat, type PresentPath } from '../lib/path-stat.ts';
import { backupPath } from '../lib/temp-path.ts';
import { backupWithoutFollowing, refuseSharedParent, verifyChecksum } from '../lib/safe-write.ts';
import { contentForDiff, DIFF_LIMIT } from './text-diff.ts';

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['dest'],
  properties: {
    dest: { type: 'string', minLength: 1, description: 'Path of the file on the host.' },
    content: { type: 'string', description: 'The file content, given inline.' },
    src: {
      type: 'string',
      minLength: 1,
      description: 'A file on the control machine; relative paths resolve against the playbook directory.',
    },
    ...attributeProperties,
    backup: {
      type: 'boolean',
      default: false,
      description: 'Keep the replaced file as `dest.<timestamp>~` (only when a regular file is replaced).',
    },
  },
  oneOf: [{ required: ['content'] }, { required: ['src'] }],
} as const satisfies ArgsSchema;

export type CopyArgs = ArgsOf<typeof schema>;

export const copy: TaskModule<CopyArgs> = {
  name: 'copy',
  description:
    'Writes `content`, or the control-machine file `src` (relative to the playbook), to `dest` on the host. Changed only when the sha256, mode, owner or group differ. The file is written to a temp file in the same directory and renamed onto `dest`, so `dest` is replaced atomically and a symlink at `dest` is replaced by the file rather than written through. Without `mode`/`owner`/`group` a replaced file keeps its previous ones. A real directory at `dest` receives `src` under its own name.',
  schema,
  examples: [
    `- name: Multus daemon config
  copy:
    dest: /etc/multus/daemon-config.json
    content: '{"chrootDir": "/hostroot", "cniVersion": "1.0.0"}'
    mode: '0644'`,
    `- name: Install the manifest
  copy:
    src: files/multus-daemonset-thick.yml
    dest: /var/lib/rancher/k3s/server/manifests/multus.yaml
    owner: root
    group: root
    mode: '0600'
    backup: true`,
  ],
  async run(args, ctx) {
    let data: Buffer;
    if (args.content !== undefined) {
      data = Buffer.from(args.content, 'utf8');
    } else {
      const local = resolve(ctx.playbookDir, args.src ?? '');
      const info = await localStat(local).catch(() => undefined);
      if (!info) return failed(`could not find src=${local}`);
      if (!info.isFile()) return failed(`src=${local} is not a regular file (copying directories is not supported)`);
      data = await readFile(local);
    }
    const checksum = sha256(data);

    let dest = args.dest;
    let st = await ctx.fact(statFact(dest, { checksum: true }));
    if (st.exists && st.isdir) {
      if (args.src === undefined) return failed(`dest ${dest} is a directory; give a file path for content`);
      dest = posix.join(dest, basename(args.src));
      st = await ctx.fact(statFact(dest, { checksum: true }));
      if (st.exists && st.isdir) return failed(`dest ${dest} is a directory`);
    }
    if (!st.exists) {
      const parent = posix.dirname(dest);
      const up = await ctx.fact(statFact(parent, { follow: true }));
      // In check mode an earlier task (a `file: state=directory`) may be what creates the
      // parent, so the write is predicted; a real run fails here instead of creating it.
      if ((!up.exists || !up.isdir) && !ctx.check) return failed(`destination directory ${parent} does not exist`);
    }
    const result = { checksum, dest };
    const want: Attributes = { mode: args.mode, owner: args.owner, group: args.group };
    const current: PresentPath | undefined = st.exists && st.isreg ? st : undefined;
    const sameContent = current !== undefined && current.checksum === checksum;
    const todo = differingAttributes(current, want);
    if (sameContent && !hasAttributes(todo)) return ok(`${dest} is up to date`, result);

    const diff = {
      before: await describeBefore(ctx, dest, st, sameContent, current ? currentAttributes(current, todo) : {}),
      after: attributeLines(todo).map((l) => `${l}\n`).join('') + (sameContent ? '' : describeNew(ctx, data, checksum)),
    };
    if (sameContent) {
      return checkOrApply(ctx, {
        action: `update attributes of ${dest}`,
        done: `updated attributes of ${dest}`,
        failure: `cannot set attributes of ${dest}`,
        diff,
        data: result,
        commands: setAttributesCommands(dest, todo),
      });
    }
    const backup = args.backup && current ? backupPath(dest) : undefined;
    const replacement = replaceByFile(dest, {
      purpose: 'copy',
      prepare: (tmp) => [
        verifyChecksum(tmp, checksum),
        ...preserveOwnership(tmp, current, want),
        ...setAttributesCommands(tmp, { ...want, mode: want.mode ?? current?.mode ?? '0644' }),
      ],
      ...(backup ? { beforeRename: backupWithoutFollowing(dest, backup) } : {}),
    });
    return checkOrApply(ctx, {
      action: `write ${dest}`,
      done: `wrote ${dest}`,
      diff,
      data: result,
      ...(backup ? { doneData: { ...result, backup_file: backup } } : {}),
      commands: [refuseSharedParent(dest), ...atomically(replacement)],
      stdin: data,
    });
  },
};

/**
 * A replaced file keeps its owner and group unless new ones are given, as in Ansible
 * (best effort: only root may give a file away). Its mode is kept by the caller.
 */
function preserveOwnership(tmp: string, current: PresentPath | undefined, want: Attributes): string[] {
  if (!current) return [];
  const out: string[] = [];
  if (want.owner === undefined) out.push(sh`chown -h -- ${current.uid} ${tmp} 2>/dev/null || :`);
  if (want.group === undefined) out.push(sh`chgrp -h -- ${current.gid} ${tmp} 2>/dev/null || :`);
  return out;
}

async function describeBefore(
  ctx: HostContext,
  dest: string,
  st: PathStat,
  sameContent: boolean,
  attrs: Attributes,
): Promise<string> {
  const lines = attributeLines(attrs).map((l) => `${l}\n`).join('');
  if (sameContent) return lines;
  if (!st.exists || !st.isreg) {
    const what = st.exists && st.islnk ? `(link to ${st.lnk_target})` : `(${describeKind(st)})`;
    return `${lines}${what}\n`;
  }
  if (!ctx.diff) return `${lines}sha256: ${st.checksum ?? 'unreadable'}\n`;
  const head = await ctx.read(sh`head -c ${DIFF_LIMIT + 1} -- ${dest}`);
  return lines + (head.exitCode === 0 ? contentForDiff(head.stdout, st.size) : `(unreadable: ${head.stderr.trim()})\n`);
}

function describeNew(ctx: HostContext, data: Buffer, checksum: string): string {
  return ctx.diff ? contentForDiff(data) : `sha256: ${checksum}\n`;
}
