/**
 * The fast path of a policy system that decides each direction of a connection on its own
 * (NetworkPolicy, Cilium): the sources that can reach a destination on a port, as a
 * bitset over the universe, from the rules' subjects (the pods a policy selects) and
 * peers (what a rule admits), computed once per rule instead of once per pair.
 *
 * Why it is a safe superset of `allows(·, to, probe)`: such a system allows a connection
 * only when the destination's ingress passes (it is not isolated, or an allow rule of a
 * policy selecting it matches the source and the port) AND the source's egress passes (it
 * is not isolated, or an allow rule of a policy selecting the source matches the
 * destination and the port). The first set is the union of the peers of the ingress
 * rules whose subjects hold `to` and whose ports admit the probe (everything when `to` is
 * not isolated); the second the non-isolated sources plus the subjects of the egress
 * rules whose peers hold `to` and whose ports admit the probe. Peers and ports given as
 * supersets keep both unions supersets; deny rules only remove. The analyzer then calls
 * `allows` on the survivors, so verdicts are the evaluator's own.
 */
import { Bitset } from './bitset';
import { Endpoint } from './endpoints';
import { PortProbe } from './flows';
import { UniverseIndex } from './universe-index';

/** One allow rule of one policy, in one direction. */
export interface DirectionalRule {
  /** The pods whose traffic the rule governs (the pods its policy selects). */
  readonly subjects: Bitset;
  /** A superset of the peers the rule admits; undefined: any endpoint. */
  readonly peers: Bitset | undefined;
  /** Whether the rule's ports may admit `probe` to `to` (a superset is fine). */
  portsAdmit(to: Endpoint, probe: PortProbe): boolean;
}

export interface DirectionRules {
  /** The endpoints whose traffic in this direction is isolated (default-deny). */
  readonly isolated: Bitset;
  readonly rules: ReadonlyArray<DirectionalRule>;
}

/** Peers sets larger than this share of the universe are tested per destination, not inverted. */
const INVERT_LIMIT = 0.25;

export class DirectionalIndex {
  /** Ingress rules by the position of a subject. */
  private readonly ingressBySubject: DirectionalRule[][];
  /** Egress rules by the position of a peer (rules with small peer sets). */
  private readonly egressByPeer: DirectionalRule[][];
  /** Egress rules with any or many peers: tested against every destination. */
  private readonly egressWide: DirectionalRule[] = [];
  private readonly egressOpen: Bitset;

  public constructor(private readonly index: UniverseIndex, private readonly ingress: DirectionRules, egress: DirectionRules) {
    this.ingressBySubject = Array.from({ length: index.size }, () => []);
    this.egressByPeer = Array.from({ length: index.size }, () => []);
    for (const rule of ingress.rules) {
      rule.subjects.forEach(i => this.ingressBySubject[i].push(rule));
    }
    for (const rule of egress.rules) {
      if (rule.subjects.isEmpty()) {
        continue;
      }
      if (rule.peers === undefined || rule.peers.count() > index.size * INVERT_LIMIT) {
        this.egressWide.push(rule);
      } else {
        rule.peers.forEach(i => this.egressByPeer[i].push(rule));
      }
    }
    this.egressOpen = index.all.clone().andNotWith(egress.isolated);
  }

  /** A superset of the sources whose connection to `to` on `probe` passes both directions. */
  public sources(to: Endpoint, probe: PortProbe): Bitset {
    const ingress = this.ingressSources(to, probe);
    if (ingress === undefined) {
      return this.egressSources(to, probe);
    }
    if (ingress.isEmpty()) {
      return ingress; // nothing admitted: no need for the egress side
    }
    // The few sources the ingress side admits are tested one by one against the egress
    // rules that admit `to`, instead of building the egress row (a universe-sized copy).
    const egress = this.admittingEgress(to, probe);
    ingress.forEach(i => {
      if (!this.egressOpen.has(i) && !egress.some(rule => rule.subjects.has(i))) {
        ingress.delete(i);
      }
    });
    return ingress;
  }

  /** A superset of the sources the destination's ingress admits; undefined: any. */
  public ingressSources(to: Endpoint, probe: PortProbe): Bitset | undefined {
    const at = this.index.position(to);
    if (!this.ingress.isolated.has(at)) {
      return undefined;
    }
    const out = new Bitset(this.index.size);
    for (const rule of this.ingressBySubject[at]) {
      if (rule.portsAdmit(to, probe)) {
        if (rule.peers === undefined) {
          return undefined;
        }
        out.orWith(rule.peers);
      }
    }
    return out;
  }

  /** A superset of the sources whose egress admits `to` on `probe`. */
  public egressSources(to: Endpoint, probe: PortProbe): Bitset {
    const out = this.egressOpen.clone();
    for (const rule of this.admittingEgress(to, probe)) {
      out.orWith(rule.subjects);
    }
    return out;
  }

  /** The egress rules whose peers (a superset) hold `to` and whose ports may admit `probe`. */
  private admittingEgress(to: Endpoint, probe: PortProbe): DirectionalRule[] {
    const at = this.index.position(to);
    const out: DirectionalRule[] = [];
    for (const rule of this.egressByPeer[at]) {
      if (rule.portsAdmit(to, probe)) {
        out.push(rule);
      }
    }
    for (const rule of this.egressWide) {
      if ((rule.peers === undefined || rule.peers.has(at)) && rule.portsAdmit(to, probe)) {
        out.push(rule);
      }
    }
    return out;
  }
}
