/**
 * What every resolve pass shares: the issue list, field paths, the catalog-level defaults
 * and small validators (labels, durations, CIDRs, percentages).
 */
import { CidrBlock, parseCidr } from './cidr';
import { compareStrings } from './compare';
import { parseDuration } from './duration';
import { checkDns1123Label, checkDns1123Subdomain, checkLabelKey, checkLabelValue } from './names';
import { formatPath, ModelIssue, ResolvedLocation, ResolvedPort } from './resolved';
import { PortProtocol, WorkloadLocationSpec } from './types';
import { isRecord } from './values';

/** A field path in the catalog, e.g. `['services', 2, 'calls', 0]`. */
export type Path = Array<string | number>;

/** Defaults of the catalog-level fields. */
export const CATALOG_DEFAULTS = {
  namespace: 'default',
  clusterDomain: 'cluster.local',
  trustDomain: 'cluster.local',
  dns: { namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns' },
  ingressController: { namespace: 'ingress-nginx', selector: { 'app.kubernetes.io/name': 'ingress-nginx' }, serviceAccount: 'ingress-nginx' },
  linkerdNamespace: 'linkerd',
  istioNamespace: 'istio-system',
  istioDefaultTimeout: '15s',
  /** istiod's pod labels in a default installation. */
  istiodSelector: { app: 'istiod' },
  /** xDS and certificate signing over TLS: the only istiod port sidecars dial. */
  istiodPorts: [15012],
  certificateDuration: '2160h',
  certificateRenewBefore: '720h',
  caDuration: '43800h',
  caRenewBefore: '8760h',
  rootDuration: '87600h',
  rootRenewBefore: '8760h',
  caNamespace: 'cert-manager',
  caName: 'mesh-ladder',
  expiryAlertBefore: '168h',
  monitoring: { namespace: 'monitoring', selector: { 'app.kubernetes.io/name': 'prometheus' }, serviceAccount: 'prometheus-k8s' },
  kubeApiServerPorts: [443, 6443],
} as const;

/** Peers every catalog knows; all but `ingress-controller` can be replaced by declaring the name. */
export const BUILT_IN_PEERS = ['cluster', 'ingress-controller', 'kube-apiserver', 'monitoring', 'world'] as const;

/** Pods per service when the catalog does not say (for the cost assessment). */
export const DEFAULT_REPLICAS = 2;

/** cert-manager refuses renewBefore below five minutes. */
export const MIN_RENEW_BEFORE_MS = 5 * 60_000;

export const L7_PROTOCOLS: ReadonlySet<PortProtocol> = new Set([PortProtocol.HTTP, PortProtocol.HTTP2, PortProtocol.GRPC]);

export class Issues {
  public readonly list: ModelIssue[] = [];
  public error(path: Path, message: string): void {
    // The same finding reached twice (e.g. through two derived calls) is reported once.
    if (!this.list.some(i => i.severity === 'error' && i.message === message && formatPath(i.path) === formatPath(path))) {
      this.list.push({ severity: 'error', path, message });
    }
  }
  public warn(path: Path, message: string): void {
    this.list.push({ severity: 'warning', path, message });
  }
  public get hasErrors(): boolean {
    return this.list.some(i => i.severity === 'error');
  }
}

/** Like isRecord, without narrowing (for values already typed by the schema check). */
export function isMapping(value: unknown): boolean {
  return isRecord(value);
}

export function sortedRecord(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) {
    out[key] = record[key];
  }
  return out;
}

/** A value as messages show it: JSON, except numbers as JavaScript writes them (Infinity, NaN). */
export function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}


export function checkLabels(issues: Issues, path: Path, labels: unknown, what: string): Record<string, string> {
  if (labels === undefined) {
    return {};
  }
  if (!isRecord(labels)) {
    issues.error(path, `${what} must be a map of label keys to values`);
    return {};
  }
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = checkLabelKey(key);
    if (keyProblem) {
      issues.error([...path, key], keyProblem);
    }
    const valueProblem = checkLabelValue(value as string);
    if (valueProblem) {
      issues.error([...path, key], valueProblem);
    }
  }
  return sortedRecord(labels as Record<string, string>);
}

export function duration(issues: Issues, path: Path, value: string | undefined, fallback: string): number {
  const text = value ?? fallback;
  const ms = parseDuration(text);
  if (ms === undefined) {
    issues.error(path, `"${text}" is not a duration (use Go notation such as 500ms, 2s, 1h30m, 2160h)`);
    return 0;
  }
  return ms;
}

export function optionalDuration(issues: Issues, path: Path, value: string | undefined, what: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const ms = parseDuration(value);
  if (ms === undefined) {
    issues.error(path, `"${value}" is not a duration (use Go notation such as 500ms, 2s, 1h30m)`);
    return undefined;
  }
  if (ms <= 0) {
    issues.error(path, `${what} must be greater than zero`);
    return undefined;
  }
  return ms;
}

export function location(issues: Issues, path: Path, spec: WorkloadLocationSpec | undefined, fallback: ResolvedLocation): ResolvedLocation {
  if (!spec) {
    return { namespace: fallback.namespace, selector: { ...fallback.selector }, serviceAccount: fallback.serviceAccount };
  }
  const nsProblem = checkDns1123Label(spec.namespace ?? '');
  if (nsProblem) {
    issues.error([...path, 'namespace'], nsProblem);
  }
  const selector = checkLabels(issues, [...path, 'selector'], spec.selector, 'selector');
  if (Object.keys(selector).length === 0) {
    issues.error([...path, 'selector'], 'selector must name at least one label (an empty selector would match every pod in the namespace)');
  }
  if (spec.serviceAccount !== undefined && checkDns1123Subdomain(spec.serviceAccount)) {
    issues.error([...path, 'serviceAccount'], checkDns1123Subdomain(spec.serviceAccount)!);
  }
  return { namespace: spec.namespace, selector, serviceAccount: spec.serviceAccount ?? fallback.serviceAccount };
}

export function checkCidr(issues: Issues, path: Path, text: string): CidrBlock | undefined {
  const parsed = parseCidr(text);
  if (!parsed) {
    issues.error(path, `"${text}" is not a CIDR block (e.g. 10.20.0.0/16 or 2001:db8::/32)`);
    return undefined;
  }
  if (parsed.hadHostBits) {
    issues.error(path, `"${text}" has host bits set; did you mean ${parsed.text}?`);
    return undefined;
  }
  return parsed;
}

export function checkCidrList(issues: Issues, path: Path, cidrs: string[]): string[] {
  const out = cidrs.map((text, i) => checkCidr(issues, [...path, i], text)?.text).filter((t): t is string => t !== undefined);
  return [...new Set(out)].sort();
}

export function checkPercent(issues: Issues, path: Path, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    issues.error(path, `percent ${show(value)} must be a number from 0 to 100`);
    return 0;
  }
  return value;
}

/** Finds a port by reference: its name, or its (service) port number. */
export function findPort(ports: readonly ResolvedPort[], ref: string | number): ResolvedPort | undefined {
  if (typeof ref === 'number') {
    return ports.find(p => p.port === ref);
  }
  return ports.find(p => p.name === ref) ?? (/^\d+$/.test(ref) ? ports.find(p => p.port === Number(ref)) : undefined);
}

export function describePorts(ports: readonly ResolvedPort[]): string {
  return ports.map(p => (p.name ? `${p.name} (${p.port})` : String(p.port))).join(', ') || 'none';
}

export { compareStrings };
