/**
 * Run loaded playbooks against the inventory: take the lock, open connections lazily,
 * drive the engine, report, and release everything whatever happens.
 */
import { setMaxListeners } from 'node:events';
import { connectionFromPlan, planConnections, type ConnectionPlan } from '../connection/factory.ts';
import { applyControlDefaults, controlConnectionOptions } from '../config/control-defaults.ts';
import { emptyControlSettings } from '../config/control-settings.ts';
import { ConnectionPool } from '../engine/connection-pool.ts';
import type { Reporter, RunEvent } from '../engine/events.ts';
import type { CommandObserver } from '../engine/host-context.ts';
import { acquireLock } from '../engine/lock.ts';
import { lockNodes, type NodeLocks } from '../engine/run-node-locks.ts';
import { runPlaybook, type RunSummary } from '../engine/runner.ts';
import { ExitCode, ValidationError, type Diagnostic } from '../errors.ts';
import { secretValues } from '../inventory/secrets.ts';
import type { Inventory } from '../inventory/types.ts';
import { leafTasks, type Playbook } from '../playbook/types.ts';
import { createReporter } from '../report/index.ts';
import { registry } from '../../tasks/index.ts';
import { becomePassword } from './become-password.ts';
import { nodePathVarProblems } from './path-vars.ts';
import type { CommonFlags } from './options.ts';

export interface ExecuteOptions {
  flags: CommonFlags;
  inventory: Inventory;
  playbook: Playbook;
  /** Overrides the reporter picked from the flags (tests, drift's own report). */
  reporter?: Reporter;
  /** Also sees every event (drift collects results this way). */
  tap?: (e: RunEvent) => void;
  observer?: CommandObserver;
  signal?: AbortSignal;
  /** The caller already holds the inventory's lock (drift: check, fix and re-check under one lock). */
  lockHeld?: boolean;
  /**
   * Take the lock on each node before the first task (node-lock.ts); default: unless in
   * check mode, which changes nothing (drift's checks, --check runs).
   */
  nodeLock?: boolean;
}

export async function executePlaybook(o: ExecuteOptions): Promise<RunSummary> {
  const problems = [...scopeProblems(o.inventory, o.playbook, o.flags.limit), ...nodePathVarProblems(o.inventory, o.flags.extraVars)];
  if (problems.length > 0) throw new ValidationError(problems);
  // ansible.cfg / ANSIBLE_* defaults under the inventory's variables, then every host's
  // connection planned (SSH config files read) before the lock is taken or a host touched.
  const settings = o.flags.settings ?? emptyControlSettings();
  applyControlDefaults(o.inventory, settings);
  const { plans, warnings } = planConnections(o.inventory, {
    ...controlConnectionOptions(settings),
    ...(o.flags.hostKeyChecking ? { hostKeyChecking: o.flags.hostKeyChecking } : {}),
    ...(o.flags.knownHosts ? { knownHostsFile: o.flags.knownHosts } : {}),
  });
  recordLoginUsers(o.inventory, plans);
  const askedPassword = await becomePassword(o.flags);
  const secrets = collectSecrets(o.inventory, o.playbook, o.flags.extraVars);
  if (askedPassword !== undefined) secrets.push(askedPassword);
  const reporter =
    o.reporter ??
    createReporter({ json: o.flags.json, tty: liveViewFits(process.stdout), verbose: o.flags.verbose, diff: o.flags.diff, secrets: () => secrets });
  const sink: Reporter = o.tap
    ? { event: (e) => (o.tap?.(e), reporter.event(e)), close: () => reporter.close() }
    : reporter;
  for (const message of warnings) sink.event({ type: 'warning', message });
  const lock = o.lockHeld ? { release: () => {} } : acquireLock(o.inventory.file, { ...(o.flags.lockWaitMs !== undefined ? { waitMs: o.flags.lockWaitMs } : {}) });
  const pool = new ConnectionPool(o.inventory, (host) => connectionFromPlan(host, plans.get(host.name)!));
  let nodeLocks: NodeLocks | undefined;
  try {
    if (o.nodeLock ?? !o.flags.check) {
      nodeLocks = await lockNodes({
        pool,
        inventory: o.inventory,
        hosts: hostsInScope(o.inventory, o.playbook, o.flags.limit),
        forks: o.flags.forks,
        ...(o.flags.lockWaitMs !== undefined ? { waitMs: o.flags.lockWaitMs } : {}),
        ...(askedPassword !== undefined ? { becomePassword: askedPassword } : {}),
        warn: (message) => sink.event({ type: 'warning', message }),
      });
      if (o.flags.verbose > 0 && nodeLocks.hosts.length > 0) sink.event({ type: 'warning', message: `node lock taken on ${nodeLocks.hosts.join(', ')}` });
    }
  } catch (err) {
    await pool.closeAll();
    await sink.close();
    lock.release();
    throw err;
  }
  const interrupt = new AbortController();
  // Every command in flight listens on this one signal (and stops listening when it ends):
  // more than 10 at once is --forks above 10, not a leak, and must not print Node's warning.
  setMaxListeners(0, interrupt.signal);
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  o.signal?.addEventListener('abort', onSignal, { once: true });
  try {
    const summary = await runPlaybook({
      inventory: o.inventory,
      playbook: o.playbook,
      registry,
      connections: pool,
      reporter: sink,
      check: o.flags.check,
      diff: o.flags.diff,
      forks: o.flags.forks,
      ...(o.flags.limit !== undefined ? { limit: o.flags.limit } : {}),
      tags: { ...(o.flags.tags ? { tags: o.flags.tags } : {}), ...(o.flags.skipTags ? { skipTags: o.flags.skipTags } : {}) },
      extraVars: o.flags.extraVars,
      ...(askedPassword !== undefined ? { defaultVars: { ansible_become_password: askedPassword } } : {}),
      signal: interrupt.signal,
      ...(o.observer ? { observer: o.observer } : {}),
      onSecret: (value) => void (secrets.includes(value) || secrets.push(value)),
    });
    return interrupt.signal.aborted ? { ...summary, exitCode: ExitCode.interrupted } : summary;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    o.signal?.removeEventListener('abort', onSignal);
    nodeLocks?.release();
    await pool.closeAll();
    await sink.close();
    lock.release();
  }
}

/**
 * A run that would reach no host is a mistake, not a success that did nothing (a cron job
 * would never notice): an inventory without hosts, a play whose `hosts` matches none of
 * them (Ansible only warns), a --limit that selects nothing. All of them at once, before
 * anything is contacted (exit 4).
 */
function scopeProblems(inventory: Inventory, playbook: Playbook, limit: string | undefined): Diagnostic[] {
  const problems: Diagnostic[] = [];
  if (inventory.hosts.length === 0) {
    problems.push({ file: inventory.file, message: 'the inventory defines no hosts' });
  } else {
    for (const play of playbook.plays) {
      if (inventory.select(play.hosts).length === 0) {
        problems.push({ ...play.position, message: `play "${play.name}": hosts "${play.hosts}" matches no host in ${inventory.file}` });
      }
    }
  }
  if (limit !== undefined && inventory.select(limit).length === 0) {
    problems.push({ message: `--limit ${limit} matches no host in ${inventory.file}` });
  }
  return problems;
}

/** The hosts some play of the playbook will run on, within --limit. */
function hostsInScope(inventory: Inventory, playbook: Playbook, limit: string | undefined): string[] {
  const limited = limit !== undefined ? new Set(inventory.select(limit)) : undefined;
  const hosts = new Set<string>();
  for (const play of playbook.plays) {
    for (const h of inventory.select(play.hosts)) if (!limited || limited.has(h)) hosts.add(h);
  }
  return [...hosts];
}

/**
 * A login user that came from the SSH config or ansible.cfg is the host's ansible_user, as
 * far as the run is concerned: become compares it with become_user to decide whether sudo
 * is needed at all.
 */
function recordLoginUsers(inventory: Inventory, plans: Map<string, ConnectionPlan>): void {
  for (const host of inventory.hosts) {
    const plan = plans.get(host.name);
    if (plan?.kind !== 'ssh' || host.vars.ansible_user !== undefined || host.vars.ansible_ssh_user !== undefined) continue;
    host.vars.ansible_user = plan.user;
  }
}

/** Secret-named values of every variable layer; templated ones are added when resolved (onSecret). */
function collectSecrets(inventory: Inventory, playbook: Playbook, extraVars: Record<string, unknown>): string[] {
  const layers = [
    ...inventory.hosts.map((h) => h.vars),
    ...playbook.plays.flatMap((p) => [p.vars, ...leafTasks(p.tasks).map((t) => t.vars), ...p.handlers.map((t) => t.vars)]),
    extraVars,
  ];
  return [...new Set(layers.flatMap((vars) => secretValues(vars)))];
}

/**
 * The live view redraws lines in place and wraps at the terminal's width; a terminal that
 * reports no usable width (a serial console, `script` without a size) gets plain lines.
 */
function liveViewFits(out: NodeJS.WriteStream): boolean {
  return Boolean(out.isTTY) && (out.columns ?? 0) >= 40;
}
