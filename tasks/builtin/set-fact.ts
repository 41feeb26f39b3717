/** set_fact: set variables for this host for the rest of the run. */
import { ok, type TaskModule } from '../../src/module/task.ts';

export const setFact: TaskModule<Record<string, unknown>> = {
  name: 'set_fact',
  description:
    'Sets each given key as a variable of the current host for the rest of the run (values are templated first). Never reports a change. Runs on the control machine only.',
  controlOnly: true,
  readOnly: true,
  schema: {
    type: 'object',
    description: 'Variable names and their values.',
    minProperties: 1,
    additionalProperties: true,
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  },
  examples: [
    `- name: Remember where K3s keeps its CNI binaries
  set_fact:
    k3s_cni_bin_dir: "{{ k3s_data_dir }}/data/cni"
    multus_installed: true`,
  ],
  async run(args) {
    return { ...ok(`set ${Object.keys(args).join(', ')}`), facts: { ...args } };
  },
};
