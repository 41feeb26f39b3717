import t from 'tap';
import { validatorFor } from '../../src/source/schema-check.ts';
import { registry } from '../../tasks/index.ts';

t.test('one compile per schema: the same schema object gives the same validator', async (t) => {
  const schema = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };
  const first = validatorFor(schema);
  t.equal(validatorFor(schema), first, 'cached by the schema object');
  t.not(validatorFor({ ...schema }), first, 'another object is another schema');
  t.equal(first({ a: 'x' }), true);
  t.equal(first({ a: 1 }), false);
  t.equal(first({ b: 'x' }), false);
  for (const m of Object.values(registry)) t.equal(validatorFor(m.schema), validatorFor(m.schema), `${m.name}: compiled once`);
});
