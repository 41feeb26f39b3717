/**
 * k3s_cni_relink: make every K3s-owned name in the CNI bin dir a symlink to K3s's
 * *current* multicall binary again — read from the node now (`data/cni/cni`'s target), never
 * taken from an old backup, which a K3s upgrade makes stale (docs/k3s-multus.md §4). Each name is replaced by
 * creating the link under a temp name in the same directory and renaming it over the old
 * entry: host-local is never missing, not even for a moment, so K3s never moves its bin dir.
 */
import { posix } from 'node:path';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { K3S_OWNED_PLUGINS } from './layout.ts';
import { checkOrApply } from '../lib/apply.ts';
import { atomically, replaceByLinks } from '../lib/atomic.ts';
import { k3sStateArgProperties, readCurrentK3s, type K3sStateArgs } from './current.ts';
import { linkedNames, wantedLinkTarget } from './facts.ts';
import { describeEntry, type K3sEntry } from './probe.ts';
import { sh } from '../../src/connection/quote.ts';

export type K3sCniRelinkArgs = K3sStateArgs;

export interface Relink {
  name: string;
  before: K3sEntry;
  target: string;
}

/** The names that are not already the wanted link (pure). */
export function relinksNeeded(entries: Record<string, K3sEntry>, names: string[], target: string): Relink[] {
  const out: Relink[] = [];
  for (const name of names) {
    const before = entries[name] ?? { kind: 'missing' };
    if (before.kind === 'symlink' && before.target === target) continue;
    out.push({ name, before, target });
  }
  return out;
}

/**
 * Removes the temp links a re-link whose script was cut short left (its connection dropped,
 * the node rebooted): the probe's `stray_temp_links`, never K3s's names; only while each is
 * still a symlink (rm never follows one).
 */
export function removeStrayCommands(binDir: string, strays: string[]): string[] {
  return strays.map((name) => {
    const path = posix.join(binDir, name);
    return sh`if [ -L ${path} ]; then rm -f -- ${path}; fi`;
  });
}

/** The script that re-links `todo` in `binDir`, each name replaced atomically (also used by k3s_cni_restore). */
export function relinkCommands(binDir: string, todo: Relink[]): string[] {
  return atomically(replaceByLinks(todo.map((r) => ({ path: posix.join(binDir, r.name), target: r.target }))));
}

export const k3sCniRelink: TaskModule<K3sCniRelinkArgs> = {
  name: 'k3s_cni_relink',
  description:
    "Re-links every K3s-owned name in the CNI bin dir (`cni` and bandwidth, bridge, firewall, flannel, host-local, loopback, portmap) that is not a symlink to K3s's current multicall binary (the target of `data/cni/cni` as read now, never an old backed-up path). In the `cni` layout the links are absolute, as K3s makes them; in the older `current` layout they are relative `cni` and `cni` itself, the binary, is left alone. Each name is replaced atomically (a link under a temp name renamed over it), so it never disappears; missing names are created. Each re-link appears in the message and in the diff. Fails, changing nothing, when the multicall binary is missing or not executable. Registers `relinked` (names) and `target`.",
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['facts'],
    properties: { ...k3sStateArgProperties },
  },
  examples: [
    `- name: Point K3s's plugin names back at its multicall binary
  k3s_cni_relink:
    facts: "{{ k3s }}"`,
  ],
  async run(args, ctx) {
    const current = await readCurrentK3s(ctx, args);
    if (!current.ok) return failed(`cannot re-link: ${current.problem}`);
    const { probe } = current;
    if (probe.layout === null || !probe.data_dir_exists) {
      return failed(`cannot re-link: no CNI bin dir under ${probe.data_dir}`);
    }
    const mc = probe.multicall;
    if (!mc || !mc.exists || !mc.executable) {
      return failed(
        `refusing to re-link: the multicall binary ${mc?.target ?? '(unknown)'} ${mc?.exists ? 'is not executable' : 'does not exist'}; nothing to link to`,
      );
    }
    const binDir = probe.layout === 'cni' ? posix.join(probe.data_dir, 'data', 'cni') : posix.join(probe.data_dir, 'data', 'current', 'bin');
    const target = wantedLinkTarget(probe.layout, mc.target);
    const todo = relinksNeeded(probe.entries, linkedNames(probe.layout, K3S_OWNED_PLUGINS), target);
    const strays = probe.stray_temp_links;
    const data = { relinked: todo.map((r) => r.name), target: mc.target, bin_dir: binDir };
    if (todo.length === 0 && strays.length === 0) return ok(`every K3s plugin name in ${binDir} links to ${target}`, data);

    const odd = todo.filter((r) => r.before.kind === 'other');
    if (odd.length > 0) {
      return failed(`refusing to replace ${odd.map((r) => posix.join(binDir, r.name)).join(', ')}: neither a file nor a symlink`, data);
    }
    const diff = {
      before: todo.map((r) => `${describeEntry(r.name, r.before)}\n`).join(''),
      after: todo.map((r) => `${r.name} -> ${r.target}\n`).join(''),
    };
    const summary = [
      ...todo.map((r) => `${describeEntry(r.name, r.before)} => -> ${r.target}`),
      ...(strays.length > 0 ? [`removed ${strays.join(', ')} (temp links of an interrupted run)`] : []),
    ].join('; ');
    return checkOrApply(ctx, {
      action: `re-link ${todo.length} in ${binDir}: ${summary}`,
      done: `re-linked ${todo.length} in ${binDir}: ${summary}`,
      failure: `cannot re-link in ${binDir}`,
      diff,
      data,
      commands: [...relinkCommands(binDir, todo), ...removeStrayCommands(binDir, strays)],
    });
  },
};
