/** Every task module, by the name playbooks use: the feature folders joined. */
import type { TaskModule } from '../src/module/task.ts';
import { builtinModules } from './builtin/index.ts';
import { driftModules } from './drift/index.ts';
import { k3sModules } from './k3s/index.ts';
import { kubectlModules } from './kubectl/index.ts';
import { multusModules } from './multus/index.ts';

export const taskModules: TaskModule[] = [...builtinModules, ...kubectlModules, ...k3sModules, ...multusModules, ...driftModules];

export const registry: Record<string, TaskModule> = Object.fromEntries(taskModules.map((m) => [m.name, m]));
