/** The rungs of the ladder. Each phase has a backend folder under src/phases/. */
export enum Phase {
  /** Kubernetes NetworkPolicy and cert-manager app-level TLS; no mesh. */
  BASELINE = 'baseline',
}

/** Every phase, in ladder order. */
export const ALL_PHASES: readonly Phase[] = [Phase.BASELINE];

/** Parses a phase name (as written on the command line or in YAML). */
export function parsePhase(name: string): Phase | undefined {
  return ALL_PHASES.find(p => p === name);
}
