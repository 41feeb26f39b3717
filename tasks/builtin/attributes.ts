/**
 * Mode, owner and group of a path: what differs from the wanted values, how to show it
 * in a diff, and the commands that set it. Owners and groups may be names or numeric ids.
 */
import { sh } from '../../src/connection/quote.ts';
import type { ArgsOf } from '../../src/module/args.ts';
import type { PresentPath } from '../lib/path-stat.ts';
import { modeSchema, normalizeMode } from '../lib/mode.ts';

/** The schema properties of the attributes, shared by the modules that set them. */
export const attributeProperties = {
  mode: modeSchema,
  owner: { type: 'string', minLength: 1, description: 'Owner, as a user name or numeric uid.' },
  group: { type: 'string', minLength: 1, description: 'Group, as a group name or numeric gid.' },
} as const;

export type Attributes = ArgsOf<{ type: 'object'; additionalProperties: false; properties: typeof attributeProperties }>;

const isNumericId = (s: string): boolean => /^[0-9]+$/.test(s);

export function ownerMatches(stat: PresentPath, owner: string): boolean {
  return isNumericId(owner) ? stat.uid === Number(owner) : stat.owner === owner;
}

export function groupMatches(stat: PresentPath, group: string): boolean {
  return isNumericId(group) ? stat.gid === Number(group) : stat.group === group;
}

/** The wanted attributes that differ from `stat` (all wanted ones when the path is absent). */
export function differingAttributes(stat: PresentPath | undefined, want: Attributes): Attributes {
  const out: Attributes = {};
  if (want.mode !== undefined && (!stat || stat.mode !== normalizeMode(want.mode))) out.mode = normalizeMode(want.mode);
  if (want.owner !== undefined && (!stat || !ownerMatches(stat, want.owner))) out.owner = want.owner;
  if (want.group !== undefined && (!stat || !groupMatches(stat, want.group))) out.group = want.group;
  return out;
}

export const hasAttributes = (a: Attributes): boolean =>
  a.mode !== undefined || a.owner !== undefined || a.group !== undefined;

/** Current values of the attributes named in `want`, for the "before" side of a diff. */
export function currentAttributes(stat: PresentPath, want: Attributes): Attributes {
  return {
    ...(want.mode !== undefined ? { mode: stat.mode } : {}),
    ...(want.owner !== undefined ? { owner: isNumericId(want.owner) ? String(stat.uid) : stat.owner } : {}),
    ...(want.group !== undefined ? { group: isNumericId(want.group) ? String(stat.gid) : stat.group } : {}),
  };
}

/** Diff lines such as `mode: 0644`; stable order so before and after line up. */
export function attributeLines(a: Attributes): string[] {
  const lines: string[] = [];
  if (a.mode !== undefined) lines.push(`mode: ${normalizeMode(a.mode)}`);
  if (a.owner !== undefined) lines.push(`owner: ${a.owner}`);
  if (a.group !== undefined) lines.push(`group: ${a.group}`);
  return lines;
}

/** chmod/chown/chgrp commands for the literal `path` (quoted here). */
export function setAttributesCommands(path: string, a: Attributes, options: { follow?: boolean } = {}): string[] {
  if (options.follow) return followingAttributesCommands(path, a);
  const cmds: string[] = [];
  // -h: a link put in place of the path is changed itself, never its target (default).
  if (a.owner !== undefined) cmds.push(sh`chown -h -- ${a.owner} ${path}`);
  if (a.group !== undefined) cmds.push(sh`chgrp -h -- ${a.group} ${path}`);
  // chmod last: chown may clear setuid/setgid bits. chmod always follows a link, so a
  // path that is one (now) is refused instead.
  if (a.mode !== undefined) {
    cmds.push(sh`if [ -L ${path} ]; then echo ${`refusing to chmod ${path}: it is a symlink`} >&2; exit 1; fi; chmod -- ${normalizeMode(a.mode)} ${path}`);
  }
  return cmds;
}

/** file's `follow` (Ansible's default): a link the playbook names stands for its target. */
function followingAttributesCommands(path: string, a: Attributes): string[] {
  const cmds: string[] = [];
  if (a.owner !== undefined) cmds.push(sh`chown -- ${a.owner} ${path}`);
  if (a.group !== undefined) cmds.push(sh`chgrp -- ${a.group} ${path}`);
  if (a.mode !== undefined) cmds.push(sh`chmod -- ${normalizeMode(a.mode)} ${path}`);
  return cmds;
}
