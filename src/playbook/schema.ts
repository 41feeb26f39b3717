/**
 * JSON Schema of a playbook's keywords: a list of plays, each with tasks and handlers.
 * A task is its keywords plus exactly one module key; module keys are open here
 * (`additionalProperties`) and checked against the task registry by load.ts, which also
 * validates each module's arguments with that module's own schema.
 */
import type { JsonSchema } from '../module/task.ts';

const condition = (what: string): JsonSchema => ({
  description: `${what} An expression (e.g. \`result.rc == 0\`; \`{{ }}\` around it is tolerated), a boolean, or a list of them that must all be true.`,
  anyOf: [{ type: 'string', minLength: 1 }, { type: 'boolean' }, { type: 'array', items: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'boolean' }] } }],
});

const stringOrList = (description: string): JsonSchema => ({
  description,
  anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 } }],
});

const vars: JsonSchema = {
  type: 'object',
  description: 'Variables for this scope; values may use {{ }} templates.',
  propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
};

/** Keywords valid on every task and handler (the module key comes on top). */
export const taskKeywordSchemas: Record<string, JsonSchema> = {
  name: { type: 'string', description: 'What the task does, shown in the output. Defaults to the module name and a summary of its arguments.' },
  when: condition('Run the task on a host only when this holds; otherwise it is reported as skipped.'),
  register: {
    type: 'string',
    pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
    description: 'Store the task result (changed, failed, skipped, msg, rc, stdout, …) in this host variable.',
  },
  become: {
    type: ['boolean', 'string'],
    description:
      'Run the task\'s commands as another user (root unless become_user says otherwise), via sudo. A template ("{{ kubeconfig is not defined }}") is evaluated per host.',
  },
  become_user: { type: 'string', minLength: 1, description: 'The user become switches to (default root).' },
  run_once: { type: 'boolean', description: 'Run on the first host of the batch only; the result is shared with every host.' },
  delegate_to: { type: 'string', minLength: 1, description: 'Run the task on this inventory host (or `localhost`) instead of the current one, with the current host\'s variables.' },
  tags: stringOrList('Tags for --tags / --skip-tags selection. The play\'s tags are added to every task.'),
  loop: {
    description: 'Run the task once per item of this list (or a template giving one), with the item as `item` (see loop_control); `register` holds `results`, one per item.',
    anyOf: [{ type: 'array' }, { type: 'string', pattern: '\\{\\{' }],
  },
  loop_control: {
    type: 'object',
    additionalProperties: false,
    description: 'How a loop names its item: `loop_var` (default `item`), `index_var` (0-based position), `label` (what the output shows per item).',
    properties: {
      loop_var: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'The variable holding the item.' },
      index_var: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'A variable holding the item\'s 0-based index.' },
      label: { type: 'string', description: 'What is shown per item instead of the whole item (templated).' },
    },
  },
  retries: { type: 'integer', minimum: 0, description: 'With until: how many times to retry before failing.' },
  until: condition('Retry the task (see retries, delay) until this holds; the registered result is visible to it.'),
  delay: { type: 'number', minimum: 0, description: 'Seconds to wait between retries.' },
  failed_when: condition('Decide failure yourself: the task fails exactly when this holds (the registered result is visible).'),
  changed_when: condition('Decide "changed" yourself: the task reports changed exactly when this holds (false for read-only commands).'),
  ignore_errors: { type: 'boolean', description: 'A failure of this task is reported but does not stop the host.' },
  any_errors_fatal: { type: 'boolean', description: 'A failure of this task on any host ends the play for every host.' },
  notify: stringOrList('Handlers (by name or listen topic) to run at the end of the play when this task reports changed.'),
  vars,
  no_log: { type: 'boolean', description: 'Hide this task\'s arguments and output (messages, diffs, registered values) from every log and report.' },
  args: {
    type: 'object',
    description: 'Extra module arguments, merged into the module\'s own (useful with a free-form module: `shell: make` plus `args: {chdir: /src}`).',
  },
};

export const handlerKeywordSchemas: Record<string, JsonSchema> = {
  ...taskKeywordSchemas,
  listen: stringOrList('Extra topics this handler answers to in notify, besides its name.'),
};

export const TASK_KEYWORDS = new Set(Object.keys(taskKeywordSchemas));
export const HANDLER_KEYWORDS = new Set(Object.keys(handlerKeywordSchemas));

const batch: JsonSchema[] = [
  { type: 'integer', minimum: 1 },
  { type: 'string', pattern: '^(100|[1-9][0-9]?)%$' },
];

export const playKeywordSchemas: Record<string, JsonSchema> = {
  name: { type: 'string', description: 'What the play does, shown in the output. Defaults to its host pattern.' },
  hosts: {
    description: 'Which inventory hosts the play runs on: a host or group name, a pattern (`server:&ready`, `all:!db1`, `node*`), or a list of them.',
    anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }],
  },
  vars: { ...vars, description: 'Play variables: override inventory variables, overridden by task vars and registered results.' },
  // Tasks and handlers are checked one by one (taskSchema, handlerSchema) so messages can name them.
  tasks: { type: 'array', description: 'The tasks, run in order, each on all hosts of the batch before the next.' },
  handlers: {
    type: 'array',
    description: 'Tasks run once at the end of the play, on the hosts where a task notified them and reported changed.',
  },
  serial: {
    description: 'Rolling updates: run the whole play on batches of this many hosts (a number or "30%"); a list gives successive batch sizes, the last one repeating.',
    anyOf: [...batch, { type: 'array', minItems: 1, items: { anyOf: batch } }],
  },
  max_fail_percentage: {
    type: 'number',
    minimum: 0,
    maximum: 100,
    description: 'Abort the play when more than this percentage of a batch\'s hosts failed.',
  },
  any_errors_fatal: { type: 'boolean', description: 'Abort the whole play as soon as any host fails a task.' },
  become: { type: 'boolean', description: 'Default become for every task of the play.' },
  become_user: { type: 'string', minLength: 1, description: 'Default become_user for every task of the play.' },
  vars_files: {
    description: 'Files of variables (YAML mappings), relative to the playbook; they override `vars`.',
    anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 } }],
  },
  gather_facts: {
    type: 'boolean',
    description: 'Accepted for Ansible compatibility and ignored: facts are read by the tasks that need them, never gathered up front.',
  },
  tags: stringOrList('Tags added to every task of the play.'),
};

export const taskSchema: JsonSchema = taskObject(taskKeywordSchemas);
export const handlerSchema: JsonSchema = taskObject(handlerKeywordSchemas);

/** One play; its tasks and handlers are checked one by one against taskSchema / handlerSchema. */
export const playSchema: JsonSchema = {
  type: 'object',
  required: ['hosts'],
  additionalProperties: false,
  properties: playKeywordSchemas,
};

/** The file: a list of plays. Each play is checked against playSchema. */
export const playbookSchema: JsonSchema = {
  type: 'array',
  minItems: 1,
  description: 'A playbook: a list of plays.',
  items: {},
};

/** Keywords typed; every other key is a module name, resolved against the registry by load.ts. */
function taskObject(keywords: Record<string, JsonSchema>): JsonSchema {
  return { type: 'object', properties: keywords, additionalProperties: true };
}
