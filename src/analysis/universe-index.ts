/**
 * Indexes over a universe's endpoints, built once per universe and shared by every
 * evaluator: endpoint positions, bitsets per kind and namespace, and label indexes
 * (`key=value` -> endpoints carrying it), so a selector's matches are a few bitset
 * intersections instead of a scan of every endpoint.
 */
import { Bitset } from './bitset';
import { Endpoint, Universe } from './endpoints';
import { LabelSelector } from './selectors';

/** Endpoints by the labels they carry: `key=value` and `key` -> bitset. */
export class LabelIndex {
  /** By key, then value (no `key=value` string built per lookup: selectors ask millions of times). */
  private readonly pairs = new Map<string, Map<string, Bitset>>();
  private readonly keys = new Map<string, Bitset>();

  /**
   * @param domain the endpoints that have labels of this kind (what `{}` selects)
   * @param labelsOf the labels of the endpoint at a position (only called for the domain)
   */
  public constructor(public readonly domain: Bitset, labelsOf: (position: number) => Iterable<readonly [string, string]>) {
    domain.forEach(i => {
      for (const [key, value] of labelsOf(i)) {
        let byValue = this.pairs.get(key);
        if (!byValue) {
          byValue = new Map();
          this.pairs.set(key, byValue);
        }
        this.set(byValue, value).add(i);
        this.set(this.keys, key).add(i);
      }
    });
  }

  /** Endpoints of the domain carrying `key=value`. */
  public withPair(key: string, value: string): Bitset | undefined {
    return this.pairs.get(key)?.get(value);
  }

  /** Endpoints of the domain carrying `key` (any value). */
  public withKey(key: string): Bitset | undefined {
    return this.keys.get(key);
  }

  /** Endpoints of the domain carrying one of `key=values`. */
  public withAnyOf(key: string, values: readonly string[]): Bitset {
    const out = new Bitset(this.domain.size);
    for (const value of values) {
      const set = this.withPair(key, value);
      if (set) {
        out.orWith(set);
      }
    }
    return out;
  }

  /**
   * Exactly the endpoints of the domain a Kubernetes label selector matches (the
   * semantics of `matchesSelector`: matchLabels and requirements ANDed; a missing key
   * satisfies NotIn and DoesNotExist).
   */
  public matching(selector: LabelSelector): Bitset {
    const out = this.domain.clone();
    const empty = new Bitset(this.domain.size);
    for (const [key, value] of Object.entries(selector.matchLabels)) {
      out.andWith(this.withPair(key, value) ?? empty);
    }
    for (const req of selector.matchExpressions) {
      switch (req.operator) {
        case 'In':
          out.andWith(this.withAnyOf(req.key, req.values));
          break;
        case 'NotIn':
          out.andNotWith(this.withAnyOf(req.key, req.values));
          break;
        case 'Exists':
          out.andWith(this.withKey(req.key) ?? empty);
          break;
        case 'DoesNotExist':
          out.andNotWith(this.withKey(req.key) ?? empty);
          break;
      }
    }
    return out;
  }

  private set(map: Map<string, Bitset>, key: string): Bitset {
    let set = map.get(key);
    if (!set) {
      set = new Bitset(this.domain.size);
      map.set(key, set);
    }
    return set;
  }
}

/** Facts about a universe's endpoints as bitsets over their positions. */
export class UniverseIndex {
  public readonly size: number;
  public readonly all: Bitset;
  public readonly pods: Bitset;
  public readonly inCatalogNamespace: Bitset;
  /** Pod labels. */
  public readonly podLabels: LabelIndex;
  /** Labels of a pod's namespace (what namespace selectors match). */
  public readonly namespaceLabels: LabelIndex;
  private readonly namespaces = new Map<string, Bitset>();
  private readonly positions = new Map<Endpoint, number>();
  private readonly cache = new Map<string, unknown>();

  public constructor(public readonly universe: Universe) {
    const endpoints = universe.endpoints;
    this.size = endpoints.length;
    this.all = Bitset.full(this.size);
    this.pods = Bitset.where(this.size, i => endpoints[i].kind === 'pod');
    this.inCatalogNamespace = Bitset.where(this.size, i => endpoints[i].inCatalogNamespace);
    endpoints.forEach((e, i) => {
      this.positions.set(e, i);
      if (e.kind === 'pod' && e.namespace !== undefined) {
        let set = this.namespaces.get(e.namespace);
        if (!set) {
          set = new Bitset(this.size);
          this.namespaces.set(e.namespace, set);
        }
        set.add(i);
      }
    });
    this.podLabels = new LabelIndex(this.pods, i => Object.entries(endpoints[i].labels));
    const nsLabelsOf = (e: Endpoint) => (e.kind === 'pod' && e.namespace !== undefined ? e.namespaceLabels ?? universe.namespace(e.namespace)?.labels : undefined);
    const withNamespaceLabels = Bitset.where(this.size, i => nsLabelsOf(endpoints[i]) !== undefined);
    this.namespaceLabels = new LabelIndex(withNamespaceLabels, i => Object.entries(nsLabelsOf(endpoints[i])!));
  }

  /** Position of an endpoint in `universe.endpoints`. */
  public position(endpoint: Endpoint): number {
    return this.positions.get(endpoint) ?? this.universe.order.get(endpoint.id)!;
  }

  /** The position of an endpoint of this universe; undefined for another universe's. */
  public ownPosition(endpoint: Endpoint): number | undefined {
    return this.positions.get(endpoint);
  }

  /** Whether `endpoint` is this universe's own (positions mean nothing for others). */
  public owns(endpoint: Endpoint): boolean {
    return this.positions.has(endpoint);
  }

  /** A number naming (from, to, port, protocol) for endpoints of this universe (memo keys). */
  public flowNumber(from: Endpoint, to: Endpoint, probe: { readonly port: number; readonly protocol: string }): number | undefined {
    const a = this.positions.get(from);
    const b = this.positions.get(to);
    return a === undefined || b === undefined ? undefined : ((a * this.size + b) * 65536 + probe.port) * 2 + (probe.protocol === 'UDP' ? 1 : 0);
  }

  /** The pods of a namespace. */
  public podsIn(namespace: string): Bitset {
    return this.namespaces.get(namespace) ?? new Bitset(this.size);
  }

  /** The endpoints `test` accepts, computed once per `key`. */
  public where(key: string, test: (e: Endpoint) => boolean): Bitset {
    return this.memo(`where:${key}`, () => Bitset.where(this.size, i => test(this.universe.endpoints[i])));
  }

  /** A value computed once per universe and `key`. */
  public memo<T>(key: string, compute: () => T): T {
    if (!this.cache.has(key)) {
      this.cache.set(key, compute());
    }
    return this.cache.get(key) as T;
  }
}

const INDEXES = new WeakMap<Universe, UniverseIndex>();

/** The index of a universe (built on first use). */
export function universeIndex(universe: Universe): UniverseIndex {
  let index = INDEXES.get(universe);
  if (!index) {
    index = new UniverseIndex(universe);
    INDEXES.set(universe, index);
  }
  return index;
}
