import t from 'tap';
import { assert } from '../../../tasks/builtin/assert.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

const vars = { k3s_data_dir: '/var/lib/rancher/k3s', nodes: ['a', 'b'], ready: false };
const ctx = () => createTestHostContext({ vars });

t.test('all true: passes with the default or given message', async (t) => {
  const c = ctx();
  t.match(await assert.run({ that: ['k3s_data_dir is defined', "k3s_data_dir[0:1] == '/'", true] }, c), {
    failed: false,
    changed: false,
    msg: 'All assertions passed',
  });
  t.match(await assert.run({ that: "'a' in nodes", success_msg: 'nodes ok' }, c), { failed: false, msg: 'nodes ok' });
  t.match(await assert.run({ that: 'nodes | length == 2', quiet: true }, c), { failed: false, msg: '' });
  t.equal(c.commands.length, 0, 'never touches the host');
});

t.test('the first false expression fails, named in the message', async (t) => {
  const res = await assert.run({ that: ['k3s_data_dir is defined', 'ready', 'nodes | length == 9'] }, ctx());
  t.match(res, { failed: true, msg: 'Assertion failed: ready', data: { assertion: 'ready', evaluated_to: false } });
  t.match(await assert.run({ that: 'ready', fail_msg: 'node is not ready' }, ctx()), { failed: true, msg: 'node is not ready' });
  t.match(await assert.run({ that: false, msg: 'alias works' }, ctx()), { failed: true, msg: 'alias works' });
});

t.test('an undefined variable fails with its name', async (t) => {
  const res = await assert.run({ that: ['k3s_data_dir is defined', 'multus_image.tag == "v4"'] }, ctx());
  t.match(res, { failed: true, msg: /^assertion 'multus_image\.tag == "v4"' uses undefined variable multus_image/ });
  const withMsg = await assert.run({ that: 'multus_image', fail_msg: 'set multus_image' }, ctx());
  t.match(withMsg, { failed: true, msg: /^set multus_image: assertion 'multus_image' uses undefined variable multus_image$/ });
  const guarded = await assert.run({ that: 'multus_image is not defined' }, ctx());
  t.equal(guarded.failed, false, '`is defined` guards work');
  const unguarded = await assert.run({ that: 'multus_image is defined' }, ctx());
  t.match(unguarded, { failed: true, msg: 'Assertion failed: multus_image is defined' }, 'a guard that is false is a plain failure');
});

t.test('an expression that cannot be evaluated fails clearly', async (t) => {
  const res = await assert.run({ that: 'nodes +' }, ctx());
  t.match(res, { failed: true, msg: /^assertion 'nodes \+' cannot be evaluated: / });
});
