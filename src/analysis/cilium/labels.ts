/**
 * Cilium selectors and the labels they match: selector keys with their label source
 * (`k8s:`, `any:`, `reserved:`; none means any source), `matchLabels`/`matchExpressions`,
 * and the labels Cilium gives an endpoint's identity (see index.ts for the semantics).
 */
import {
  CLUSTER_LABEL,
  K8S_LABEL_SOURCE,
  KUBE_APISERVER_LABEL,
  LABEL_SOURCES,
  NAMESPACE_LABELS_PREFIX,
  POD_NAMESPACE_LABEL,
  SERVICE_ACCOUNT_LABEL,
} from '../../model/mesh-facts/cilium';
import { isRecord } from '../../model/values';
import { Endpoint, NAMESPACE_NAME_LABEL, Universe } from '../endpoints';
import { SelectorOperator } from '../selectors';

const KNOWN_SOURCES: ReadonlySet<string> = new Set(LABEL_SOURCES);

/** A label as Cilium sees it: source, key, value. */
export interface CiliumLabel {
  readonly source: string;
  readonly key: string;
  readonly value: string;
}

export interface SelectorTerm {
  readonly source: string;
  readonly key: string;
}

export interface CiliumSelector {
  readonly matchLabels: ReadonlyArray<SelectorTerm & { readonly value: string }>;
  readonly matchExpressions: ReadonlyArray<SelectorTerm & { readonly operator: SelectorOperator; readonly values: string[] }>;
  /** Names the pod namespace itself (then no implicit namespace is added). */
  readonly namesNamespace: boolean;
  /** Names a namespace label (a namespaced policy then adds no namespace either). */
  readonly namesNamespaceLabels: boolean;
  /** Has a `reserved:` key: Cilium leaves such selectors as written (no namespace added). */
  readonly reserved: boolean;
}

/** A field that is there (YAML `null` counts as missing). */
export function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function parseKey(raw: string): SelectorTerm {
  const colon = raw.indexOf(':');
  if (colon > 0) {
    const source = raw.slice(0, colon);
    if (KNOWN_SOURCES.has(source)) {
      return { source, key: raw.slice(colon + 1) };
    }
  }
  return { source: 'any', key: raw };
}

const OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

export function parseSelector(raw: unknown, at: string, problems: string[]): CiliumSelector | undefined {
  if (!isRecord(raw)) {
    problems.push(`${at}: a selector must be an object`);
    return undefined;
  }
  const matchLabels: Array<SelectorTerm & { value: string }> = [];
  if (present(raw.matchLabels)) {
    if (!isRecord(raw.matchLabels)) {
      problems.push(`${at}.matchLabels: must be an object`);
      return undefined;
    }
    for (const [key, value] of Object.entries(raw.matchLabels)) {
      if (typeof value !== 'string') {
        problems.push(`${at}.matchLabels.${key}: label values are strings`);
        return undefined;
      }
      matchLabels.push({ ...parseKey(key), value });
    }
  }
  const matchExpressions: Array<SelectorTerm & { operator: SelectorOperator; values: string[] }> = [];
  if (present(raw.matchExpressions)) {
    if (!Array.isArray(raw.matchExpressions)) {
      problems.push(`${at}.matchExpressions: must be a list`);
      return undefined;
    }
    for (const [i, expr] of raw.matchExpressions.entries()) {
      if (!isRecord(expr) || typeof expr.key !== 'string' || typeof expr.operator !== 'string' || !OPERATORS.has(expr.operator)) {
        problems.push(`${at}.matchExpressions[${i}]: needs a key and an operator (In, NotIn, Exists, DoesNotExist)`);
        return undefined;
      }
      const values = Array.isArray(expr.values) ? expr.values.filter((v): v is string => typeof v === 'string') : [];
      if ((expr.operator === 'In' || expr.operator === 'NotIn') && values.length === 0) {
        problems.push(`${at}.matchExpressions[${i}]: ${expr.operator} needs at least one value`);
        return undefined;
      }
      matchExpressions.push({ ...parseKey(expr.key), operator: expr.operator as SelectorOperator, values });
    }
  }
  const fromK8s = (t: SelectorTerm) => t.source === K8S_LABEL_SOURCE || t.source === 'any';
  const names = (t: SelectorTerm) => t.key === POD_NAMESPACE_LABEL && fromK8s(t);
  const namesLabels = (t: SelectorTerm) => t.key.startsWith(NAMESPACE_LABELS_PREFIX) && fromK8s(t);
  return {
    matchLabels,
    matchExpressions,
    namesNamespace: matchLabels.some(names) || matchExpressions.some(names),
    namesNamespaceLabels: matchLabels.some(namesLabels) || matchExpressions.some(namesLabels),
    reserved: matchLabels.some(t => t.source === 'reserved') || matchExpressions.some(t => t.source === 'reserved'),
  };
}

export function labelsMatch(selector: CiliumSelector, labels: ReadonlyArray<CiliumLabel>): boolean {
  const find = (term: SelectorTerm) => labels.filter(l => l.key === term.key && (term.source === 'any' || term.source === l.source));
  for (const term of selector.matchLabels) {
    if (!find(term).some(l => l.value === term.value)) {
      return false;
    }
  }
  for (const req of selector.matchExpressions) {
    const found = find(req);
    switch (req.operator) {
      case 'In':
        if (!found.some(l => req.values.includes(l.value))) {
          return false;
        }
        break;
      case 'NotIn':
        if (found.some(l => req.values.includes(l.value))) {
          return false;
        }
        break;
      case 'Exists':
        if (found.length === 0) {
          return false;
        }
        break;
      case 'DoesNotExist':
        if (found.length > 0) {
          return false;
        }
        break;
    }
  }
  return true;
}


/** The labels of an endpoint's Cilium identity (the evaluator caches them per endpoint). */
export function ciliumLabelsOf(endpoint: Endpoint, universe: Universe): CiliumLabel[] {
  // Addresses and names outside the cluster carry the world identity's label only; the
  // API server its own.
  const labels: CiliumLabel[] = endpoint.kind === 'pod'
    ? Object.entries(endpoint.labels).map(([key, value]) => ({ source: K8S_LABEL_SOURCE, key, value }))
    : [{ source: 'reserved', key: endpoint.role === 'kube-apiserver' ? KUBE_APISERVER_LABEL : 'world', value: '' }];
  if (endpoint.kind === 'pod' && endpoint.namespace !== undefined) {
    labels.push({ source: K8S_LABEL_SOURCE, key: POD_NAMESPACE_LABEL, value: endpoint.namespace });
    const ns = universe.namespace(endpoint.namespace);
    for (const [key, value] of Object.entries(ns?.labels ?? { [NAMESPACE_NAME_LABEL]: endpoint.namespace })) {
      labels.push({ source: K8S_LABEL_SOURCE, key: `${NAMESPACE_LABELS_PREFIX}${key}`, value });
    }
    if (endpoint.serviceAccount !== undefined) {
      labels.push({ source: K8S_LABEL_SOURCE, key: SERVICE_ACCOUNT_LABEL, value: endpoint.serviceAccount });
    }
    labels.push({ source: K8S_LABEL_SOURCE, key: CLUSTER_LABEL, value: 'default' });
  }
  return labels;
}
