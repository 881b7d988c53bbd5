/** The rungs of the ladder. Each phase has a backend folder under src/phases/. */
export enum Phase {
  /** Kubernetes NetworkPolicy and cert-manager app-level TLS; no mesh. */
  BASELINE = 'baseline',
  /** CiliumNetworkPolicy with L7 HTTP rules, DNS-name egress and optional mutual auth; no mesh. */
  CILIUM = 'cilium',
  /** Linkerd: injection, identity authorization per port and route, canary splits, safe retries; L4 underneath. */
  LINKERD = 'linkerd',
  /** Istio sidecars: mTLS, identity authorization, explicit safe retries, canaries, egress scoping. */
  ISTIO = 'istio',
}

/** Every phase, in ladder order. */
export const ALL_PHASES: readonly Phase[] = [Phase.BASELINE, Phase.CILIUM, Phase.LINKERD, Phase.ISTIO];

/** Parses a phase name (as written on the command line or in YAML). */
export function parsePhase(name: string): Phase | undefined {
  return ALL_PHASES.find(p => p === name);
}

/** The phases whose pods run a mesh proxy (injection, identity, L7 authorization by the proxy). */
export const MESH_PHASES: ReadonlySet<string> = new Set<string>([Phase.LINKERD, Phase.ISTIO]);

/** Whether `phase` runs a mesh proxy in every pod (see `MESH_PHASES`). */
export function isMeshPhase(phase: string): boolean {
  return MESH_PHASES.has(phase);
}
