/**
 * The idempotence contract of a host-touching module, checked on a real directory:
 * a check-mode run predicts a change, runs no changing command and leaves the tree as it
 * was; the first real run changes; the second reports no change and runs nothing that
 * changes.
 */
import type { Test } from 'tap';
import type { TaskModule, TaskResult } from '../../src/module/task.ts';
import { createTestHostContext, type TestHostContextOptions } from './host-context.ts';
import { snapshotTree } from './tree-snapshot.ts';

export interface ConvergeRuns {
  check: TaskResult;
  first: TaskResult;
  second: TaskResult;
}

export async function assertConverges<A>(
  t: Test,
  module: TaskModule<A>,
  args: A,
  dir: string,
  contextOptions: TestHostContextOptions = {},
): Promise<ConvergeRuns> {
  const before = await snapshotTree(dir);
  const checkCtx = createTestHostContext({ ...contextOptions, check: true });
  const check = await module.run(args, checkCtx);
  t.equal(check.failed, false, `check mode does not fail: ${check.msg}`);
  t.equal(check.changed, true, 'check mode predicts a change');
  t.equal(checkCtx.changes().length, 0, 'check mode runs no changing command');
  t.same(await snapshotTree(dir), before, 'check mode leaves the directory untouched');

  const firstCtx = createTestHostContext(contextOptions);
  const first = await module.run(args, firstCtx);
  t.equal(first.failed, false, `first run does not fail: ${first.msg}`);
  t.equal(first.changed, true, 'first run changes');

  const secondCtx = createTestHostContext(contextOptions);
  const second = await module.run(args, secondCtx);
  t.equal(second.failed, false, `second run does not fail: ${second.msg}`);
  t.equal(second.changed, false, 'second run reports no change');
  t.equal(secondCtx.changes().length, 0, 'second run runs no changing command');
  return { check, first, second };
}
