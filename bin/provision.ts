/**
 * The thin entry: run a command, map errors to the documented exit codes. The only
 * place that calls process.exit.
 */
import { main } from '../src/cli/main.ts';
import { ExitCode, ProvisionError, UsageError, ValidationError } from '../src/errors.ts';
import { escapeControls } from '../src/report/terminal-safe.ts';

// Error text can quote a node or a file: its control characters are shown, never obeyed.
const say = (text: string) => process.stderr.write(escapeControls(text));

async function entry(): Promise<number> {
  try {
    return await main(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ValidationError) {
      say(`${err.message}\n${err.diagnostics.length} problem(s); nothing was touched.\n`);
      return err.exitCode;
    }
    if (err instanceof UsageError) {
      say(`provision: ${err.message}\nRun 'provision --help' for usage.\n`);
      return err.exitCode;
    }
    if (err instanceof ProvisionError) {
      say(`provision: ${err.message}\n`);
      return err.exitCode;
    }
    say(`provision: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return ExitCode.taskFailed;
  }
}

const code = await entry();
// Let stdout drain before leaving (piped output is asynchronous).
process.stdout.write('', () => process.exit(code));
