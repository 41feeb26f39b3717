/**
 * provision schedule -i INV --every 15m [--fix] [--textfile DIR] [--print] [--systemd] [--remove]
 * Writes /etc/cron.d/provision-drift (or a systemd service + timer) that runs drift.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ExitCode, ProvisionError, UsageError, type ExitCodeValue } from '../errors.ts';
import { loadInventory } from '../inventory/load.ts';
import { commandHelp } from './help.ts';
import { parseCommand, requireInventory } from './options.ts';
import { PACKAGE_ROOT } from './paths.ts';
import { cronFile, parseInterval, systemdService, systemdTimer, type ScheduleSpec } from '../schedule/units.ts';

export const DEFAULT_CRON_FILE = '/etc/cron.d/provision-drift';
export const DEFAULT_SYSTEMD_DIR = '/etc/systemd/system';
export const DEFAULT_LOG = '/var/log/provision-drift.log';
export const UNIT = 'provision-drift';

const options = {
  every: { type: 'string' },
  fix: { type: 'boolean' },
  textfile: { type: 'string' },
  print: { type: 'boolean' },
  systemd: { type: 'boolean' },
  remove: { type: 'boolean' },
  log: { type: 'string' },
  'cron-file': { type: 'string' },
  'systemd-dir': { type: 'string' },
} as const;

/** Replace a file whole: temp name in the same directory (a dot name cron ignores), then rename. */
function writeAtomic(path: string, text: string): void {
  const temp = join(dirname(path), `.${UNIT}.${process.pid}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, text, { mode: 0o644 });
    renameSync(temp, path);
  } catch (err) {
    throw new ProvisionError(`cannot write ${path}: ${(err as Error).message} (run as root, or --print)`, ExitCode.taskFailed);
  } finally {
    rmSync(temp, { force: true });
  }
}

export async function scheduleCommand(argv: string[], out: NodeJS.WritableStream): Promise<ExitCodeValue> {
  const { flags, extra, positionals } = parseCommand(argv, options);
  if (flags.help) {
    out.write(`${commandHelp('schedule')}\n`);
    return 0;
  }
  if (positionals.length) throw new UsageError(`schedule takes no arguments, got ${positionals.join(' ')}`);
  const cronPath = resolve(typeof extra['cron-file'] === 'string' ? extra['cron-file'] : DEFAULT_CRON_FILE);
  const unitDir = resolve(typeof extra['systemd-dir'] === 'string' ? extra['systemd-dir'] : DEFAULT_SYSTEMD_DIR);
  const service = join(unitDir, `${UNIT}.service`);
  const timer = join(unitDir, `${UNIT}.timer`);
  if (extra.remove === true) {
    const targets = extra.systemd === true ? [timer, service] : [cronPath];
    const removed = targets.filter((p) => existsSync(p));
    for (const p of removed) rmSync(p, { force: true });
    out.write(removed.length ? `removed ${removed.join(', ')}\n` : `nothing to remove (${targets.join(', ')} absent)\n`);
    if (removed.includes(timer)) out.write(`then: systemctl daemon-reload\n`);
    return 0;
  }
  const inventory = resolve(requireInventory(flags));
  loadInventory(inventory); // a schedule of an inventory that does not load would fail every time
  if (typeof extra.every !== 'string') throw new UsageError('missing --every INTERVAL (e.g. --every 15m)');
  const every = parseInterval(extra.every);
  if (typeof every === 'string') throw new UsageError(every);
  const spec: ScheduleSpec = {
    node: process.execPath,
    cli: join(PACKAGE_ROOT, 'bin', 'provision.js'),
    inventory,
    every,
    fix: extra.fix === true,
    ...(typeof extra.textfile === 'string' ? { textfile: resolve(extra.textfile) } : {}),
    log: resolve(typeof extra.log === 'string' ? extra.log : DEFAULT_LOG),
  };
  if (extra.systemd === true) {
    if (extra.print === true) {
      out.write(`# ${service}\n${systemdService(spec)}\n# ${timer}\n${systemdTimer(spec)}`);
      return 0;
    }
    writeAtomic(service, systemdService(spec));
    writeAtomic(timer, systemdTimer(spec));
    out.write(`wrote ${service} and ${timer}\nthen: systemctl daemon-reload && systemctl enable --now ${UNIT}.timer\n`);
    return 0;
  }
  if (extra.print === true) {
    out.write(cronFile(spec));
    return 0;
  }
  writeAtomic(cronPath, cronFile(spec));
  out.write(`wrote ${cronPath}\n`);
  return 0;
}
