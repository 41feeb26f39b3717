/** provision drift -i INVENTORY [--fix] [--quiet] [--json] [--textfile DIR] */
import { statSync } from 'node:fs';
import { UsageError, type ExitCodeValue } from '../errors.ts';
import { commandHelp } from './help.ts';
import { parseCommand, requireInventory } from './options.ts';
import { runDrift } from '../drift/run.ts';
import { driftJson } from '../drift/json-report.ts';
import { renderDriftText } from '../drift/text-report.ts';
import { writeDriftTextfile } from '../drift/metrics.ts';

const options = {
  fix: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  textfile: { type: 'string' },
} as const;

export async function driftCommand(argv: string[], out: NodeJS.WritableStream): Promise<ExitCodeValue> {
  const { flags, extra, positionals } = parseCommand(argv, options);
  if (flags.help) {
    out.write(`${commandHelp('drift')}\n`);
    return 0;
  }
  if (positionals.length) throw new UsageError(`drift takes no arguments, got ${positionals.join(' ')}`);
  if (flags.tags || flags.skipTags) throw new UsageError('drift checks everything: --tags and --skip-tags do not apply');
  const inventoryFile = requireInventory(flags);
  const textfile = typeof extra.textfile === 'string' ? extra.textfile : undefined;
  if (textfile !== undefined && !statSync(textfile, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--textfile ${textfile}: not a directory`);
  }
  const run = await runDrift({ inventoryFile, flags, fix: extra.fix === true });
  if (textfile !== undefined) {
    await writeDriftTextfile(textfile, run.outcome, {
      startedAt: Math.floor(run.startedAt / 1000),
      durationSeconds: run.durationMs / 1000,
      inventory: inventoryFile,
    });
  }
  const code = run.outcome.exit_code;
  if (extra.quiet === true && code === 0) return code;
  out.write(flags.json ? driftJson(run, inventoryFile) : renderDriftText(run.outcome, run.fix));
  return code;
}
