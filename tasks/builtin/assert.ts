/** assert: check expressions against the host's variables; fail with a clear message if one is false. */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, ok, type TaskModule } from '../../src/module/task.ts';
import { evaluateCondition, TemplateError, UndefinedVariableError } from '../../src/template/index.ts';

const expressionSchema = { type: ['string', 'boolean'] } as const;

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['that'],
  properties: {
    that: {
      anyOf: [expressionSchema, { type: 'array', minItems: 1, items: expressionSchema }],
      description: 'An expression, or a list of expressions that must all be true.',
    },
    fail_msg: { type: 'string', description: 'Message when an assertion fails.' },
    msg: { type: 'string', description: 'Same as fail_msg (Ansible alias).' },
    success_msg: { type: 'string', description: 'Message when all assertions pass.' },
    quiet: { type: 'boolean', default: false, description: 'Report nothing when all assertions pass.' },
  },
} as const satisfies ArgsSchema;

export type AssertArgs = ArgsOf<typeof schema>;

export const assert: TaskModule<AssertArgs> = {
  name: 'assert',
  description:
    'Evaluates each expression in `that` (no `{{ }}` needed) against the host\'s variables, in order; the task fails at the first one that is false or uses an undefined variable, with `fail_msg` or a message naming the expression. Runs on the control machine only.',
  controlOnly: true,
  readOnly: true,
  rawArgs: ['that'],
  schema,
  examples: [
    `- name: K3s data dir is absolute
  assert:
    that:
      - k3s_data_dir is defined
      - k3s_data_dir[0:1] == '/'
    fail_msg: "k3s_data_dir must be an absolute path"`,
    `- name: Multus image is pinned
  assert:
    that: "':snapshot' not in multus_image"
    success_msg: image is pinned
    quiet: true`,
  ],
  async run(args, ctx) {
    const conditions = Array.isArray(args.that) ? args.that : [args.that];
    const failMsg = args.fail_msg ?? args.msg;
    for (const condition of conditions) {
      const assertion = String(condition);
      let holds: boolean;
      try {
        holds = evaluateCondition(condition, ctx.vars);
      } catch (e) {
        if (e instanceof UndefinedVariableError) {
          return failed(`${failMsg ? `${failMsg}: ` : ''}assertion '${assertion}' uses undefined variable ${e.variable}`, {
            assertion,
            evaluated_to: false,
          });
        }
        if (e instanceof TemplateError) return failed(`assertion '${assertion}' cannot be evaluated: ${e.message}`, { assertion });
        throw e;
      }
      if (!holds) return failed(failMsg ?? `Assertion failed: ${assertion}`, { assertion, evaluated_to: false });
    }
    return ok(args.success_msg ?? (args.quiet ? '' : 'All assertions passed'));
  },
};
