/**
 * What `provision schedule` writes (pure): a cron.d entry or a systemd service + timer that
 * run `provision drift --quiet` on an inventory. Every path is absolute (cron and systemd
 * start jobs with a bare environment and no working directory of ours), the output goes to
 * a log file, and --quiet keeps cron's mail for news only.
 */
import { quote } from '../connection/quote.ts';

export interface ScheduleSpec {
  /** Absolute path of node. */
  node: string;
  /** Absolute path of bin/provision.js. */
  cli: string;
  /** Absolute path of the inventory. */
  inventory: string;
  every: Interval;
  fix: boolean;
  /** Absolute directory for the node_exporter textfile. */
  textfile?: string;
  log: string;
}

export interface Interval {
  amount: number;
  unit: 'm' | 'h';
}

/** `15m`, `1h`: an interval cron can express exactly (a divisor of 60 minutes or 24 hours). */
export function parseInterval(text: string): Interval | string {
  const m = /^(\d+)(m|min|h)$/.exec(text.trim());
  if (!m) return `--every takes minutes or hours, like 15m or 1h; got "${text}"`;
  const amount = Number(m[1]);
  const unit = m[2] === 'h' ? 'h' : 'm';
  const whole = unit === 'm' ? 60 : 24;
  if (amount < 1 || whole % amount !== 0) {
    return `--every ${text}: use a divisor of ${whole} ${unit === 'm' ? 'minutes' : 'hours'} (${unit === 'm' ? '1m, 2m, 5m, 10m, 15m, 30m' : '1h, 2h, 3h, 4h, 6h, 12h'}, or ${unit === 'm' ? '1h' : '24h'})`;
  }
  return { amount, unit };
}

export function driftArgv(s: ScheduleSpec): string[] {
  return [s.node, s.cli, 'drift', '-i', s.inventory, '--quiet', ...(s.fix ? ['--fix'] : []), ...(s.textfile ? ['--textfile', s.textfile] : [])];
}

function cronSchedule(i: Interval): string {
  if (i.unit === 'm') return i.amount === 60 ? '0 * * * *' : i.amount === 1 ? '* * * * *' : `*/${i.amount} * * * *`;
  return i.amount === 24 ? '0 0 * * *' : i.amount === 1 ? '0 * * * *' : `0 */${i.amount} * * *`;
}

/** The line cron runs: output appended to the log, and also printed, so cron mails news (--quiet: only news). */
export function cronLine(s: ScheduleSpec): string {
  const command = `${driftArgv(s).map(quote).join(' ')} 2>&1 | tee -a ${quote(s.log)}`;
  // In a crontab an unescaped % ends the command.
  return `${cronSchedule(s.every)} root ${command.replace(/%/g, '\\%')}`;
}

export function cronFile(s: ScheduleSpec): string {
  return [
    '# Written by `provision schedule`; remove with `provision schedule --remove`.',
    `# Checks the Multus nodes of ${s.inventory} for drift every ${s.every.amount}${s.every.unit}.`,
    'SHELL=/bin/sh',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    cronLine(s),
    '',
  ].join('\n');
}

/** systemd's quoting for ExecStart: double quotes, with \ and " escaped, % doubled ($ is not expanded without braces). */
function systemdWord(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) && !w.includes('%') ? w : `"${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

export function systemdService(s: ScheduleSpec): string {
  return [
    '# Written by `provision schedule --systemd`; remove with `provision schedule --systemd --remove`.',
    '[Unit]',
    `Description=provision drift: check the Multus nodes of ${s.inventory}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${driftArgv(s).map(systemdWord).join(' ')}`,
    `StandardOutput=append:${s.log}`,
    `StandardError=append:${s.log}`,
    '',
  ].join('\n');
}

export function systemdTimer(s: ScheduleSpec): string {
  const calendar = s.every.unit === 'm' ? `*:0/${s.every.amount}` : `0/${s.every.amount}:00`;
  return [
    '# Written by `provision schedule --systemd`.',
    '[Unit]',
    `Description=Run provision drift every ${s.every.amount}${s.every.unit}`,
    '',
    '[Timer]',
    `OnCalendar=${calendar}`,
    'Persistent=true',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
}
