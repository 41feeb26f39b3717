/**
 * shell: run a command line through a shell on the host, so pipes, redirections and
 * variables work. The command text is passed to the shell as one quoted argument.
 */
import { sh } from '../../src/connection/quote.ts';
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import type { TaskModule } from '../../src/module/task.ts';
import { guardProperties, runGuarded } from './guarded-command.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['cmd'],
  properties: {
    cmd: { type: 'string', minLength: 1, description: 'The shell command line.' },
    executable: { type: 'string', default: '/bin/sh', description: 'The shell that runs the command.' },
    ...guardProperties,
  },
} as const satisfies ArgsSchema;

export type ShellArgs = ArgsOf<typeof schema>;

export const shell: TaskModule<ShellArgs> = {
  name: 'shell',
  description:
    'Runs a command line through a shell on the host (`executable -c cmd`), for pipes, redirections and variables. Reports changed unless `creates`/`removes` say the work is already done; fails when the exit code is not 0. In check mode it is skipped, unless `creates`/`removes` can tell whether it would run. Registers rc, stdout, stderr, stdout_lines and stderr_lines.',
  freeForm: 'cmd',
  schema,
  examples: [
    `- name: Count CNI configs
  shell: ls /var/lib/rancher/k3s/agent/etc/cni/net.d | wc -l
  register: cni_count`,
    `- name: Save the flannel subnet once
  shell:
    cmd: cat /run/flannel/subnet.env > subnet.env.saved
    chdir: /var/lib/provision
    creates: /var/lib/provision/subnet.env.saved
    executable: /bin/bash`,
  ],
  async run(args, ctx) {
    const executable = args.executable ?? '/bin/sh';
    return runGuarded(ctx, args, sh`exec ${executable} -c ${args.cmd}`, args.cmd);
  },
};
