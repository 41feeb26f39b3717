/** Can this machine run a lab? Checked without side effects, so tests can skip with a reason. */
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_ENV } from './host-commands.ts';

const REQUIRED_PROGRAMS = ['ip', 'nsenter', 'unshare', 'mount', 'umount', 'sshd', 'ssh-keygen', 'sudo', 'openssl'];

function onPath(program: string): boolean {
  return (LAB_ENV.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function labSupport(): { ok: boolean; reason?: string } {
  if (process.platform !== 'linux') return { ok: false, reason: 'the lab needs Linux namespaces' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'the lab needs root (network and mount namespaces)' };
  const missing = REQUIRED_PROGRAMS.filter((p) => !onPath(p));
  if (missing.length > 0) return { ok: false, reason: `missing programs: ${missing.join(', ')}` };
  let filesystems = '';
  try {
    filesystems = readFileSync('/proc/filesystems', 'utf8');
  } catch {
    return { ok: false, reason: 'cannot read /proc/filesystems' };
  }
  if (!/\toverlay\n/.test(filesystems)) return { ok: false, reason: 'the kernel has no overlay filesystem' };
  return { ok: true };
}
