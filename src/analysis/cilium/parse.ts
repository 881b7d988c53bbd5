/**
 * Cilium policies among the manifests (cilium.io/v2 CiliumNetworkPolicy and
 * CiliumClusterwideNetworkPolicy), validated and parsed into rules: one per `spec` or
 * `specs` entry. A rule with errors is left out, as Cilium would reject it.
 */
import { CiliumSelector, parseSelector, present } from './labels';
import { parsePeerRules, PeerRule } from './peers';
import { isRecord } from '../../model/values';
import { AnalysisDiagnostic } from '../flows';

export interface ParsedCiliumRule {
  /** `CiliumNetworkPolicy shop/frontend` (with `specs[i]` when from a list). */
  readonly subject: string;
  readonly clusterwide: boolean;
  /** Namespace of a namespaced policy. */
  readonly namespace?: string;
  readonly endpointSelector: CiliumSelector;
  readonly ingress: ReadonlyArray<PeerRule>;
  readonly ingressDeny: ReadonlyArray<PeerRule>;
  readonly egress: ReadonlyArray<PeerRule>;
  readonly egressDeny: ReadonlyArray<PeerRule>;
  readonly enforcesIngress: boolean;
  readonly enforcesEgress: boolean;
}

export interface ParsedCiliumPolicies {
  readonly rules: ParsedCiliumRule[];
  readonly diagnostics: AnalysisDiagnostic[];
}

/** True for CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy objects (cilium.io/v2). */
export function isCiliumPolicy(manifest: unknown): boolean {
  return isRecord(manifest) && manifest.apiVersion === 'cilium.io/v2'
    && (manifest.kind === 'CiliumNetworkPolicy' || manifest.kind === 'CiliumClusterwideNetworkPolicy');
}

/** A policy object's name, namespace and the subject its diagnostics are about. */
interface PolicyHeader {
  readonly subject: string;
  readonly clusterwide: boolean;
  readonly namespace?: string;
}

/**
 * Extracts and validates the Cilium policies among `manifests` (other kinds are ignored).
 * A rule with errors is left out, as Cilium would reject it.
 */
export function parseCiliumPolicies(manifests: ReadonlyArray<unknown>): ParsedCiliumPolicies {
  const rules: ParsedCiliumRule[] = [];
  const diagnostics: AnalysisDiagnostic[] = [];
  const seen = new Set<string>();
  manifests.forEach((manifest, index) => {
    if (!isCiliumPolicy(manifest)) {
      return;
    }
    const object = manifest as Record<string, unknown>;
    const header = policyHeader(object, index, seen, diagnostics);
    if (!header) {
      return;
    }
    const specs: Array<{ raw: unknown; at: string }> = [];
    if (present(object.spec)) {
      specs.push({ raw: object.spec, at: 'spec' });
    }
    if (Array.isArray(object.specs)) {
      object.specs.forEach((raw, i) => specs.push({ raw, at: `specs[${i}]` }));
    }
    if (specs.length === 0) {
      diagnostics.push({ severity: 'error', subject: header.subject, message: 'has neither spec nor specs (rejected)' });
      return;
    }
    for (const { raw, at } of specs) {
      const rule = parseRuleSpec(raw, at, header, specs.length > 1 ? `${header.subject} ${at}` : header.subject, diagnostics);
      if (rule) {
        rules.push(rule);
      }
    }
  });
  return { rules, diagnostics };
}

/** The policy's name and namespace (undefined: left out, an error said why); notes duplicates in `seen`. */
function policyHeader(
  object: Record<string, unknown>,
  index: number,
  seen: Set<string>,
  diagnostics: AnalysisDiagnostic[],
): PolicyHeader | undefined {
  const clusterwide = object.kind === 'CiliumClusterwideNetworkPolicy';
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : `#${index}`;
  let namespace: string | undefined;
  if (!clusterwide) {
    namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
  }
  const subject = `${object.kind} ${namespace ? `${namespace}/` : ''}${name}`;
  if (typeof metadata.name !== 'string') {
    diagnostics.push({ severity: 'error', subject, message: 'metadata.name is missing' });
    return undefined;
  }
  if (!clusterwide && namespace === undefined) {
    diagnostics.push({ severity: 'warning', subject, message: 'metadata.namespace is missing; it lands in the namespace kubectl targets (assumed "default")' });
    namespace = 'default';
  }
  if (seen.has(`${object.kind}/${namespace}/${name}`)) {
    diagnostics.push({ severity: 'error', subject, message: 'defined more than once (the later one replaces the earlier)' });
  }
  seen.add(`${object.kind}/${namespace}/${name}`);
  return { subject, clusterwide, namespace };
}

/**
 * One `spec` (or `specs` entry) as the rule `ruleSubject`; undefined when left out
 * (diagnostics, about the policy, say why).
 */
function parseRuleSpec(
  raw: unknown,
  at: string,
  header: PolicyHeader,
  ruleSubject: string,
  diagnostics: AnalysisDiagnostic[],
): ParsedCiliumRule | undefined {
  const { subject, clusterwide, namespace } = header;
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!isRecord(raw)) {
    diagnostics.push({ severity: 'error', subject, message: `${at}: must be an object` });
    return undefined;
  }
  if (present(raw.nodeSelector)) {
    diagnostics.push({ severity: 'warning', subject, message: `${at}: host policies (nodeSelector) are not modelled; rule left out` });
    return undefined;
  }
  if (!present(raw.endpointSelector)) {
    diagnostics.push({ severity: 'error', subject, message: `${at}: needs endpointSelector or nodeSelector (rejected)` });
    return undefined;
  }
  const endpointSelector = parseSelector(raw.endpointSelector, `${at}.endpointSelector`, problems);
  const ingress = parsePeerRules(raw.ingress, `${at}.ingress`, 'ingress', false, problems, warnings);
  const ingressDeny = parsePeerRules(raw.ingressDeny, `${at}.ingressDeny`, 'ingress', true, problems, warnings);
  const egress = parsePeerRules(raw.egress, `${at}.egress`, 'egress', false, problems, warnings);
  const egressDeny = parsePeerRules(raw.egressDeny, `${at}.egressDeny`, 'egress', true, problems, warnings);
  const defaultDeny = isRecord(raw.enableDefaultDeny) ? raw.enableDefaultDeny : {};
  for (const w of warnings) {
    diagnostics.push({ severity: 'warning', subject, message: w });
  }
  if (problems.length > 0 || !endpointSelector) {
    for (const message of problems) {
      diagnostics.push({ severity: 'error', subject, message: `${message} (Cilium rejects the rule; left out)` });
    }
    return undefined;
  }
  const hasIngress = ingress.length > 0 || ingressDeny.length > 0;
  const hasEgress = egress.length > 0 || egressDeny.length > 0;
  return {
    subject: ruleSubject,
    clusterwide,
    namespace,
    endpointSelector,
    ingress,
    ingressDeny,
    egress,
    egressDeny,
    enforcesIngress: hasIngress && defaultDeny.ingress !== false,
    enforcesEgress: hasEgress && defaultDeny.egress !== false,
  };
}
