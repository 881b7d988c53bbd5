/**
 * What a Linkerd authorization is and what each default policy and AuthorizationPolicy
 * stands for (policy controller semantics, Linkerd 2.16+,
 * linkerd.io/2/reference/authorization-policy):
 *
 * - An AuthorizationPolicy needs ALL its authentications: at most one
 *   MeshTLSAuthentication or ServiceAccount (client identity, which requires mTLS) and at
 *   most one NetworkAuthentication (client address in a network and not in its `except`);
 *   none of a kind = no requirement of that kind. A policy referring to a missing
 *   authentication is ignored.
 * - Defaults: all-unauthenticated / audit allow all; all-authenticated requires mTLS;
 *   cluster-* additionally (or only) a client address in the cluster networks; deny
 *   nothing. Audit authorizations allow but are flagged: the report lists them as
 *   `audit` (tolerated with a warning), not as unexpected.
 */
import { parseCidr } from '../../model/cidr';
import { serviceAccountIdentity } from '../../model/mesh-facts/linkerd';
import { ResolvedCatalog } from '../../model/resolved';
import { AnalysisDiagnostic } from '../flows';
import { IdentityMatcher, key, LinkerdDefaultPolicy, NetworkMatch, ParsedAuthorizationPolicy, ParsedLinkerd } from './parse';

/** Verdict of Linkerd on one request or connection. */
export interface LinkerdDecision {
  readonly allowed: boolean;
  /** Allowed only by an audit authorization (accessPolicy or default policy `audit`). */
  readonly audit: boolean;
  /** What decided, e.g. `Server shop/checkout-grpc, route shop/checkout-grpc-place-order`. */
  readonly reason: string;
}

export interface Authorization {
  readonly identities?: IdentityMatcher[];
  readonly networks?: NetworkMatch[];
  readonly audit: boolean;
  readonly name: string;
}

export const ALL_NETWORKS: NetworkMatch[] = [
  { cidr: parseCidr('0.0.0.0/0')!, except: [] },
  { cidr: parseCidr('::/0')!, except: [] },
];

/** The authorization a default (or access) policy stands for; none for deny. */
export function defaultAuthorization(policy: LinkerdDefaultPolicy, clusterNetworks: NetworkMatch[]): Authorization | undefined {
  switch (policy) {
    case 'all-unauthenticated':
      return { audit: false, name: policy };
    case 'audit':
      return { audit: true, name: policy };
    case 'all-authenticated':
      return { identities: [{ any: true }], audit: false, name: policy };
    case 'cluster-authenticated':
      return { identities: [{ any: true }], networks: clusterNetworks, audit: false, name: policy };
    case 'cluster-unauthenticated':
      return { networks: clusterNetworks, audit: false, name: policy };
    default:
      return undefined;
  }
}

/** Why Linkerd ignores a policy (a missing or unsupported authentication, two of a kind); none when it applies. */
export function authorizationProblem(parsed: ParsedLinkerd, policy: ParsedAuthorizationPolicy): string | undefined {
  let identities = 0;
  let networks = 0;
  for (const ref of policy.refs) {
    const ns = ref.namespace ?? policy.namespace;
    if (ref.kind === 'MeshTLSAuthentication') {
      identities++;
      if (!parsed.meshTls.has(key(ns, ref.name))) {
        return `MeshTLSAuthentication ${ns}/${ref.name} does not exist`;
      }
    } else if (ref.kind === 'NetworkAuthentication') {
      networks++;
      if (!parsed.networks.has(key(ns, ref.name))) {
        return `NetworkAuthentication ${ns}/${ref.name} does not exist`;
      }
    } else if (ref.kind === 'ServiceAccount') {
      identities++;
    } else {
      return `unsupported authentication kind ${ref.kind}`;
    }
  }
  if (identities > 1 || networks > 1) {
    return 'more than one identity or network authentication';
  }
  return undefined;
}

/** The warnings of the policies Linkerd ignores. */
export function ignoredPolicyDiagnostics(parsed: ParsedLinkerd): AnalysisDiagnostic[] {
  const diagnostics: AnalysisDiagnostic[] = [];
  for (const policy of parsed.policies) {
    const problem = authorizationProblem(parsed, policy);
    if (problem) {
      diagnostics.push({ severity: 'warning', subject: `AuthorizationPolicy ${policy.namespace}/${policy.name}`, message: `${problem}; Linkerd ignores the policy` });
    }
  }
  return diagnostics;
}

/** The authorization an AuthorizationPolicy stands for; none when Linkerd ignores it. */
export function policyAuthorization(parsed: ParsedLinkerd, catalog: ResolvedCatalog, policy: ParsedAuthorizationPolicy): Authorization | undefined {
  if (authorizationProblem(parsed, policy)) {
    return undefined;
  }
  let identities: IdentityMatcher[] | undefined;
  let networks: NetworkMatch[] | undefined;
  for (const ref of policy.refs) {
    const ns = ref.namespace ?? policy.namespace;
    if (ref.kind === 'MeshTLSAuthentication') {
      identities = parsed.meshTls.get(key(ns, ref.name));
    } else if (ref.kind === 'ServiceAccount') {
      identities = [{ exact: serviceAccountIdentity(ref.name, ns, catalog.linkerd.controlPlaneNamespace, catalog.trustDomain) }];
    } else {
      networks = parsed.networks.get(key(ns, ref.name));
    }
  }
  return { identities, networks, audit: false, name: `AuthorizationPolicy ${policy.namespace}/${policy.name}` };
}
