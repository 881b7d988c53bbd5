import { EXAMPLES, expectSafePlan, pairs } from './plan-pairs-support';
import { exampleCases } from '../support/property-runs';

// Every ordered pair down the ladder on both examples (the other half: plan-pairs-forward.test.ts).
// `npm test` plans every other pair on the shop; `test:deep` (CI) all of them.
describe.each(EXAMPLES)('rollback: every ordered pair on the %s example', (name, catalog) => {
  test.each(name === 'shop' ? exampleCases(pairs('rollback'), 2) : pairs('rollback'))('%s -> %s: every step OK, nothing beyond the ends, the rollout between its allowances', (from, to) => {
    expectSafePlan(catalog, from, to);
  });
});
