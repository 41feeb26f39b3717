/**
 * One `provision drift` run under the inventory's lock: playbooks/drift.yaml in check mode;
 * with --fix, playbooks/drift-fix.yaml on the drifted hosts only, then drift.yaml again.
 */
import { executePlaybook } from '../cli/execute.ts';
import { loadInputs } from '../cli/load-inputs.ts';
import type { CommonFlags } from '../cli/options.ts';
import { bundledPlaybook } from '../cli/paths.ts';
import type { RunEvent } from '../engine/events.ts';
import type { CommandObserver } from '../engine/host-context.ts';
import { acquireLock } from '../engine/lock.ts';
import type { Inventory } from '../inventory/types.ts';
import type { Playbook } from '../playbook/types.ts';
import { collectOutcome, type DriftOutcome } from './outcome.ts';
import { fixPlan, planHosts, type FixPlan } from './plan.ts';

export interface FixSummary {
  plan: FixPlan;
  hosts: string[];
  steps: string[];
  exit_code: number;
  failures: string[];
  /** What the first check found (the final outcome is the re-check). */
  before: DriftOutcome;
}

export interface DriftRun {
  outcome: DriftOutcome;
  fix?: FixSummary;
  startedAt: number;
  durationMs: number;
}

export interface DriftRunOptions {
  inventoryFile: string;
  flags: CommonFlags;
  fix: boolean;
  /** Sees every command (tests count the commands each host gets). */
  observer?: CommandObserver;
}

const silent = { event: () => {}, close: async () => {} };

export async function runDrift(o: DriftRunOptions): Promise<DriftRun> {
  const { inventory, playbooks } = loadInputs(o.inventoryFile, [bundledPlaybook('drift'), bundledPlaybook('drift-fix')]);
  const [checkPlaybook, fixPlaybook] = playbooks;
  const startedAt = Date.now();
  const lock = acquireLock(inventory.file, { ...(o.flags.lockWaitMs !== undefined ? { waitMs: o.flags.lockWaitMs } : {}) });
  try {
    const before = await check(o, inventory, checkPlaybook);
    if (!o.fix || before.exit_code !== 2) return { outcome: before, startedAt, durationMs: Date.now() - startedAt };
    const plan = fixPlan(before.hosts);
    const hosts = planHosts(plan);
    const steps = (['backup', 'stale', 'restart', 'relink'] as const).filter((k) => plan[k].length > 0);
    if (hosts.length === 0) {
      return { outcome: before, fix: { plan, hosts, steps: [], exit_code: 0, failures: [], before }, startedAt, durationMs: Date.now() - startedAt };
    }
    const failures: string[] = [];
    const fixed = await executePlaybook({
      flags: { ...o.flags, check: false, limit: hosts.join(':'), extraVars: { ...o.flags.extraVars, drift_plan: plan } },
      inventory,
      playbook: fixPlaybook,
      reporter: silent,
      lockHeld: true,
      tap: (e) => {
        if (e.type === 'host_result' && (e.status === 'failed' || e.status === 'unreachable')) failures.push(`${e.host}: ${e.task}: ${e.result.msg}`);
      },
      ...(o.observer ? { observer: o.observer } : {}),
    });
    const after = await check(o, inventory, checkPlaybook);
    return { outcome: after, fix: { plan, hosts, steps, exit_code: fixed.exitCode, failures, before }, startedAt, durationMs: Date.now() - startedAt };
  } finally {
    lock.release();
  }
}

async function check(o: DriftRunOptions, inventory: Inventory, playbook: Playbook): Promise<DriftOutcome> {
  const events: Array<{ at: number; event: RunEvent }> = [];
  await executePlaybook({
    // Read-only whatever the flags say: check mode refuses every changing command.
    flags: { ...o.flags, check: true },
    inventory,
    playbook,
    reporter: silent,
    lockHeld: true,
    tap: (event) => void events.push({ at: Date.now(), event }),
    ...(o.observer ? { observer: o.observer } : {}),
  });
  return collectOutcome(events);
}
