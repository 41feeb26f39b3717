/** Dispatch argv to a command. Errors propagate to bin/provision.ts, which maps them to exit codes. */
import { UsageError, type ExitCodeValue } from '../errors.ts';
import { commandHelp, mainHelp } from './help.ts';

type Command = (argv: string[], out: NodeJS.WritableStream) => Promise<ExitCodeValue>;

/**
 * Each command's module is imported only when that command runs: `--help`, `validate` and
 * `schema` then start without loading the SSH, process and terminal libraries the others
 * need (start-up is most of a short command's time; `npm run bench` measures it).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.ts')).runCommand,
  validate: async () => (await import('./validate.ts')).validateCommand,
  schema: async () => (await import('./schema.ts')).schemaCommand,
  manifest: async () => (await import('./manifest.ts')).manifestCommand,
  install: async () => (await import('./install.ts')).installCommand,
  smoke: async () => (await import('./install.ts')).smokeCommand,
  config: async () => (await import('./config.ts')).configCommand,
  drift: async () => (await import('./drift.ts')).driftCommand,
  schedule: async () => (await import('./schedule.ts')).scheduleCommand,
  rollback: async () => (await import('./rollback.ts')).rollbackCommand,
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
  return (await command())(rest, out);
}
