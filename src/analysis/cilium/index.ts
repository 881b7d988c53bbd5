/**
 * Cilium policy semantics (cilium.io/v2 CiliumNetworkPolicy and
 * CiliumClusterwideNetworkPolicy) over the endpoint universe, at L3/L4 and for HTTP
 * requests.
 *
 * Per the Cilium policy language:
 * - A rule (`spec`, or each of `specs`) applies to the pods its `endpointSelector`
 *   selects: in the policy's namespace for a CiliumNetworkPolicy, in every namespace for a
 *   clusterwide one. A pod is default-allow per direction until a selecting rule has that
 *   direction (a non-empty `ingress`/`ingressDeny`, `egress`/`egressDeny`) with
 *   `enableDefaultDeny` not false for it; then only allowed traffic passes. A flow needs
 *   the source's egress AND the destination's ingress (non-pods enforce nothing).
 * - Deny rules (`ingressDeny`, `egressDeny`) win over every allow, whatever the
 *   default-deny mode.
 * - Selectors: keys may carry a source prefix (`k8s:`, `any:`, `reserved:`); none means
 *   any source. Pods carry their labels plus `io.kubernetes.pod.namespace`,
 *   `io.cilium.k8s.namespace.labels.<key>` and `io.cilium.k8s.policy.serviceaccount`.
 *   In a namespaced policy, `fromEndpoints`/`toEndpoints` selectors that name neither the
 *   pod namespace nor a namespace label (`io.cilium.k8s.namespace.labels.*`) match the
 *   policy's own namespace only (`{}` = every pod there); naming either crosses
 *   namespaces. In a clusterwide policy, selectors that do not name the pod namespace
 *   match pods (of every namespace) only: Cilium adds an `Exists` on the namespace key.
 *   Selectors with a `reserved:` key are taken as written.
 * - Entities: `world` = everything outside the cluster (addresses and DNS names) but the
 *   API server, `cluster` = every pod, `all` = everything, `kube-apiserver` = the API
 *   server; `host`, `remote-node`, `health`, `init`, `ingress`, `unmanaged` and `none`
 *   match no modelled endpoint. DNS names are destinations only: as sources they match
 *   nothing (sources outside the cluster are the address endpoints).
 * - The API server (the `kube-apiserver` endpoint) carries the `reserved:kube-apiserver`
 *   identity. Cilium gives an API server outside the cluster the world label as well, and
 *   one on the control-plane nodes the node's; the analysis counts it as neither `world`
 *   nor `cluster` (the intent tolerates it where a world peer is concerned) and lets CIDR
 *   rules covering its address match it, as for an API server outside the cluster.
 * - CIDR rules (`toCIDR`, `toCIDRSet` with `except`, and the `from` forms) match addresses
 *   outside the cluster only, never pods.
 * - `toFQDNs` (`matchName`, `matchPattern` with `*` inside one label, or `*` alone for
 *   every name) match DNS-name endpoints, and only when the source's DNS lookups of that
 *   name are allowed through a rule with `rules.dns` that matches it (the DNS proxy is
 *   what learns the addresses).
 * - A rule with no peer field matches every peer when it has `toPorts`, nothing
 *   otherwise (`ingress: [{}]` is a default-deny). `toPorts` missing: every port.
 *   Protocol defaults to ANY; port `0` or missing = every port; named ports resolve
 *   against the destination pod's container ports; `endPort` makes a range.
 * - L7: a request passes when some matching allow rule on that port has no HTTP rules, or
 *   one of its `rules.http` entries matches (method and path as regular expressions
 *   matched in full; the path includes any query string). A refused request gets a 403:
 *   counted as not allowed.
 * - `authentication.mode: required` passes between Cilium-managed pods (SPIRE assumed
 *   healthy) and drops anything else; `test-always-fail` drops everything.
 *
 * Not modelled (reported as warnings): `toServices`, `toNodes`/`fromNodes`, `toGroups`,
 * host policies (`nodeSelector`), ICMP rules, non-HTTP L7 rules other than DNS.
 * `fromRequires`/`toRequires` constrain only the rule they appear in.
 *
 * Files: labels.ts (selectors, identity labels), ports.ts and peers.ts (rule parts),
 * parse.ts (policies to rules), match.ts (entities, authentication, ports),
 * evaluator.ts (`CiliumEvaluator`), candidates.ts (its index), intent.ts and check.ts
 * (`checkCiliumReachability`). Label keys and entities: src/model/mesh-facts/cilium.ts.
 */
export type { CiliumLabel, CiliumSelector, SelectorTerm } from './labels';
export type { CiliumPort, CiliumPortRule, CiliumProtocol, DnsMatcher, HttpMatcher } from './ports';
export type { CidrPeer, PeerRule } from './peers';
export type { ParsedCiliumPolicies, ParsedCiliumRule } from './parse';
export { isCiliumPolicy, parseCiliumPolicies } from './parse';
export { entityMatches } from './match';
export { CiliumEvaluator } from './evaluator';
export { ciliumExposedFrom, ciliumIntent } from './intent';
export { checkCiliumReachability } from './check';
