import t from 'tap';
import { exceedsFailPercentage, planBatches } from '../../../src/engine/batches.ts';

const hosts = ['a', 'b', 'c', 'd', 'e'];

t.test('no serial: one batch with every host', async (t) => {
  t.same(planBatches(hosts), [hosts]);
  t.same(planBatches([]), []);
});

t.test('serial as a number, a percentage and a list whose last entry repeats', async (t) => {
  t.same(planBatches(hosts, [2]), [['a', 'b'], ['c', 'd'], ['e']]);
  t.same(planBatches(hosts, ['40%']), [['a', 'b'], ['c', 'd'], ['e']]);
  t.same(planBatches(hosts, ['10%']), [['a'], ['b'], ['c'], ['d'], ['e']], 'a percentage never rounds to zero hosts');
  t.same(planBatches(hosts, [1, 3]), [['a'], ['b', 'c', 'd'], ['e']]);
  t.same(planBatches(hosts, [1, '50%']), [['a'], ['b', 'c'], ['d', 'e']]);
});

t.test('max_fail_percentage aborts only when exceeded', async (t) => {
  t.equal(exceedsFailPercentage(1, 4, 25), false);
  t.equal(exceedsFailPercentage(2, 4, 25), true);
  t.equal(exceedsFailPercentage(1, 4, 0), true);
  t.equal(exceedsFailPercentage(4, 4, undefined), false);
});
