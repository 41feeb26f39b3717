/**
 * `loop`: one task run per item, as lib/ansible/executor/task_executor.py (`_run_loop`,
 * ansible-core 2.14) does it. The list is templated first and must be a list; each item
 * runs with its own scope (`item`, or loop_control's `loop_var`, and `index_var`), its own
 * `when` and `until`; every item runs even after one fails. The task's result holds
 * `results` (each item's result plus the item, `ansible_loop_var` and, with index_var,
 * the index), and is changed when any item changed, failed when any failed ("One or more
 * items failed"), skipped when every item was skipped or the list is empty.
 */
import { renderValue } from '../template/index.ts';
import { failed, type TaskResult } from '../module/task.ts';
import type { TaskOutcome, TaskRunInput } from './run-task.ts';
import type { Vars } from './scope.ts';

type RunOnce = (input: TaskRunInput) => Promise<TaskOutcome>;

function itemScope(scope: Vars, names: Record<string, unknown>): Vars {
  // Layered over the task's scope, so the item shadows a variable of the same name only here.
  const layered = Object.create(scope) as Vars;
  for (const [k, v] of Object.entries(names)) Object.defineProperty(layered, k, { enumerable: true, value: v });
  return layered;
}

function loopItems(input: TaskRunInput): unknown[] | string {
  let items: unknown;
  try {
    items = renderValue(input.task.loop, input.scope);
  } catch (err) {
    return (err as Error).message;
  }
  if (!Array.isArray(items)) return `Invalid data passed to 'loop', it requires a list, got this instead: ${JSON.stringify(items)}. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.`;
  return items;
}

export async function runLoop(input: TaskRunInput, runOnce: RunOnce): Promise<TaskOutcome> {
  const control = input.task.loopControl ?? { loopVar: 'item' };
  const items = loopItems(input);
  if (typeof items === 'string') {
    const result = failed(items);
    return { status: 'failed', result, ignored: input.task.ignoreErrors, registered: { changed: false, failed: true, msg: items } };
  }
  const results: Array<Record<string, unknown>> = [];
  const labels: string[] = [];
  for (const [index, item] of items.entries()) {
    const names: Record<string, unknown> = { [control.loopVar]: item, ansible_loop_var: control.loopVar };
    if (control.indexVar) Object.assign(names, { [control.indexVar]: index, ansible_index_var: control.indexVar });
    const scope = itemScope(input.scope, names);
    const outcome = await runOnce({ ...input, scope });
    results.push({ ...outcome.registered, ...names });
    labels.push(String(control.label !== undefined ? renderValue(control.label, scope) : JSON.stringify(item)));
    if (input.signal.aborted) break;
  }
  const anyFailed = results.some((r) => r.failed === true);
  const allSkipped = results.every((r) => r.skipped === true);
  const changed = results.some((r) => r.changed === true);
  const msg = anyFailed ? 'One or more items failed' : allSkipped && results.length ? 'All items skipped' : 'All items completed';
  const failedItems = results.flatMap((r, i) => (r.failed === true ? [`(item=${labels[i]}) ${String(r.msg)}`] : []));
  const result: TaskResult = {
    changed,
    failed: anyFailed,
    skipped: allSkipped,
    msg: anyFailed ? `${msg}: ${failedItems.join('; ')}` : msg,
    data: { results },
  };
  const status = anyFailed ? 'failed' : allSkipped ? 'skipped' : changed ? 'changed' : 'ok';
  return { status, result, ignored: anyFailed && input.task.ignoreErrors, registered: { results, changed, failed: anyFailed, skipped: allSkipped, msg } };
}
