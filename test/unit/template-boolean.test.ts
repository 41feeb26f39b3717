import t from 'tap';
import { ansibleBoolean, isAnsibleTrue } from '../../src/template/boolean.ts';
import { evaluateExpression } from '../../src/template/index.ts';
import { ValidationError } from '../../src/errors.ts';
import { connectionSettings } from '../../src/inventory/connection-vars.ts';

// ansible/ansible lib/ansible/module_utils/parsing/convert_bool.py: BOOLEANS_TRUE / BOOLEANS_FALSE.
const TRUE = [true, 1, 'y', 'yes', 'on', '1', 'true', 't', 'YES', ' On ', 'True'];
const FALSE = [false, 0, 'n', 'no', 'off', '0', 'false', 'f', 'NO', ' Off ', 'False'];
const NEITHER = ['', 'maybe', 2, -1, null, undefined, [], {}, 'yes please'];

t.test("Ansible's boolean words, strict", async (t) => {
  for (const v of TRUE) t.equal(ansibleBoolean(v), true, JSON.stringify(v));
  for (const v of FALSE) t.equal(ansibleBoolean(v), false, JSON.stringify(v));
  for (const v of NEITHER) t.equal(ansibleBoolean(v), undefined, String(JSON.stringify(v)));
});

t.test('non-strict: everything that is not true is false', async (t) => {
  for (const v of TRUE) t.equal(isAnsibleTrue(v), true, JSON.stringify(v));
  for (const v of [...FALSE, ...NEITHER]) t.equal(isAnsibleTrue(v), false, String(JSON.stringify(v)));
});

t.test("the bool filter is Ansible's to_bool, narrower than the connection rules", async (t) => {
  // lib/ansible/plugins/filter/core.py: only 'yes', 'on', '1', 'true' (any case) and 1 are true.
  for (const v of [true, 1, 'yes', 'On', '1', 'TRUE']) t.equal(evaluateExpression('v | bool', { v }), true, JSON.stringify(v));
  for (const v of [...FALSE, 'y', 't', ' on ', 2]) t.equal(evaluateExpression('v | bool', { v }), false, JSON.stringify(v));
});

t.test('connection variables: strict, a word that is no boolean is refused', async (t) => {
  const become = (v: unknown) =>
    connectionSettings({ name: 'n1', vars: { ansible_become: v }, groups: ['all'], position: { file: 'inv.yaml', line: 1, col: 1 } }).become.enabled;
  for (const v of TRUE) t.equal(become(v), true, JSON.stringify(v));
  for (const v of FALSE) t.equal(become(v), false, JSON.stringify(v));
  for (const v of ['maybe', 2, 'yes please']) t.throws(() => become(v), ValidationError, JSON.stringify(v));
});
