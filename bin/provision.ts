/**
 * The thin entry: run a command, map errors to the documented exit codes. The only
 * place that calls process.exit.
 */
import { main } from '../src/cli/main.ts';
import { ExitCode, ProvisionError, UsageError, ValidationError } from '../src/errors.ts';

async function entry(): Promise<number> {
  try {
    return await main(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ValidationError) {
      process.stderr.write(`${err.message}\n${err.diagnostics.length} problem(s); nothing was touched.\n`);
      return err.exitCode;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`provision: ${err.message}\nRun 'provision --help' for usage.\n`);
      return err.exitCode;
    }
    if (err instanceof ProvisionError) {
      process.stderr.write(`provision: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`provision: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return ExitCode.taskFailed;
  }
}

const code = await entry();
// Let stdout drain before leaving (piped output is asynchronous).
process.stdout.write('', () => process.exit(code));
