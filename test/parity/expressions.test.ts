/**
 * Expressions as ansible-core 2.14 evaluates them, side by side with provision: every case in
 * test/parity/cases/expressions runs in one ansible-playbook process (Ansible starts slowly)
 * and one provision run, and must come out the same, or differ where the case says why.
 */
import t from 'tap';
import { join } from 'node:path';
import { loadCases, runAnsibleCases, runProvisionCases, sameOutcome } from './differential.ts';

const dir = join(import.meta.dirname, 'cases', 'expressions');
const { cases, vars } = loadCases(dir);
// As `-e e_false=false -e e_zero=0` gives them: text.
const extraVars = { e_false: 'false', e_zero: '0' };

t.test('every expression case against ansible-core 2.14', async (t) => {
  const [ansible, provision] = await Promise.all([runAnsibleCases(cases, vars, extraVars), runProvisionCases(cases, vars, extraVars)]);
  let differing = 0;
  for (const c of cases) {
    const a = ansible.get(c.id);
    const p = provision.get(c.id);
    const same = sameOutcome(c, a, p);
    const shown = `ansible ${JSON.stringify(a)} provision ${JSON.stringify(p)}`;
    if (c.differs) {
      differing++;
      t.notOk(same, `${c.id}: meant to differ (${c.differs}); ${shown}`);
    } else {
      t.ok(same, `${c.id}: ${shown}`);
    }
  }
  t.comment(`${cases.length} expression cases, ${differing} meant to differ`);
});
