/**
 * Commands that run one of the bundled playbooks (install, smoke, …): the same flags as
 * `provision run`, the playbook chosen by the command's name.
 */
import { UsageError, type ExitCodeValue } from '../errors.ts';
import { executePlaybook } from './execute.ts';
import { commandHelp } from './help.ts';
import { loadInputs } from './load-inputs.ts';
import { parseCommand, requireInventory, type OptionSpec } from './options.ts';
import { bundledPlaybook } from './paths.ts';

export interface BundledRun {
  /** Playbooks run in order; a later one runs only when the earlier ones succeeded. */
  playbooks: string[];
  /** Variables the command's own flags set (`--force`); they win over -e. */
  extraVars?: Record<string, unknown>;
}

export function bundledPlaybookCommand<E extends OptionSpec>(
  name: string,
  extraOptions: E,
  choose: (extra: Record<string, unknown>) => BundledRun,
) {
  return async (argv: string[], out: NodeJS.WritableStream): Promise<ExitCodeValue> => {
    const { flags, extra, positionals } = parseCommand(argv, extraOptions);
    if (flags.help) {
      out.write(`${commandHelp(name)}\n`);
      return 0;
    }
    if (positionals.length) throw new UsageError(`${name} takes no arguments, got ${positionals.join(' ')}`);
    const run = choose(extra as Record<string, unknown>);
    const files = run.playbooks.map(bundledPlaybook);
    if (run.extraVars) flags.extraVars = { ...flags.extraVars, ...run.extraVars };
    // Every playbook is validated before the first one touches a host.
    const { inventory, playbooks } = loadInputs(requireInventory(flags), files);
    // The run's code is the first playbook's that was not 0; in check mode pending changes
    // (2) do not stop the later playbooks from being planned too.
    let code: ExitCodeValue = 0;
    for (const playbook of playbooks) {
      const result = (await executePlaybook({ flags, inventory, playbook })).exitCode;
      if (code === 0 || (code === 2 && result !== 0 && result !== 2)) code = result;
      if (result !== 0 && !(flags.check && result === 2)) break;
    }
    return code;
  };
}
