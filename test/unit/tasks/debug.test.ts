import t from 'tap';
import { debug } from '../../../tasks/builtin/debug.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

const vars = { result: { stdout_lines: ['a', 'b'], rc: 0 }, name: 'node1' };

t.test('msg: strings as is, other values as JSON', async (t) => {
  const c = createTestHostContext({ vars });
  t.match(await debug.run({ msg: 'hello node1' }, c), { failed: false, changed: false, msg: 'hello node1', data: { msg: 'hello node1' } });
  t.match(await debug.run({ msg: [1, { a: 2 }] }, c), { msg: '[1,{"a":2}]', data: { msg: [1, { a: 2 }] } });
  t.match(await debug.run({}, c), { msg: 'Hello world!' });
  t.equal(c.commands.length, 0);
});

t.test('var: evaluates the expression against the host variables', async (t) => {
  const c = createTestHostContext({ vars });
  t.match(await debug.run({ var: 'result.stdout_lines' }, c), { msg: 'result.stdout_lines: ["a","b"]', data: { msg: ['a', 'b'] } });
  t.match(await debug.run({ var: 'result.rc + 1' }, c), { msg: 'result.rc + 1: 1' });
  t.match(await debug.run({ var: 'nothing.here' }, c), { failed: false, msg: 'nothing.here: VARIABLE IS NOT DEFINED!' });
});
