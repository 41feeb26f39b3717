/** Ansible's everyday modules: commands, files, links, waits and control flow. */
import type { TaskModule } from '../../src/module/task.ts';
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

export const builtinModules: TaskModule[] = [
  command, shell, stat, file, copy, symlink, slurp, fetch, waitFor, assert, fail, debug, setFact,
];
