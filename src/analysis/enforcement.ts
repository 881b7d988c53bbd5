/**
 * Which enforcement system an emitted object belongs to, and object identity across
 * phases. Used by migration plans to reason about what a step adds and removes.
 */

/** Enforcement systems that decide whether a flow is allowed. */
export type EnforcementSystem = 'networkpolicy' | 'cilium' | 'linkerd' | 'istio';

function group(apiVersion: unknown): string {
  const text = String(apiVersion ?? '');
  return text.includes('/') ? text.slice(0, text.indexOf('/')) : '';
}

/** Identity of an object regardless of API version: group, kind, namespace, name. */
export function objectKey(obj: any): string {
  return `${group(obj?.apiVersion)}/${obj?.kind}/${obj?.metadata?.namespace ?? ''}/${obj?.metadata?.name}`;
}

/** The enforcement system an object configures; undefined for everything else. */
export function systemOf(obj: any): EnforcementSystem | undefined {
  const g = group(obj?.apiVersion);
  if (g === 'networking.k8s.io' && obj?.kind === 'NetworkPolicy') {
    return 'networkpolicy';
  }
  if (g === 'cilium.io') {
    return 'cilium';
  }
  if (g === 'policy.linkerd.io') {
    return 'linkerd';
  }
  if (g === 'security.istio.io') {
    return 'istio';
  }
  return undefined;
}

/** The enforcement systems a manifest set configures, in ladder order. */
export function systemsIn(manifests: ReadonlyArray<unknown>): EnforcementSystem[] {
  const present = new Set(manifests.map(systemOf));
  return (['networkpolicy', 'cilium', 'linkerd', 'istio'] as const).filter(s => present.has(s));
}
