import { EXAMPLES, expectSafePlan, pairs } from './plan-pairs-support';

// Every ordered pair down the ladder on both examples (the other half: plan-pairs-forward.test.ts).
describe.each(EXAMPLES)('rollback: every ordered pair on the %s example', (_name, catalog) => {
  test.each(pairs('rollback'))('%s -> %s: every step OK, nothing beyond the ends, the rollout between its allowances', (from, to) => {
    expectSafePlan(catalog, from, to);
  });
});
