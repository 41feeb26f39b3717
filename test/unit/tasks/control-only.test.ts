import t from 'tap';
import { fail } from '../../../tasks/builtin/fail.ts';
import { setFact } from '../../../tasks/builtin/set-fact.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

t.test('fail always fails, with the given or default message', async (t) => {
  const c = createTestHostContext();
  t.match(await fail.run({ msg: 'no flannel here' }, c), { failed: true, changed: false, msg: 'no flannel here' });
  t.match(await fail.run({}, c), { failed: true, msg: 'Failed as requested from task' });
  t.equal(c.commands.length, 0);
});

t.test('set_fact returns the variables as facts and reports no change', async (t) => {
  const c = createTestHostContext();
  const res = await setFact.run({ k3s_cni_bin_dir: '/var/lib/rancher/k3s/data/cni', installed: true, list: [1] }, c);
  t.same(res.facts, { k3s_cni_bin_dir: '/var/lib/rancher/k3s/data/cni', installed: true, list: [1] });
  t.match(res, { changed: false, failed: false, msg: 'set k3s_cni_bin_dir, installed, list' });
  t.equal(c.commands.length, 0);
});
