/** Dispatch argv to a command. Errors propagate to bin/provision.ts, which maps them to exit codes. */
import { UsageError, type ExitCodeValue } from '../errors.ts';
import { commandHelp, mainHelp } from './help.ts';
import { installCommand, smokeCommand } from './install.ts';
import { manifestCommand } from './manifest.ts';
import { rollbackCommand } from './rollback.ts';
import { runCommand } from './run.ts';
import { schemaCommand } from './schema.ts';
import { validateCommand } from './validate.ts';

type Command = (argv: string[], out: NodeJS.WritableStream) => Promise<ExitCodeValue>;

const COMMANDS: Record<string, Command> = {
  run: runCommand,
  validate: validateCommand,
  schema: schemaCommand,
  manifest: manifestCommand,
  install: installCommand,
  smoke: smokeCommand,
  rollback: rollbackCommand,
};

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<ExitCodeValue> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    out.write(`${mainHelp()}\n`);
    return name === undefined ? 4 : 0;
  }
  if (name === 'help') {
    out.write(`${rest[0] ? commandHelp(rest[0]) : mainHelp()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
  return command(rest, out);
}

export function registerCommand(name: string, command: Command): void {
  COMMANDS[name] = command;
}
