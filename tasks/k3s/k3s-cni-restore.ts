/**
 * k3s_cni_restore: rollback's last change on a node. Every K3s-owned name in the CNI bin dir
 * becomes a symlink to K3s's CURRENT multicall binary again (the target of `data/cni/cni` as
 * read now: an upgrade since the backup moved it, docs/k3s-multus.md §4); only when that
 * binary is gone does the backup record's path serve, if it still exists. Names are replaced
 * by rename (docs/k3s-multus.md §3: host-local never disappears). Then it checks what K3s needs: host-local
 * resolves to an executable, and 10-flannel.conflist is the one preflight read.
 */
import { absoluteDirArg, type ArgsOf, type ArgsSchema } from '../../src/module/args.ts';
import { posix } from 'node:path';
import { sh } from '../../src/connection/quote.ts';
import { failed, ok, type HostContext, type TaskModule } from '../../src/module/task.ts';
import { checkOrApply } from '../lib/apply.ts';
import { statFact } from '../lib/path-stat.ts';
import { DEFAULT_BACKUP_DIR, type BackupRecord } from './backup-record.ts';
import { readStoredBackups } from './backup-store.ts';
import { k3sStateSchema, readCurrentK3s, type WithK3sFacts } from './current.ts';
import { linkedNames, wantedLinkTarget, type K3sFacts } from './facts.ts';
import { relinkCommands, relinksNeeded, removeStrayCommands } from './k3s-cni-relink.ts';
import { K3S_OWNED_PLUGINS, k3sMultusPaths } from './layout.ts';
import { describeEntry, k3sProbeFact, type K3sProbe } from './probe.ts';

const schema = k3sStateSchema({
  backup_dir: absoluteDirArg(DEFAULT_BACKUP_DIR, "Where k3s_cni_backup keeps its records; read only when K3s's current multicall binary is gone."),
}) satisfies ArgsSchema;

export type K3sCniRestoreArgs = WithK3sFacts<ArgsOf<typeof schema>>;

/** Backup records' multicall paths worth trying, newest first, for this data dir (pure). */
export function backupTargets(records: ReadonlyArray<BackupRecord | undefined>, dataDir: string, exclude: string): string[] {
  const out: string[] = [];
  for (const r of records) {
    if (!r || r.data_dir !== dataDir || r.multicall.target === exclude || out.includes(r.multicall.target)) continue;
    out.push(r.multicall.target);
  }
  return out;
}

type Target = { target: string; from: 'current' | 'backup' } | { problem: string };

async function multicallTarget(ctx: HostContext, probe: K3sProbe, backupDir: string): Promise<Target> {
  const mc = probe.multicall;
  if (mc && mc.exists && mc.executable) return { target: mc.target, from: 'current' };
  const stored = await readStoredBackups(ctx, backupDir);
  for (const candidate of backupTargets([stored.latest, stored.pristine], probe.data_dir, mc?.target ?? '')) {
    const st = await ctx.fact(statFact(candidate, { follow: true }));
    if (st.exists && st.isreg && (parseInt(st.mode, 8) & 0o111) !== 0) return { target: candidate, from: 'backup' };
  }
  return { problem: `K3s's multicall binary ${mc?.target ?? '(unknown)'} is gone and no backup record names one that still exists; reinstall K3s on this node` };
}

/** What must hold after the restore; read from the node. */
async function afterProblems(ctx: HostContext, facts: K3sFacts, binDir: string): Promise<string[]> {
  const problems: string[] = [];
  const hostLocal = posix.join(binDir, 'host-local');
  const runs = await ctx.read(sh`[ -f ${hostLocal} ] && [ -x ${hostLocal} ]`);
  if (runs.exitCode !== 0) problems.push(`${hostLocal} does not resolve to an executable file`);
  const probe = await ctx.fact(k3sProbeFact({ dataDir: facts.data_dir, binary: facts.binary }));
  if (probe.flannel_conflist_sha256 !== facts.flannel_conflist_sha256) {
    problems.push(`${k3sMultusPaths(facts.data_dir, facts.layout).flannelConflist} changed during the rollback (sha256 ${probe.flannel_conflist_sha256 ?? 'none'}, was ${facts.flannel_conflist_sha256})`);
  }
  return problems;
}

export const k3sCniRestore: TaskModule<K3sCniRestoreArgs> = {
  name: 'k3s_cni_restore',
  description:
    "Gives K3s back its own plugins: every K3s-owned name in the CNI bin dir (`cni` and bandwidth, bridge, firewall, flannel, host-local, loopback, portmap) that is not a symlink to K3s's current multicall binary (the target of `data/cni/cni` read now, which a K3s upgrade may have moved since the backup) becomes one, by a link under a temp name renamed over it, so no name is ever missing. Only when that binary is gone is the multicall path of the newest backup record under `backup_dir` used, if it still exists. Afterwards, and also when nothing needed changing, it checks that host-local resolves to an executable and that 10-flannel.conflist has the sha256 `facts` recorded; fails naming what does not hold. Registers `restored` (names), `target` and `target_from` (`current` or `backup`).",
  schema,
  examples: [
    `- name: Give K3s back its own plugins
  k3s_cni_restore:
    facts: "{{ k3s }}"
    backup_dir: /var/lib/provision/backups`,
  ],
  async run(args, ctx) {
    const current = await readCurrentK3s(ctx, args);
    if (!current.ok) return failed(`cannot restore: ${current.problem}`);
    const { probe } = current;
    if (probe.layout === null || !probe.data_dir_exists) return failed(`cannot restore: no CNI bin dir under ${probe.data_dir}`);
    const binDir = k3sMultusPaths(probe.data_dir, probe.layout).cniBinDir;
    const found = await multicallTarget(ctx, probe, args.backup_dir ?? DEFAULT_BACKUP_DIR);
    if ('problem' in found) return failed(`cannot restore: ${found.problem}`);
    const wanted = wantedLinkTarget(probe.layout, found.target);
    const todo = relinksNeeded(probe.entries, linkedNames(probe.layout, K3S_OWNED_PLUGINS), wanted);
    const data = { restored: todo.map((r) => r.name), target: found.target, target_from: found.from, bin_dir: binDir };
    const odd = todo.filter((r) => r.before.kind === 'other');
    if (odd.length > 0) {
      return failed(`refusing to replace ${odd.map((r) => posix.join(binDir, r.name)).join(', ')}: neither a file nor a symlink`, data);
    }
    const from = found.from === 'backup' ? ' (from the backup record: the current one is gone)' : '';
    const strays = probe.stray_temp_links;
    if (todo.length === 0 && strays.length === 0) {
      const problems = await afterProblems(ctx, args.facts, binDir);
      if (problems.length > 0) return failed(problems.join('; '), data);
      return ok(`every K3s plugin name in ${binDir} links to ${wanted}`, data);
    }
    const diff = {
      before: todo.map((r) => `${describeEntry(r.name, r.before)}\n`).join(''),
      after: todo.map((r) => `${r.name} -> ${r.target}\n`).join(''),
    };
    const summary = [
      ...(todo.length > 0 ? [`${todo.map((r) => r.name).join(', ')} -> ${wanted}${from}`] : []),
      ...(strays.length > 0 ? [`removed ${strays.join(', ')} (temp links of an interrupted run)`] : []),
    ].join('; ');
    const restored = await checkOrApply(ctx, {
      action: `restore ${todo.length} in ${binDir}: ${summary}`,
      done: `restored ${todo.length} in ${binDir}: ${summary}`,
      failure: `cannot restore in ${binDir}`,
      diff,
      data,
      commands: [...relinkCommands(binDir, todo), ...removeStrayCommands(binDir, strays)],
    });
    if (ctx.check || restored.failed) return restored;
    const problems = await afterProblems(ctx, args.facts, binDir);
    if (problems.length > 0) return { ...failed(`restored ${summary}, but ${problems.join('; ')}`, data), changed: true, diff };
    return restored;
  },
};
