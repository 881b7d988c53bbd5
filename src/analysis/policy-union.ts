/**
 * The union of two versions of one policy object, as a migration step holds both phases'
 * rules while they overlap: each enforcement system says how its policies add up (see
 * `AnalysisBackend.unionPolicies`). Undefined where two versions cannot be combined.
 */

const RULE_LISTS = ['ingress', 'egress', 'ingressDeny', 'egressDeny'];

/** The rules of two specs with the same selector, combined; undefined when the selectors differ. */
function unionSpec(older: any, newer: any, selectorField: string, system: 'cilium' | 'networkpolicy'): any | undefined {
  if (JSON.stringify(older[selectorField] ?? null) !== JSON.stringify(newer[selectorField] ?? null)) {
    return undefined;
  }
  const spec: Record<string, any> = { ...older, ...newer };
  for (const field of RULE_LISTS) {
    const rules = [...(older[field] ?? []), ...(newer[field] ?? [])];
    const unique = rules.filter((r, i) => rules.findIndex(x => JSON.stringify(x) === JSON.stringify(r)) === i);
    if (older[field] !== undefined || newer[field] !== undefined) {
      spec[field] = unique;
    }
  }
  if (system === 'networkpolicy') {
    spec.policyTypes = ['Ingress', 'Egress'].filter(t => [...(older.policyTypes ?? []), ...(newer.policyTypes ?? [])].includes(t));
  }
  return spec;
}

/** Two versions of a NetworkPolicy as one (see `unionSelectedPolicy`). */
export function unionNetworkPolicies(older: any, newer: any): any | undefined {
  return unionSelectedPolicy(older, newer, 'networkpolicy');
}

/** Two versions of a Cilium policy as one (see `unionSelectedPolicy`). */
export function unionCiliumPolicies(older: any, newer: any): any | undefined {
  return unionSelectedPolicy(older, newer, 'cilium');
}

/** Two versions of an Istio security object as one: ALLOW AuthorizationPolicies only (see `unionIstioAllow`). */
export function unionIstioPolicies(older: any, newer: any): any | undefined {
  return newer.kind === 'AuthorizationPolicy' && older.kind === 'AuthorizationPolicy' ? unionIstioAllow(older, newer) : undefined;
}

/**
 * One policy holding the rules of two versions of it (same selectors): both systems add
 * up the rules of the policies selecting a pod, so this allows what either version does.
 * A Cilium policy's extra `specs` (e.g. a canary version's own rules) are paired by
 * selector. Undefined when the two cannot be combined (different selectors).
 */
function unionSelectedPolicy(older: any, newer: any, system: 'cilium' | 'networkpolicy'): any | undefined {
  if (!older.spec || !newer.spec) {
    return undefined;
  }
  const selectorField = system === 'cilium' ? 'endpointSelector' : 'podSelector';
  const spec = unionSpec(older.spec, newer.spec, selectorField, system);
  if (!spec) {
    return undefined;
  }
  if (system !== 'cilium' || (older.specs === undefined && newer.specs === undefined)) {
    return { ...newer, spec };
  }
  const olderSpecs: any[] = older.specs ?? [];
  const newerSpecs: any[] = newer.specs ?? [];
  const sameSelector = (x: any, y: any) => JSON.stringify(x[selectorField] ?? null) === JSON.stringify(y[selectorField] ?? null);
  const specs = [
    ...newerSpecs.map(n => {
      const o = olderSpecs.find(x => sameSelector(x, n));
      return o ? unionSpec(o, n, selectorField, system)! : n;
    }),
    ...olderSpecs.filter(o => !newerSpecs.some(n => sameSelector(o, n))),
  ];
  return { ...newer, spec, specs };
}

/**
 * Two Istio ALLOW policies with the same selector as one: a request is allowed when any
 * rule of any ALLOW policy matches (istio.io security/authorization-policy: "allow a
 * request if any ALLOW policy matches"), so their rules add up. Undefined otherwise.
 */
function unionIstioAllow(older: any, newer: any): any | undefined {
  const action = (p: any) => p.spec?.action ?? 'ALLOW';
  if (action(older) !== 'ALLOW' || action(newer) !== 'ALLOW'
    || JSON.stringify(older.spec?.selector ?? null) !== JSON.stringify(newer.spec?.selector ?? null)
    || JSON.stringify(older.spec?.targetRefs ?? null) !== JSON.stringify(newer.spec?.targetRefs ?? null)) {
    return undefined;
  }
  const rules = [...(older.spec?.rules ?? []), ...(newer.spec?.rules ?? [])];
  const unique = rules.filter((r, i) => rules.findIndex(x => JSON.stringify(x) === JSON.stringify(r)) === i);
  return { ...newer, spec: { ...newer.spec, ...(unique.length > 0 ? { rules: unique } : {}) } };
}
