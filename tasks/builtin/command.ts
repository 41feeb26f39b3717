/**
 * command: run a program with arguments, without a shell. Every word is quoted and the
 * program is exec'd, so `$VAR`, `;`, `|`, globs and `A=b` prefixes are plain arguments,
 * as in Ansible's command module.
 */
import { sh } from '../../src/connection/quote.ts';
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, type TaskModule } from '../../src/module/task.ts';
import { guardProperties, runGuarded } from './guarded-command.ts';
import { CommandLineError, splitCommandLine } from './split-command.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cmd: { type: 'string', minLength: 1, description: 'The command line; split into words, no shell features.' },
    argv: {
      type: 'array',
      minItems: 1,
      items: { type: 'string' },
      description: 'The program and its arguments as a list; each item is one word, exactly as given.',
    },
    ...guardProperties,
  },
  oneOf: [{ required: ['cmd'] }, { required: ['argv'] }],
} as const satisfies ArgsSchema;

export type CommandArgs = ArgsOf<typeof schema>;

export const command: TaskModule<CommandArgs> = {
  name: 'command',
  description:
    'Runs a program on the host without a shell: the command line is split into words (quotes group words, nothing is expanded) or given as `argv`. Reports changed unless `creates`/`removes` say the work is already done; fails when the exit code is not 0. In check mode it is skipped, unless `creates`/`removes` can tell whether it would run. Registers rc, stdout, stderr, stdout_lines and stderr_lines.',
  freeForm: 'cmd',
  schema,
  examples: [
    `- name: Show the K3s version
  command: k3s --version
  register: k3s_version`,
    `- name: Restart K3s only once after the marker appears
  command:
    argv: [systemctl, restart, k3s]
    removes: /var/lib/provision/restart-needed`,
    `- name: Import the image unless already imported
  command:
    cmd: k3s ctr images import multus.tar
    chdir: /var/lib/provision
    creates: /var/lib/provision/multus.imported`,
  ],
  async run(args, ctx) {
    let words: string[];
    try {
      words = args.argv ?? splitCommandLine(args.cmd ?? '');
    } catch (e) {
      if (e instanceof CommandLineError) return failed(e.message);
      throw e;
    }
    if (words.length === 0) return failed('no command given');
    // exec: the first word is a program even if it looks like a shell keyword or `A=b`.
    return runGuarded(ctx, args, sh`exec ${words}`, args.argv ?? args.cmd);
  },
};
