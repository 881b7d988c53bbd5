/**
 * The parsed routes and AuthorizationPolicies filed by namespace and name, each index
 * built on first use: candidates the evaluator filters exactly as it would filter every
 * object (so a large manifest set is not scanned per Server or route).
 */
import { ParsedAuthorizationPolicy, ParsedLinkerd, ParsedRoute } from './parse';

export class ParsedObjectIndex {
  private readonly indexes = new Map<string, unknown>();

  public constructor(private readonly parsed: ParsedLinkerd) {}

  /** Routes naming a parent `parentName` in their own namespace `namespace` (any kind or group). */
  public routesWithParent(namespace: string, parentName: string): ParsedRoute[] {
    return this.indexed('routes', this.parsed.routes, r => r.parents.map(p => `${r.namespace}\u0000${p.name}`), `${namespace}\u0000${parentName}`);
  }

  /** Policies by `<namespace>\0<target name>`, and Namespace-targeted ones by `<namespace>\0` too. */
  public policyCandidates(namespace: string, targetName: string): ParsedAuthorizationPolicy[] {
    const keysOf = (p: ParsedAuthorizationPolicy) => [`${p.namespace}\u0000${p.target.name}`, ...(p.target.kind === 'Namespace' ? [`${p.namespace}\u0000`] : [])];
    const named = this.indexed('policies', this.parsed.policies, keysOf, `${namespace}\u0000${targetName}`);
    const namespaceWide = this.indexed('policies', this.parsed.policies, keysOf, `${namespace}\u0000`);
    if (namespaceWide.length === 0) {
      return named;
    }
    let order = this.indexes.get('policy-order') as Map<ParsedAuthorizationPolicy, number> | undefined;
    if (!order) {
      order = new Map(this.parsed.policies.map((p, i) => [p, i]));
      this.indexes.set('policy-order', order);
    }
    const rank = order;
    return [...new Set([...named, ...namespaceWide])].sort((a, b) => rank.get(a)! - rank.get(b)!);
  }

  /**
   * The items of `all` filed under `key` by `keysOf`, in their order in `all` (each once):
   * candidates the callers filter exactly as they would filter `all`.
   */
  private indexed<T>(name: string, all: ReadonlyArray<T>, keysOf: (item: T) => string[], wanted: string): T[] {
    let byKey = this.indexes.get(name) as Map<string, number[]> | undefined;
    if (!byKey) {
      const built = new Map<string, number[]>();
      all.forEach((item, i) => {
        for (const k of new Set(keysOf(item))) {
          const list = built.get(k);
          if (list) {
            list.push(i);
          } else {
            built.set(k, [i]);
          }
        }
      });
      this.indexes.set(name, built);
      byKey = built;
    }
    return (byKey.get(wanted) ?? []).map(i => all[i]);
  }
}
