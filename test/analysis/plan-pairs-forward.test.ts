import { EXAMPLES, expectSafePlan, pairs } from './plan-pairs-support';

// Every ordered pair up the ladder on both examples (the other half: plan-pairs-rollback.test.ts).
describe.each(EXAMPLES)('forward: every ordered pair on the %s example', (_name, catalog) => {
  test.each(pairs('forward'))('%s -> %s: every step OK, nothing beyond the ends, the rollout between its allowances', (from, to) => {
    expectSafePlan(catalog, from, to);
  });
});
