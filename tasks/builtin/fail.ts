/** fail: stop this host with a message (usually under `when`). */
import type { ArgsOf, ArgsSchema } from '../../src/module/args.ts';
import { failed, type TaskModule } from '../../src/module/task.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    msg: { type: 'string', default: 'Failed as requested from task', description: 'The failure message.' },
  },
} as const satisfies ArgsSchema;

export type FailArgs = ArgsOf<typeof schema>;

export const fail: TaskModule<FailArgs> = {
  name: 'fail',
  description: 'Fails the task with `msg`; combine with `when` to stop a host on a condition. Runs on the control machine only.',
  controlOnly: true,
  readOnly: true,
  freeForm: 'msg',
  schema,
  examples: [
    `- name: Refuse clusters without Flannel
  fail:
    msg: "this node does not run Flannel ({{ cni_conf }})"
  when: "'flannel' not in cni_conf"`,
  ],
  async run(args) {
    return failed(args.msg ?? 'Failed as requested from task');
  },
};
