/** provision run PLAYBOOK -i INVENTORY */
import { UsageError, type ExitCodeValue } from '../errors.ts';
import { executePlaybook } from './execute.ts';
import { loadInputs } from './load-inputs.ts';
import { commandHelp } from './help.ts';
import { parseCommand, requireInventory } from './options.ts';

export async function runCommand(argv: string[], out: NodeJS.WritableStream): Promise<ExitCodeValue> {
  const { flags, positionals } = parseCommand(argv);
  if (flags.help) {
    out.write(`${commandHelp('run')}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('run takes exactly one PLAYBOOK');
  const { inventory, playbooks } = loadInputs(requireInventory(flags), positionals);
  const summary = await executePlaybook({ flags, inventory, playbook: playbooks[0] });
  return summary.exitCode;
}
