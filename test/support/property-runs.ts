/**
 * How many runs a property test makes. `npm test` (the developer loop, which must stay
 * under 150 s on two cores) runs a quarter of each property's runs, at least 5;
 * `npx projen test:deep` (`MESH_LADDER_DEEP=1`, run by `.ci/run`) runs the full count the
 * test names. Seeds stay fixed either way, so a failure reproduces with the same command.
 */
export const DEEP = process.env.MESH_LADDER_DEEP === '1';

/** The runs to make of a property written for `full` runs (at least `min` in `npm test`). */
export function propertyRuns(full: number, min = 5): number {
  return DEEP ? full : Math.min(full, Math.max(min, Math.ceil(full / 4)));
}

/**
 * The cases of an exhaustive example test to run: all of them in the deep run, every
 * `stride`-th in `npm test` (a fixed, spread-out subset; the deep run covers the rest).
 */
export function exampleCases<T>(cases: readonly T[], stride: number): T[] {
  return DEEP ? [...cases] : cases.filter((_, i) => i % stride === 0);
}
