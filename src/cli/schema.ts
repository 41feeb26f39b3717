/** provision schema: JSON Schemas for yaml-language-server (editor validation and completion). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExitCodeValue } from '../errors.ts';
import { UsageError } from '../errors.ts';
import { inventoryJsonSchema } from '../inventory/schema.ts';
import { playbookJsonSchema } from '../playbook/json-schema.ts';
import { registry } from '../../tasks/index.ts';
import { commandHelp } from './help.ts';
import { parseCommand } from './options.ts';

export async function schemaCommand(argv: string[], out: NodeJS.WritableStream): Promise<ExitCodeValue> {
  const { flags, extra, positionals } = parseCommand(argv, { out: { type: 'string' } });
  if (flags.help) {
    out.write(`${commandHelp('schema')}\n`);
    return 0;
  }
  if (positionals.length) throw new UsageError(`schema takes no arguments, got ${positionals.join(' ')}`);
  const schemas = { inventory: inventoryJsonSchema(), playbook: playbookJsonSchema(registry) };
  if (typeof extra.out !== 'string') {
    out.write(`${JSON.stringify(schemas, null, 2)}\n`);
    return 0;
  }
  mkdirSync(extra.out, { recursive: true });
  for (const [name, schema] of Object.entries(schemas)) {
    const file = join(extra.out, `${name}.schema.json`);
    writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
    out.write(`wrote ${file}\n`);
  }
  out.write(`Point yaml-language-server at them, e.g. first line of a playbook:\n# yaml-language-server: $schema=${join(extra.out, 'playbook.schema.json')}\n`);
  return 0;
}
