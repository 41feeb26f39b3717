/** Every task module, by the name playbooks use. */
import type { TaskModule } from '../src/engine/task.ts';
import { assert } from './assert.ts';
import { command } from './command.ts';
import { copy } from './copy.ts';
import { debug } from './debug.ts';
import { fail } from './fail.ts';
import { fetch } from './fetch.ts';
import { file } from './file.ts';
import { setFact } from './set-fact.ts';
import { shell } from './shell.ts';
import { slurp } from './slurp.ts';
import { stat } from './stat.ts';
import { symlink } from './symlink.ts';
import { waitFor } from './wait-for.ts';

export const taskModules: TaskModule[] = [
  command,
  shell,
  stat,
  file,
  copy,
  symlink,
  slurp,
  fetch,
  waitFor,
  assert,
  fail,
  debug,
  setFact,
];

export const registry: Record<string, TaskModule> = Object.fromEntries(taskModules.map((m) => [m.name, m]));
