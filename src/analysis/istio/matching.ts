/**
 * Istio's value, path and host matching (pure upstream rules, no config): what an
 * AuthorizationPolicy field, a Sidecar egress host or a ServiceEntry host matches.
 */
import { Field, ParsedServiceEntry, ParsedSidecar } from './parse';
import { CidrBlock, cidrContains } from '../../model/cidr';
import { Endpoint } from '../endpoints';

/** Istio string matching: exact, `prefix*`, `*suffix`, `*` (any non-empty value). */
export function istioValueMatches(pattern: string, value: string): boolean {
  if (pattern === '*') {
    return value.length > 0;
  }
  if (pattern.startsWith('*')) {
    return value.endsWith(pattern.slice(1));
  }
  if (pattern.endsWith('*')) {
    return value.startsWith(pattern.slice(0, -1));
  }
  return value === pattern;
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Characters of one path segment in an Envoy URI template (`{*}` = one or more of them,
 * `{**}` = any of them or `/`): RFC 3986 pchar without `=` and `*`. envoyproxy/envoy
 * source/extensions/path/uri_template_lib/uri_template_internal.cc (kLiteral).
 */
const TEMPLATE_SEGMENT = "[a-zA-Z0-9\\-._~%!$&'()+,;:@]";

/**
 * Istio path matching: value forms, plus templates (istio/istio#50365, Istio 1.22: a path
 * with `{*}` or `{**}` is an Envoy URI template).
 */
export function istioPathMatches(pattern: string, path: string): boolean {
  const p = path.split('?')[0];
  if (pattern.includes('{*}') || pattern.includes('{**}')) {
    const regex = escapeRegex(pattern).replace(/\\\{\\\*\\\*\\\}/g, `(?:${TEMPLATE_SEGMENT}|/)*`).replace(/\\\{\\\*\\\}/g, `${TEMPLATE_SEGMENT}+`);
    return new RegExp(`^${regex}$`).test(p);
  }
  return istioValueMatches(pattern, p);
}

/** True for `*`, `*.suffix` patterns covering `host` (which may be a wildcard itself). */
export function hostCovers(pattern: string, host: string | undefined): boolean {
  if (pattern === '*') {
    return true;
  }
  if (host === undefined) {
    return false;
  }
  if (pattern.startsWith('*.')) {
    return host === pattern || host.endsWith(pattern.slice(1));
  }
  return pattern === host;
}

/** Whether the sidecar's egress imports `host` of `namespace` (on service port `port`, if known). */
export function sidecarImports(sidecar: ParsedSidecar, namespace: string, host: string | undefined, servicePort?: number): boolean {
  if (!sidecar.egress) {
    return true;
  }
  return sidecar.egress.some(l => (l.port === undefined || servicePort === undefined || l.port === servicePort)
    && l.hosts.some(h => (h.namespace === '*' || h.namespace === namespace) && hostCovers(h.host, host)));
}

/** Whether a ServiceEntry is exported to `namespace` (`exportTo`: unset or `*` everywhere, `.` its own namespace). */
export function exportedTo(entry: ParsedServiceEntry, namespace: string): boolean {
  const to = entry.exportTo;
  return to === undefined || to.includes('*') || to.includes(namespace) || (to.includes('.') && entry.namespace === namespace);
}

/** A field of a source, operation or condition: some value matches, no notValue does. */
export function fieldMatches(field: Field, value: string | undefined, match: (pattern: string, value: string) => boolean): boolean {
  if (field.values && (value === undefined || !field.values.some(p => match(p, value)))) {
    return false;
  }
  if (field.notValues && value !== undefined && field.notValues.some(p => match(p, value))) {
    return false;
  }
  return true;
}

/** `ipBlocks`/`remoteIpBlocks` against the address of the peer (none: only an unset field matches). */
export function blocksMatch(field: { values?: CidrBlock[]; notValues?: CidrBlock[] }, endpoint: Endpoint): boolean {
  const ip = endpoint.ip;
  if (field.values && (ip === undefined || !field.values.some(b => cidrContains(b, ip)))) {
    return false;
  }
  if (field.notValues && ip !== undefined && field.notValues.some(b => cidrContains(b, ip))) {
    return false;
  }
  return true;
}
