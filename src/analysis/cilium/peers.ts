/**
 * The peer rules of a Cilium policy (`ingress`, `ingressDeny`, `egress`, `egressDeny`
 * entries): endpoint selectors, entities, CIDR sets, `toFQDNs`, ports and authentication.
 */
import { CiliumSelector, parseSelector, present } from './labels';
import { CiliumPortRule, DnsMatcher, parseDnsMatcher, parsePortRules } from './ports';
import { CidrBlock, parseCidr } from '../../model/cidr';
import { CILIUM_ENTITIES } from '../../model/mesh-facts/cilium';
import { isRecord } from '../../model/values';

const ENTITIES: ReadonlySet<string> = new Set(CILIUM_ENTITIES);

export interface CidrPeer {
  readonly cidr: CidrBlock;
  readonly except: ReadonlyArray<CidrBlock>;
}

/** One ingress/egress (allow or deny) rule. */
export interface PeerRule {
  readonly endpoints?: ReadonlyArray<CiliumSelector>;
  readonly requires?: ReadonlyArray<CiliumSelector>;
  readonly entities?: ReadonlyArray<string>;
  readonly cidrs?: ReadonlyArray<CidrPeer>;
  readonly fqdns?: ReadonlyArray<DnsMatcher>;
  /** Peer kinds present that are not modelled (they match nothing here). */
  readonly unmodelled: boolean;
  /** undefined: every port. */
  readonly toPorts?: ReadonlyArray<CiliumPortRule>;
  readonly authentication?: string;
}

function parseCidrList(raw: unknown, at: string, problems: string[]): CidrPeer[] {
  if (!Array.isArray(raw)) {
    problems.push(`${at}: must be a list`);
    return [];
  }
  const out: CidrPeer[] = [];
  raw.forEach((entry: unknown, i: number) => {
    const text = typeof entry === 'string' ? entry : isRecord(entry) ? entry.cidr : undefined;
    if (isRecord(entry) && !present(entry.cidr)) {
      problems.push(`${at}[${i}]: only "cidr" is modelled (cidrGroupRef/cidrGroupSelector match nothing here)`);
      return;
    }
    const cidr = typeof text === 'string' ? parseCidr(text) : undefined;
    if (!cidr) {
      problems.push(`${at}[${i}]: not a CIDR: ${JSON.stringify(text)}`);
      return;
    }
    const except: CidrBlock[] = [];
    if (isRecord(entry) && Array.isArray(entry.except)) {
      for (const [j, e] of entry.except.entries()) {
        const block = typeof e === 'string' ? parseCidr(e) : undefined;
        if (!block) {
          problems.push(`${at}[${i}].except[${j}]: not a CIDR: ${JSON.stringify(e)}`);
          continue;
        }
        except.push(block);
      }
    }
    out.push({ cidr, except });
  });
  return out;
}

export function parsePeerRules(raw: unknown, at: string, direction: 'ingress' | 'egress', deny: boolean, problems: string[], warnings: string[]): PeerRule[] {
  if (!present(raw)) {
    return [];
  }
  if (!Array.isArray(raw)) {
    problems.push(`${at}: must be a list`);
    return [];
  }
  const side = direction === 'ingress' ? 'from' : 'to';
  return raw.map((rule: unknown, i: number): PeerRule => {
    const ruleAt = `${at}[${i}]`;
    if (!isRecord(rule)) {
      problems.push(`${ruleAt}: must be an object`);
      return { unmodelled: true };
    }
    const selectors = (field: string): CiliumSelector[] | undefined => {
      const value = rule[field];
      if (!present(value)) {
        return undefined;
      }
      if (!Array.isArray(value)) {
        problems.push(`${ruleAt}.${field}: must be a list`);
        return [];
      }
      return value.map((s: unknown, j: number) => parseSelector(s, `${ruleAt}.${field}[${j}]`, problems)).filter((s): s is CiliumSelector => !!s);
    };
    const endpoints = selectors(`${side}Endpoints`);
    const requires = selectors(`${side}Requires`);
    let entities: string[] | undefined;
    const rawEntities = rule[`${side}Entities`];
    if (present(rawEntities)) {
      if (!Array.isArray(rawEntities) || rawEntities.some(e => typeof e !== 'string' || !ENTITIES.has(e))) {
        problems.push(`${ruleAt}.${side}Entities: unknown entity in ${JSON.stringify(rawEntities)}`);
      } else {
        entities = rawEntities as string[];
      }
    }
    let cidrs: CidrPeer[] | undefined;
    for (const field of [`${side}CIDR`, `${side}CIDRSet`]) {
      if (present(rule[field])) {
        cidrs = [...(cidrs ?? []), ...parseCidrList(rule[field], `${ruleAt}.${field}`, problems)];
      }
    }
    let fqdns: DnsMatcher[] | undefined;
    if (direction === 'egress' && present(rule.toFQDNs)) {
      if (deny) {
        problems.push(`${ruleAt}.toFQDNs: not allowed in deny rules`);
      } else if (!Array.isArray(rule.toFQDNs)) {
        problems.push(`${ruleAt}.toFQDNs: must be a list`);
      } else {
        fqdns = rule.toFQDNs.map((f: unknown, j: number) => parseDnsMatcher(f, `${ruleAt}.toFQDNs[${j}]`, problems)).filter((f): f is DnsMatcher => !!f);
      }
    }
    const unmodelledFields = [`${side}Services`, `${side}Nodes`, `${side}Groups`].filter(f => present(rule[f]));
    if (unmodelledFields.length > 0) {
      warnings.push(`${ruleAt}: ${unmodelledFields.join(', ')} not modelled (treated as matching no endpoint)`);
    }
    if (present(rule.icmps)) {
      warnings.push(`${ruleAt}.icmps: ICMP is not modelled`);
    }
    const toPorts = parsePortRules(rule.toPorts, `${ruleAt}.toPorts`, direction, problems, warnings);
    if (deny && toPorts?.some(p => p.http || p.dns)) {
      problems.push(`${ruleAt}.toPorts: deny rules take no L7 rules`);
    }
    let authentication: string | undefined;
    if (isRecord(rule.authentication) && typeof rule.authentication.mode === 'string') {
      authentication = rule.authentication.mode;
    }
    return { endpoints, requires, entities, cidrs, fqdns, unmodelled: unmodelledFields.length > 0, toPorts, authentication };
  });
}

