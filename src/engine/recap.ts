/** Per-host counters (Ansible's PLAY RECAP) and the exit code they imply. */
import { ExitCode, type ExitCodeValue } from '../errors.ts';
import type { HostRecap, HostStatus, Recap } from './events.ts';

export function emptyRecap(): HostRecap {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}

/** `rescued`: a failure a block's rescue takes over, counted instead of `failed` (as Ansible's stats). */
export function countResult(recap: Recap, host: string, status: HostStatus, ignored: boolean, rescued = false): void {
  const r = (recap[host] ??= emptyRecap());
  if (rescued) {
    r.rescued++;
    return;
  }
  if (ignored) {
    r.ignored++;
    r.ok++;
    return;
  }
  switch (status) {
    case 'changed':
      r.changed++;
      r.ok++; // Ansible counts a changed task as ok too
      break;
    default:
      r[status]++;
  }
}

/** 1 a task failed; 3 a host was unreachable (nothing failed); 2 changes pending in check mode; else 0. */
export function exitCodeFor(recap: Recap, check: boolean, interrupted = false): ExitCodeValue {
  if (interrupted) return ExitCode.interrupted;
  const hosts = Object.values(recap);
  if (hosts.some((h) => h.failed > 0)) return ExitCode.taskFailed;
  if (hosts.some((h) => h.unreachable > 0)) return ExitCode.unreachable;
  if (check && hosts.some((h) => h.changed > 0)) return ExitCode.changesPending;
  return ExitCode.ok;
}
