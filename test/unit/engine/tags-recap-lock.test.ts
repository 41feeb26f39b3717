import t from 'tap';
import { taskSelected } from '../../../src/engine/tags.ts';
import { countResult, exitCodeFor } from '../../../src/engine/recap.ts';
import { acquireLock, holderCommand } from '../../../src/engine/lock.ts';
import type { Recap } from '../../../src/engine/events.ts';
import { LockError } from '../../../src/errors.ts';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { lockPathFor, processStartTime } from '../../../src/engine/lock.ts';

t.test('tags: plain, always, never, skip', async (t) => {
  t.equal(taskSelected(['a'], {}), true);
  t.equal(taskSelected([], { tags: ['a'] }), false);
  t.equal(taskSelected(['a', 'b'], { tags: ['b'] }), true);
  t.equal(taskSelected(['always'], { tags: ['x'] }), true);
  t.equal(taskSelected(['always'], { tags: ['x'], skipTags: ['always'] }), false);
  t.equal(taskSelected(['never', 'smoke'], {}), false);
  t.equal(taskSelected(['never', 'smoke'], { tags: ['smoke'] }), true);
  t.equal(taskSelected(['a'], { skipTags: ['a'] }), false);
  t.equal(taskSelected([], { tags: ['untagged'] }), true);
});

t.test('exit codes follow the recap', async (t) => {
  const recap: Recap = {};
  countResult(recap, 'n1', 'ok', false);
  t.equal(exitCodeFor(recap, false), 0);
  countResult(recap, 'n1', 'changed', false);
  t.same(recap.n1, { ok: 2, changed: 1, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
  t.equal(exitCodeFor(recap, false), 0);
  t.equal(exitCodeFor(recap, true), 2, 'check mode with changes pending');
  countResult(recap, 'n2', 'unreachable', false);
  t.equal(exitCodeFor(recap, true), 3);
  countResult(recap, 'n3', 'failed', true);
  t.equal(exitCodeFor(recap, true), 3, 'an ignored failure is not a failure');
  countResult(recap, 'n3', 'failed', false);
  t.equal(exitCodeFor(recap, true), 1);
  t.equal(exitCodeFor(recap, true, true), 130);
});

t.test('lock: a second run is refused; a stale lock is taken over', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lock-'));
  const inv = join(dir, 'inv.yaml');
  const first = acquireLock(inv, dir);
  t.throws(() => acquireLock(inv, dir), LockError);
  first.release();
  const again = acquireLock(inv, dir);
  again.release();
  writeFileSync(lockPathFor(inv, dir), '999999999\n');
  const taken = acquireLock(inv, dir);
  t.equal(taken.path, lockPathFor(inv, dir));
  t.equal(readFileSync(taken.path, 'utf8'), `${process.pid}\n${resolve(inv)}\n${holderCommand()}\n${processStartTime(process.pid)}\n${hostname()}\n`, 'the stale lock of a dead pid now holds this run: pid, inventory, command, start time, host');
  taken.release();
  t.notOk(existsSync(taken.path), 'release removes the lock');
});
