/**
 * How many runs a property test makes. `npm test` (the developer loop, which must stay
 * under 150 s on two cores) runs a quarter of each property's runs, at least 5;
 * `npx projen test:deep` (`MESH_LADDER_DEEP=1`, run by `.ci/run`) runs the full count the
 * test names. Seeds stay fixed either way, so a failure reproduces with the same command.
 */
export const DEEP = process.env.MESH_LADDER_DEEP === '1';

/** The runs to make of a property written for `full` runs. */
export function propertyRuns(full: number): number {
  return DEEP ? full : Math.max(5, Math.ceil(full / 4));
}
