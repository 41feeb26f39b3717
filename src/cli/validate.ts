/** provision validate -i INVENTORY [PLAYBOOK…]: check everything, contact nothing. */
import type { ExitCodeValue } from '../errors.ts';
import { commandHelp } from './help.ts';
import { loadInputs } from './load-inputs.ts';
import { parseCommand, requireInventory } from './options.ts';
import { bundledPlaybooks } from './paths.ts';
import { leafTasks } from '../playbook/types.ts';

export async function validateCommand(argv: string[], out: NodeJS.WritableStream): Promise<ExitCodeValue> {
  const { flags, positionals } = parseCommand(argv);
  if (flags.help) {
    out.write(`${commandHelp('validate')}\n`);
    return 0;
  }
  const files = positionals.length ? positionals : bundledPlaybooks();
  const { inventory, playbooks } = loadInputs(requireInventory(flags), files);
  const tasks = playbooks.reduce((n, p) => n + p.plays.reduce((m, play) => m + leafTasks(play.tasks).length + play.handlers.length, 0), 0);
  out.write(`ok: ${inventory.file}: ${inventory.hosts.length} hosts, ${Object.keys(inventory.groups).length} groups\n`);
  for (const p of playbooks) out.write(`ok: ${p.file}: ${p.plays.length} plays\n`);
  out.write(`valid: ${playbooks.length} playbooks, ${tasks} tasks\n`);
  return 0;
}
