/**
 * The linear strategy: each task runs on every host of the batch (up to `forks` at once)
 * before the next task starts; blocks send failed hosts to their rescue and every host
 * that entered them to their always. A failed host stops; an unreachable host is set aside; the
 * others go on — unless any_errors_fatal or max_fail_percentage end the play.
 */
import type { ExitCodeValue } from '../errors.ts';
import type { Inventory } from '../inventory/types.ts';
import { isBlock, type BlockSpec, type Play, type PlayItem, type Playbook, type TaskSpec } from '../playbook/types.ts';
import { renderValue } from '../template/index.ts';
import { exceedsFailPercentage, planBatches } from './batches.ts';
import { resolveBecome } from './become.ts';
import type { ConnectionPool } from './connection-pool.ts';
import type { Recap, Reporter } from './events.ts';
import { mapWithForks } from './forks.ts';
import type { CommandObserver } from './host-context.ts';
import { countResult, emptyRecap, exitCodeFor } from './recap.ts';
import { runTask, type TaskOutcome } from './run-task.ts';
import { HostScopes } from './host-scopes.ts';
import { taskSelected, type TagFilter } from './tags.ts';
import type { TaskModule, TaskResult } from '../module/task.ts';
import { dirname } from 'node:path';

export interface EngineOptions {
  inventory: Inventory;
  playbook: Playbook;
  registry: Record<string, TaskModule>;
  connections: ConnectionPool;
  reporter: Reporter;
  check: boolean;
  diff: boolean;
  forks: number;
  /** --limit pattern */
  limit?: string;
  tags?: TagFilter;
  extraVars?: Record<string, unknown>;
  /** Below the inventory: values the command line supplies as defaults (-K's become password). */
  defaultVars?: Record<string, unknown>;
  signal?: AbortSignal;
  observer?: CommandObserver;
  /** Told each secret the run resolves (a templated become password), so reporters mask it. */
  onSecret?: (value: string) => void;
}

export interface RunSummary {
  recap: Recap;
  exitCode: ExitCodeValue;
  /** Registered results and set facts per host, for callers that read them (drift, tests). */
  facts: Record<string, Record<string, unknown>>;
  /** Why each failed or unreachable host stopped. */
  failures: Record<string, string>;
}

/** `rescuing`: failed inside a block whose rescue will run for it (not failed yet). */
type HostState = 'active' | 'failed' | 'unreachable' | 'rescuing';

const NO_LOG_MESSAGE = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/** What reporters get of a no_log task's result: its outcome, none of its content. */
function censored(result: TaskResult): TaskResult {
  return { changed: result.changed, failed: result.failed, skipped: result.skipped, msg: NO_LOG_MESSAGE };
}

export async function runPlaybook(o: EngineOptions): Promise<RunSummary> {
  const signal = o.signal ?? new AbortController().signal;
  const recap: Recap = {};
  const state = new Map<string, HostState>();
  const failures: Record<string, string> = {};
  const playbookDir = dirname(o.playbook.file);
  const scopes = new HostScopes(o.inventory, o.extraVars ?? {}, { check: o.check, diff: o.diff, playbookDir }, o.defaultVars ?? {});
  const limited = o.limit !== undefined ? new Set(o.inventory.select(o.limit)) : undefined;

  for (const play of o.playbook.plays) {
    if (signal.aborted) break;
    const hosts = o.inventory.select(play.hosts).filter((h) => (!limited || limited.has(h)) && (state.get(h) ?? 'active') === 'active');
    for (const h of hosts) recap[h] ??= emptyRecap();
    o.reporter.event({ type: 'play_start', play: play.name, hosts });
    if (hosts.length === 0) {
      o.reporter.event({ type: 'warning', message: `play "${play.name}": no hosts matched "${play.hosts}"${o.limit ? ` with --limit ${o.limit}` : ''}` });
    }
    let abort = false;
    for (const batch of planBatches(hosts, play.serial)) {
      abort = await runBatch(play, batch);
      // As Ansible: a batch in which every host failed or was unreachable ends the run —
      // a rolling update (serial: 1) must not go on to the next node after a broken one.
      if (!abort && batch.every((h) => state.get(h) === 'failed' || state.get(h) === 'unreachable')) {
        o.reporter.event({ type: 'warning', message: `play "${play.name}": every host of the batch (${batch.join(', ')}) failed or was unreachable; stopping` });
        abort = true;
      }
      if (abort || signal.aborted) break;
    }
    o.reporter.event({ type: 'play_end', play: play.name });
    if (abort) break;
  }

  const exitCode = exitCodeFor(recap, o.check, signal.aborted);
  o.reporter.event({ type: 'run_end', recap, check: o.check });
  return { recap, exitCode, facts: scopes.allFacts(), failures };

  /** Returns true when the play (and the run) must stop. */
  async function runBatch(play: Play, batch: string[]): Promise<boolean> {
    const notified = new Map<string, Set<string>>();
    const isActive = (h: string) => (state.get(h) ?? 'active') === 'active';
    // ansible_play_hosts: a host a rescue is about to take over is still in the play.
    scopes.startPlay(play, () => batch.filter((h) => state.get(h) !== 'failed' && state.get(h) !== 'unreachable'));
    const abort = await runItems(play.tasks, batch, false);
    // A play that ends inside a block leaves its hosts failed, rescue or not.
    for (const h of batch) if (state.get(h) === 'rescuing') state.set(h, 'failed');
    if (abort) return true;
    for (const handler of play.handlers) {
      if (signal.aborted) return true;
      const topics = [handler.name, ...handler.listen];
      const hosts = batch.filter(isActive).filter((h) => topics.some((t) => notified.get(h)?.has(t)));
      if (hosts.length) await runTaskOnHosts(play, handler, hosts, true, false);
    }
    return false;

    /**
     * The items on those of `within` that are still active. `rescuable`: a failure here is
     * caught by the rescue of an enclosing block (the host is rescuing, not failed).
     */
    async function runItems(items: PlayItem[], within: string[], rescuable: boolean): Promise<boolean> {
      for (const item of items) {
        if (signal.aborted) return true;
        if (isBlock(item)) {
          if (await runBlock(item, within, rescuable)) return true;
          continue;
        }
        const task = item;
        if (!taskSelected(task.tags, o.tags ?? {})) continue;
        const hosts = within.filter(isActive);
        if (hosts.length === 0) break;
        const outcomes = await runTaskOnHosts(play, task, hosts, false, rescuable);
        for (const [host, outcome] of outcomes) {
          if (outcome.status === 'changed' && task.notify.length) {
            const set = notified.get(host) ?? new Set<string>();
            task.notify.forEach((n) => set.add(n));
            notified.set(host, set);
          }
        }
        // any_errors_fatal counts an unreachable host as an error too, as Ansible does; a
        // failure a rescue will handle does not count (linear.py asks iterator.is_failed).
        const failedNow = [...outcomes.entries()].some(([h, x]) => (x.status === 'failed' && !x.ignored && state.get(h) === 'failed') || x.status === 'unreachable');
        if (failedNow && (play.anyErrorsFatal || task.anyErrorsFatal)) return true;
        const failedInBatch = batch.filter((h) => state.get(h) === 'failed' || state.get(h) === 'unreachable').length;
        if (exceedsFailPercentage(failedInBatch, batch.length, play.maxFailPercentage)) {
          o.reporter.event({ type: 'warning', message: `play "${play.name}": ${failedInBatch}/${batch.length} hosts failed, more than max_fail_percentage ${play.maxFailPercentage}%` });
          return true;
        }
      }
      return false;
    }

    /**
     * As lib/ansible/executor/play_iterator.py (2.14) moves a host through a block: a
     * failure in `block` goes to `rescue` (when there is one); `always` runs for every
     * host that entered, failed or not; unreachable hosts leave the block at once.
     */
    async function runBlock(block: BlockSpec, within: string[], rescuable: boolean): Promise<boolean> {
      const entered = within.filter(isActive);
      if (entered.length === 0) return false;
      if (await runItems(block.block, entered, rescuable || block.rescue.length > 0)) return true;
      if (block.rescue.length > 0) {
        const toRescue = entered.filter((h) => state.get(h) === 'rescuing');
        for (const h of toRescue) {
          state.set(h, 'active');
          delete failures[h];
        }
        if (toRescue.length && (await runItems(block.rescue, toRescue, rescuable))) return true;
      }
      if (block.always.length === 0) return false;
      const alwaysHosts = entered.filter((h) => state.get(h) !== 'unreachable');
      const down = new Map(alwaysHosts.filter((h) => !isActive(h)).map((h) => [h, { state: state.get(h)!, why: failures[h] }]));
      for (const h of down.keys()) state.set(h, 'active');
      const abort = await runItems(block.always, alwaysHosts, rescuable);
      // A host that was failed before always stays failed when always succeeds.
      for (const [h, was] of down) {
        if (!isActive(h)) continue;
        state.set(h, was.state);
        if (was.why !== undefined) failures[h] = was.why;
      }
      return abort;
    }
  }

  async function runTaskOnHosts(play: Play, task: TaskSpec, hosts: string[], handler: boolean, rescuable: boolean): Promise<Map<string, TaskOutcome>> {
    const module = o.registry[task.module];
    o.reporter.event({ type: 'task_start', play: play.name, task: taskTitle(task, hosts[0]), hosts: task.runOnce ? hosts.slice(0, 1) : hosts, handler });
    const targets = task.runOnce ? hosts.slice(0, 1) : hosts;
    const results = await mapWithForks(targets, o.forks, (host) => runOnHost(play, task, module, host));
    const outcomes = new Map<string, TaskOutcome>();
    targets.forEach((host, i) => outcomes.set(host, results[i]));
    // run_once: one run, its result (and register) applies to every host of the batch —
    // unless its host was unreachable: that says nothing about the others, which go on.
    if (task.runOnce && results[0]?.status !== 'unreachable') for (const host of hosts.slice(1)) outcomes.set(host, results[0]);
    for (const [i, host] of targets.entries()) report(task, host, results[i]);
    for (const [host, outcome] of outcomes) record(task, host, outcome, task.runOnce && host !== targets[0], rescuable);
    return outcomes;
  }

  async function runOnHost(play: Play, task: TaskSpec, module: TaskModule, host: string): Promise<TaskOutcome> {
    const scope = scopes.taskScope(host, task);
    let target = host;
    if (task.delegateTo !== undefined) target = String(renderValue(task.delegateTo, scope));
    const targetVars = target === host ? scope : scopes.connectionScope(target, task);
    const become = resolveBecome(task, play, scope, targetVars);
    if (become?.password) o.onSecret?.(become.password);
    return runTask({
      task,
      module,
      host,
      scope,
      connection: () => o.connections.get(target),
      become,
      check: o.check,
      diff: o.diff,
      playbookDir,
      signal,
      onProgress: (message) => o.reporter.event({ type: 'host_progress', host, task: task.name, message }),
      onWarning: (message) => o.reporter.event({ type: 'warning', host, message }),
      ...(o.observer ? { observer: o.observer } : {}),
    }).then((outcome) => ({ ...outcome, delegatedTo: target !== host ? target : undefined }));
  }

  function report(task: TaskSpec, host: string, outcome: TaskOutcome & { delegatedTo?: string }): void {
    o.reporter.event({
      type: 'host_result',
      host,
      task: task.name,
      status: outcome.status,
      result: task.noLog ? censored(outcome.result) : outcome.result,
      ignored: outcome.ignored,
      ...(outcome.delegatedTo ? { delegatedTo: outcome.delegatedTo } : {}),
    });
  }

  function record(task: TaskSpec, host: string, outcome: TaskOutcome, sharedRunOnce: boolean, rescuable: boolean): void {
    const rescuing = rescuable && outcome.status === 'failed' && !outcome.ignored;
    if (!sharedRunOnce) countResult(recap, host, outcome.status, outcome.ignored, rescuing);
    if (task.register) scopes.setFact(host, task.register, outcome.registered);
    if (outcome.result.facts && !outcome.result.failed) {
      for (const [k, v] of Object.entries(outcome.result.facts)) scopes.setFact(host, k, v);
    }
    if (outcome.status === 'unreachable') {
      state.set(host, 'unreachable');
      failures[host] = outcome.result.msg;
    } else if (rescuing) {
      // What strategy/__init__.py (2.14) sets for the rescue: the failed task and its result.
      state.set(host, 'rescuing');
      failures[host] = `${task.name}: ${task.noLog ? NO_LOG_MESSAGE : outcome.result.msg}`;
      scopes.setFact(host, 'ansible_failed_task', { name: task.name, action: task.module });
      scopes.setFact(host, 'ansible_failed_result', task.noLog ? censored(outcome.result) : outcome.registered);
    } else if (outcome.status === 'failed' && !outcome.ignored) {
      state.set(host, 'failed');
      failures[host] = `${task.name}: ${task.noLog ? NO_LOG_MESSAGE : outcome.result.msg}`;
    }
  }

  function taskTitle(task: TaskSpec, firstHost: string | undefined): string {
    if (!task.name.includes('{{') || !firstHost) return task.name;
    try {
      return String(renderValue(task.name, scopes.taskScope(firstHost, task)));
    } catch {
      return task.name;
    }
  }
}
