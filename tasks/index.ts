/** Every task module, by the name playbooks use. */
import type { TaskModule } from '../src/engine/task.ts';
import { multusSmoke } from './multus-smoke.ts';
import { assert } from './assert.ts';
import { command } from './command.ts';
import { copy } from './copy.ts';
import { debug } from './debug.ts';
import { fail } from './fail.ts';
import { fetch } from './fetch.ts';
import { file } from './file.ts';
import { installRecord } from './install-record.ts';
import { k3sCniBackup } from './k3s-cni-backup.ts';
import { k3sCniRelink } from './k3s-cni-relink.ts';
import { k3sFacts } from './k3s-facts.ts';
import { kubectlApply } from './kubectl-apply.ts';
import { kubectlDelete } from './kubectl-delete.ts';
import { kubectlGet } from './kubectl-get.ts';
import { multusManifest } from './multus-manifest.ts';
import { multusVerify } from './multus-verify.ts';
import { setFact } from './set-fact.ts';
import { shell } from './shell.ts';
import { slurp } from './slurp.ts';
import { stat } from './stat.ts';
import { symlink } from './symlink.ts';
import { waitDaemonSet } from './wait-daemonset.ts';
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
  multusManifest,
  kubectlApply,
  kubectlDelete,
  kubectlGet,
  waitDaemonSet,
  k3sFacts,
  k3sCniBackup,
  k3sCniRelink,
  multusVerify,
  installRecord,
  multusSmoke,
];

export const registry: Record<string, TaskModule> = Object.fromEntries(taskModules.map((m) => [m.name, m]));
