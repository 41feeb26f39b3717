/**
 * What the bench needs on this machine besides the lab's own packages: ansible-core (the
 * contender) and GNU time (peak RSS). Missing ones are installed the way the lab installs
 * its packages (test/lab/install-host-deps.sh, apt as root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/run-provision.ts';
import { GNU_TIME } from './measure.ts';

const hasCommand = (name: string): boolean => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;

export function ensureBenchTools(): void {
  if (hasCommand('ansible-playbook') && existsSync(GNU_TIME) && hasCommand('ssh')) return;
  execFileSync('bash', [join(REPO_ROOT, 'test/lab/install-host-deps.sh')], { stdio: 'inherit' });
}

export function ansibleVersion(): string {
  return execFileSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
}
