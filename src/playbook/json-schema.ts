/**
 * A standalone JSON Schema (draft-07) of playbooks for editors running yaml-language-server:
 * completion and hover for every keyword and module, and argument checks per module.
 * Point an editor at it with `# yaml-language-server: $schema=playbook.schema.json`.
 */
import type { JsonSchema, TaskModule } from '../module/task.ts';
import { handlerKeywordSchemas, playKeywordSchemas, playSchema, taskKeywordSchemas } from './schema.ts';

export function playbookJsonSchema(registry: Record<string, TaskModule>): JsonSchema {
  const names = Object.keys(registry).sort();
  const modules: Record<string, JsonSchema> = {};
  const moduleKeys: Record<string, JsonSchema> = {};
  for (const name of names) {
    modules[name] = moduleSchema(registry[name]);
    moduleKeys[name] = { $ref: `#/definitions/modules/${name}` };
    moduleKeys[`ansible.builtin.${name}`] = { $ref: `#/definitions/modules/${name}` };
  }
  // Exactly one module key per task (either spelling).
  const oneModule = { oneOf: Object.keys(moduleKeys).map((key) => ({ required: [key] })) };
  const task = (keywords: Record<string, JsonSchema>, description: string): JsonSchema => ({
    type: 'object',
    description,
    properties: { ...keywords, ...moduleKeys },
    additionalProperties: false,
    ...(names.length ? oneModule : {}),
  });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'provision playbook',
    description: 'A list of plays. Each play runs its tasks, in order, on the hosts its pattern selects.',
    type: 'array',
    minItems: 1,
    items: { $ref: '#/definitions/play' },
    definitions: {
      play: {
        ...playSchema,
        description: 'A play: hosts, variables, tasks and handlers.',
        properties: {
          ...playKeywordSchemas,
          tasks: { ...playKeywordSchemas.tasks, items: { $ref: '#/definitions/task' } },
          handlers: { ...playKeywordSchemas.handlers, items: { $ref: '#/definitions/handler' } },
        },
      },
      task: task(taskKeywordSchemas, 'A task: keywords plus exactly one module with its arguments.'),
      handler: task(handlerKeywordSchemas, 'A handler: a task that runs at the end of the play when notified.'),
      modules,
    },
  };
}

/** The module's argument schema, plus a plain string when it has a free-form argument, plus null when nothing is required. */
function moduleSchema(module: TaskModule): JsonSchema {
  const { $schema: _schema, $id: _id, description: _description, ...args } = module.schema;
  const variants: JsonSchema[] = [args];
  let description = module.description;
  if (module.freeForm) {
    variants.push({ type: 'string' });
    description += `\n\nA plain string is the \`${module.freeForm}\` argument.`;
  }
  // `ping:` with nothing after it means "no arguments".
  const required = Array.isArray(args.required) ? args.required : [];
  if (!required.length) variants.push({ type: 'null' });
  return variants.length === 1 ? { ...args, description } : { description, anyOf: variants };
}
