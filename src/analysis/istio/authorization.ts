/**
 * AuthorizationPolicy matching on a sidecar (istio.io reference: security.istio.io/v1
 * AuthorizationPolicy): a rule matches when its `from`, `to` and `when` all match; HTTP-only
 * fields on a non-HTTP port drop the rule of an ALLOW policy and are ignored in a DENY
 * policy (Istio's own translation of a policy for TCP traffic).
 */
import { blocksMatch, escapeRegex, fieldMatches, istioPathMatches, istioValueMatches } from './matching';
import { Field, ParsedAuthorizationPolicy, ParsedCondition, ParsedOperation, ParsedRule, ParsedSource } from './parse';
import { cidrContains, parseCidr } from '../../model/cidr';
import { Endpoint } from '../endpoints';
import { RequestProbe } from '../requests';

/** Who is connecting, as the destination's sidecar sees it. */
export interface Peer {
  readonly endpoint: Endpoint;
  /** Set over mTLS only. */
  readonly principal?: string;
  readonly namespace?: string;
}

/** The shape of a decision: one request, or "some request" on the connection. */
export interface Query {
  readonly port: number;
  /** The port speaks HTTP (HTTP-only fields apply). */
  readonly http: boolean;
  /** undefined: is there a request that passes? */
  readonly request?: RequestProbe;
}

const HTTP_ONLY_CONDITIONS = /^(request\.|remote\.ip$)/;

function hasHttpOnlyFields(rule: ParsedRule): boolean {
  const set = (f: Field) => f.values !== undefined || f.notValues !== undefined;
  return (rule.to ?? []).some(o => set(o.methods) || set(o.paths) || set(o.hosts))
    || (rule.from ?? []).some(s => set(s.requestPrincipals))
    || rule.when.some(c => HTTP_ONLY_CONDITIONS.test(c.key));
}

/** Whether some rule of `policy` matches the peer and the query (one request, or some request). */
export function policyMatches(policy: ParsedAuthorizationPolicy, peer: Peer, query: Query): boolean {
  return policy.rules.some(rule => {
    if (!query.http && hasHttpOnlyFields(rule)) {
      if (policy.action === 'ALLOW') {
        return false; // Istio drops the rule for TCP traffic
      }
      return ruleMatches(policy, stripHttpOnly(rule), peer, query);
    }
    if (query.http && query.request === undefined && policy.action === 'DENY' && hasHttpOnlyFields(rule)) {
      return false; // denies some requests, not the connection
    }
    return ruleMatches(policy, rule, peer, query);
  });
}

function ruleMatches(policy: ParsedAuthorizationPolicy, rule: ParsedRule, peer: Peer, query: Query): boolean {
  const sourceOk = rule.from === undefined || rule.from.some(s => sourceMatches(policy, s, peer));
  const operationOk = rule.to === undefined || rule.to.some(o => operationMatches(o, query));
  return sourceOk && operationOk && rule.when.every(c => conditionMatches(c, peer, query));
}

function sourceMatches(policy: ParsedAuthorizationPolicy, source: ParsedSource, peer: Peer): boolean {
  const saMatch = (pattern: string, principal: string) => {
    const [ns, sa] = pattern.includes('/') ? pattern.split('/', 2) : [policy.namespace, pattern];
    return new RegExp(`/ns/${escapeRegex(ns)}/(.+/|)sa/${escapeRegex(sa)}(/.+)?$`).test(principal);
  };
  const nsMatch = (pattern: string, namespace: string) => istioValueMatches(pattern, namespace);
  return fieldMatches(source.principals, peer.principal, istioValueMatches)
    && fieldMatches(source.namespaces, peer.namespace, nsMatch)
    && fieldMatches(source.serviceAccounts, peer.principal, saMatch)
    && blocksMatch(source.ipBlocks, peer.endpoint)
    && blocksMatch(source.remoteIpBlocks, peer.endpoint)
    // No JWTs in the model: a request never carries a request principal.
    && fieldMatches(source.requestPrincipals, undefined, istioValueMatches);
}

function conditionMatches(condition: ParsedCondition, peer: Peer, query: Query): boolean {
  let value: string | undefined;
  let match: (pattern: string, value: string) => boolean = istioValueMatches;
  switch (condition.key) {
    case 'source.principal': value = peer.principal; break;
    case 'source.namespace': value = peer.namespace; break;
    case 'destination.port': value = String(query.port); break;
    case 'source.ip':
    case 'remote.ip': {
      const ip = peer.endpoint.ip;
      const within = (pattern: string) => {
        const block = parseCidr(pattern.includes('/') ? pattern : `${pattern}/${pattern.includes(':') ? 128 : 32}`);
        return ip !== undefined && block !== undefined && cidrContains(block, ip);
      };
      return (condition.values === undefined || condition.values.some(within))
        && (condition.notValues === undefined || !condition.notValues.some(within));
    }
    default:
      if (condition.key.startsWith('request.headers[') || condition.key.startsWith('request.auth.')) {
        value = undefined; // the model's requests carry no headers or tokens
        match = istioValueMatches;
        break;
      }
      return false;
  }
  return fieldMatches({ values: condition.values, notValues: condition.notValues }, value, match);
}

function stripHttpOnly(rule: ParsedRule): ParsedRule {
  const none: Field = {};
  return {
    from: rule.from?.map(s => ({ ...s, requestPrincipals: none })),
    to: rule.to?.map(o => ({ ...o, methods: none, paths: none, hosts: none })),
    when: rule.when.filter(c => !HTTP_ONLY_CONDITIONS.test(c.key)),
  };
}

function operationMatches(operation: ParsedOperation, query: Query): boolean {
  if (!fieldMatches(operation.ports, String(query.port), (p, v) => p === v)) {
    return false;
  }
  if (!query.http) {
    return true; // HTTP fields were handled by the caller
  }
  const request = query.request;
  if (request === undefined) {
    // Some request: any method, path and host can be chosen to satisfy the fields.
    return true;
  }
  // Probes carry no Host header: `hosts` is taken to be satisfiable.
  return fieldMatches(operation.methods, request.method, istioValueMatches)
    && fieldMatches(operation.paths, request.path, istioPathMatches);
}
