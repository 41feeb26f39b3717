/** debug: print a message or the value of an expression. */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { ok, type TaskModule } from '../../src/module/task.ts';
import { evaluateExpression, UndefinedVariableError } from '../../src/template/index.ts';

const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined');

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    msg: { description: 'The message; any value (lists and mappings are shown as JSON).' },
    var: { type: 'string', minLength: 1, description: 'An expression whose value is shown, e.g. `result.stdout_lines`.' },
  },
  not: { required: ['msg', 'var'] },
} as const satisfies ArgsSchema;

export type DebugArgs = ArgsOf<typeof schema>;

export const debug: TaskModule<DebugArgs> = {
  name: 'debug',
  description:
    'Shows `msg` (any value, templated as usual) or the value of the expression `var` (no `{{ }}` needed; an undefined variable shows `VARIABLE IS NOT DEFINED!`, as in Ansible). Registers `msg`. Runs on the control machine only.',
  controlOnly: true,
  readOnly: true,
  rawArgs: ['var'],
  freeForm: 'msg',
  schema,
  examples: [
    `- name: Show the CNI bin dir
  debug:
    msg: "CNI binaries are in {{ k3s_cni_bin_dir }}"`,
    `- name: Show what stat found
  debug:
    var: host_local.stat`,
  ],
  async run(args, ctx) {
    if (args.var !== undefined) {
      let value: unknown;
      try {
        value = evaluateExpression(args.var, ctx.vars);
      } catch (e) {
        if (!(e instanceof UndefinedVariableError)) throw e;
        value = 'VARIABLE IS NOT DEFINED!';
      }
      return { ...ok(`${args.var}: ${asText(value)}`, { msg: value }), show: true };
    }
    const msg = args.msg === undefined ? 'Hello world!' : args.msg;
    return { ...ok(asText(msg), { msg }), show: true };
  },
};
