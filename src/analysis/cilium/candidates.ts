/**
 * The Cilium evaluator's fast path over a universe: which rules select each pod (exact),
 * and the `DirectionalIndex` of its allow rules with superset peer sets. The semantics
 * stay in evaluator.ts and match.ts (passed in as `CiliumIndexInputs`); this file only narrows who gets
 * asked.
 *
 * Peer supersets of an allow rule (`peerMatches` in evaluator.ts can only be narrower):
 * endpoint selectors by their `matchLabels`, `In` and `Exists` terms over every
 * endpoint's Cilium labels whatever the label source (no implicit namespace, `requires`
 * or authentication, which only narrow); entities by `entityMatches`; CIDR rules by the
 * addresses they hold; `toFQDNs` by every DNS-name endpoint (the DNS-lookup condition only
 * narrows); unmodelled peer kinds by nothing; a rule without a peer field by every
 * endpoint when it has `toPorts`, by nothing otherwise (as `peerMatches` has it).
 */
import { Bitset } from '../bitset';
import type { CiliumLabel, CiliumSelector } from './labels';
import type { ParsedCiliumRule } from './parse';
import type { PeerRule } from './peers';
import { cidrContains } from '../../model/cidr';
import { DirectionalIndex, DirectionalRule, DirectionRules } from '../directional-index';
import { Endpoint, Universe } from '../endpoints';
import { PortProbe } from '../flows';
import { LabelIndex, UniverseIndex, universeIndex } from '../universe-index';

export interface CiliumIndexInputs {
  readonly rules: ReadonlyArray<ParsedCiliumRule>;
  labelsOf(endpoint: Endpoint): ReadonlyArray<CiliumLabel>;
  /** Exactly whether the rule applies to the pod (namespace and endpoint selector). */
  selects(rule: ParsedCiliumRule, pod: Endpoint): boolean;
  entityMatches(entity: string, endpoint: Endpoint): boolean;
  /** Whether the peer rule's ports admit the probe to `to`. */
  portsAdmit(peer: PeerRule, to: Endpoint, probe: PortProbe): boolean;
}

export interface CiliumIndex {
  /** The rules selecting the endpoint at each position, in rule order. */
  readonly selecting: ReadonlyArray<ReadonlyArray<ParsedCiliumRule>>;
  readonly directions: DirectionalIndex;
}

export function buildCiliumIndex(universe: Universe, inputs: CiliumIndexInputs): CiliumIndex {
  const index = universeIndex(universe);
  const endpoints = universe.endpoints;
  const labels = ciliumLabelIndex(universe, inputs.labelsOf);
  const selected = inputs.rules.map(rule => {
    const scope = rule.clusterwide ? index.pods.clone() : index.podsIn(rule.namespace ?? '').clone();
    const out = new Bitset(index.size);
    scope.andWith(selectorSuperset(labels, rule.endpointSelector)).forEach(i => {
      if (inputs.selects(rule, endpoints[i])) {
        out.add(i);
      }
    });
    return out;
  });
  const selecting: ParsedCiliumRule[][] = Array.from({ length: index.size }, () => []);
  inputs.rules.forEach((rule, k) => selected[k].forEach(i => selecting[i].push(rule)));

  const direction = (enforces: (r: ParsedCiliumRule) => boolean, peersOf: (r: ParsedCiliumRule) => ReadonlyArray<PeerRule>): DirectionRules => {
    const isolated = new Bitset(index.size);
    const rules: DirectionalRule[] = [];
    inputs.rules.forEach((rule, k) => {
      if (enforces(rule)) {
        isolated.orWith(selected[k]);
      }
      for (const peer of peersOf(rule)) {
        const peers = peerSuperset(index, labels, inputs, peer);
        rules.push({ subjects: selected[k], peers, portsAdmit: (to, probe) => inputs.portsAdmit(peer, to, probe) });
      }
    });
    return { isolated, rules };
  };
  const directions = new DirectionalIndex(index, direction(r => r.enforcesIngress, r => r.ingress), direction(r => r.enforcesEgress, r => r.egress));
  return { selecting, directions };
}

/** Every endpoint's Cilium labels by `key=value`, whatever their source (built once per universe). */
export function ciliumLabelIndex(universe: Universe, labelsOf: (endpoint: Endpoint) => ReadonlyArray<CiliumLabel>): LabelIndex {
  const index = universeIndex(universe);
  return index.memo('cilium-labels', () => new LabelIndex(index.all, i => labelsOf(universe.endpoints[i]).map(l => [l.key, l.value] as const)));
}

/** Endpoints carrying every `matchLabels` term and some value of every `In`/`Exists` term, any label source. */
export function selectorSuperset(labels: LabelIndex, selector: CiliumSelector): Bitset {
  const out = labels.domain.clone();
  const empty = new Bitset(out.size);
  for (const term of selector.matchLabels) {
    out.andWith(labels.withPair(term.key, term.value) ?? empty);
  }
  for (const req of selector.matchExpressions) {
    if (req.operator === 'In') {
      out.andWith(labels.withAnyOf(req.key, req.values));
    } else if (req.operator === 'Exists') {
      out.andWith(labels.withKey(req.key) ?? empty);
    }
  }
  return out;
}

/** A superset of the endpoints a peer rule matches; undefined: any endpoint. */
function peerSuperset(index: UniverseIndex, labels: LabelIndex, inputs: CiliumIndexInputs, peer: PeerRule): Bitset | undefined {
  const hasPeerField = peer.endpoints !== undefined || peer.entities !== undefined || peer.cidrs !== undefined
    || peer.fqdns !== undefined || peer.unmodelled;
  if (!hasPeerField) {
    // No L3 part: every peer on the given ports; an empty rule (`{}`) matches nothing.
    return peer.toPorts !== undefined ? undefined : new Bitset(index.size);
  }
  const out = new Bitset(index.size);
  for (const selector of peer.endpoints ?? []) {
    out.orWith(selectorSuperset(labels, selector));
  }
  for (const entity of peer.entities ?? []) {
    out.orWith(index.where(`cilium-entity:${entity}`, e => inputs.entityMatches(entity, e)));
  }
  for (const c of peer.cidrs ?? []) {
    const key = `cilium-cidr:${c.cidr.text}:${c.except.map(x => x.text).join(',')}`;
    out.orWith(index.where(key, e => e.kind === 'ip' && e.ip !== undefined && cidrContains(c.cidr, e.ip) && !c.except.some(x => cidrContains(x, e.ip!))));
  }
  if (peer.fqdns !== undefined) {
    out.orWith(index.where('fqdn', e => e.kind === 'fqdn'));
  }
  return out;
}
