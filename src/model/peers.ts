/**
 * Which namespaces a pod peer's scope covers: one rule, shared by every backend and the
 * analysis (it reads only the model). Internal: not re-exported from the index.
 */
import { ResolvedPeer } from './resolved';

/** Label every namespace carries (set by the API server, immutable). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Whether every key of `selector` has its value in `labels`. */
export function labelsMatch(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** A namespace's labels as namespace selectors see them: its own plus the name label. */
export function selectorLabelsOf(namespace: { readonly name: string; readonly labels?: Readonly<Record<string, string>> }): Record<string, string> {
  return { ...(namespace.labels ?? {}), [NAMESPACE_NAME_LABEL]: namespace.name };
}

/**
 * Whether a pod peer's namespace scope covers a namespace (`allNamespaces`, its
 * `namespace`, or a `namespaceSelector` its labels match). False for address peers.
 */
export function peerCoversNamespace(
  peer: ResolvedPeer,
  namespace: { readonly name: string; readonly labels?: Readonly<Record<string, string>> },
): boolean {
  if (peer.kind !== 'pods') {
    return false;
  }
  if (peer.allNamespaces) {
    return true;
  }
  if (peer.namespace !== undefined) {
    return peer.namespace === namespace.name;
  }
  return peer.namespaceSelector !== undefined && labelsMatch(peer.namespaceSelector, selectorLabelsOf(namespace));
}
