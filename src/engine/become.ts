/**
 * Who a task runs as. become comes from the task, else the play, else the host's
 * ansible_become; sudo is skipped when the login user already is the target user.
 */
import { userInfo } from 'node:os';
import type { BecomeSpec } from '../connection/types.ts';
import { isAnsibleTrue } from '../template/boolean.ts';
import { evaluateCondition } from '../template/index.ts';
import type { Play, TaskSpec } from '../playbook/types.ts';
import type { Vars } from './scope.ts';

/**
 * `hostVars` are the variables of the host the task is for; `targetVars` those of the host
 * it acts on (they differ with delegate_to): the login user and sudo password are the target's.
 */
export function resolveBecome(task: TaskSpec, play: Play, hostVars: Vars, targetVars: Vars = hostVars): BecomeSpec | undefined {
  const taskBecome = typeof task.become === 'string' ? evaluateCondition(task.become, hostVars) : task.become;
  const enabled = taskBecome ?? play.become ?? isAnsibleTrue(hostVars.ansible_become);
  if (!enabled) return undefined;
  const user = task.becomeUser ?? play.becomeUser ?? stringVar(targetVars.ansible_become_user) ?? 'root';
  if (loginUser(targetVars) === user) return undefined;
  const password = stringVar(targetVars.ansible_become_password ?? targetVars.ansible_become_pass);
  return password !== undefined ? { user, password } : { user };
}

function loginUser(hostVars: Vars): string {
  if (hostVars.ansible_connection === 'local') return userInfo().username;
  return stringVar(hostVars.ansible_user) ?? userInfo().username;
}

function stringVar(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
