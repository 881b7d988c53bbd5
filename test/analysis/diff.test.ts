/**
 * The classification rules of the connectivity diff on small hand-made proofs (the shop's
 * end-to-end cases are in test/cli/diff.test.ts).
 */
import { diffFlows, diffObjects, diffRequests } from '../../src/analysis/diff';
import { Flow } from '../../src/analysis/flows';
import { DeclaredFlow } from '../../src/analysis/intent';
import { ReachabilityReport } from '../../src/analysis/reachability';
import { RequestFlow, RequestReport } from '../../src/analysis/requests';

const flow = (from: string, to: string, port = 8080): Flow => ({ from, to, port, protocol: 'TCP' });
const declared = (f: Flow): DeclaredFlow => ({ ...f, reasons: [`call ${f.from} -> ${f.to}`] });
const request = (f: Flow, method: string, path: string): RequestFlow => ({ ...f, method, path });

/** A proof: `allowed` flows, of which `declared` are declared; the rest unexpected unless `tolerated`. */
function proof(allowed: Flow[], declaredFlows: Flow[], tolerated: Flow[] = [], requests?: RequestReport): ReachabilityReport {
  const key = (f: Flow) => `${f.from} ${f.to} ${f.port}`;
  const declaredKeys = new Set(declaredFlows.map(key));
  const toleratedKeys = new Set(tolerated.map(key));
  const allowedKeys = new Set(allowed.map(key));
  return {
    evaluator: 'test',
    endpoints: [],
    allowed,
    declared: declaredFlows.map(declared),
    missing: declaredFlows.filter(f => !allowedKeys.has(key(f))).map(declared),
    unexpected: allowed.filter(f => !declaredKeys.has(key(f)) && !toleratedKeys.has(key(f))),
    tolerated: allowed.filter(f => toleratedKeys.has(key(f))),
    diagnostics: [],
    ...(requests ? { requests } : {}),
    ok: true,
  };
}

const AB = flow('ns/a', 'ns/b');
const AC = flow('ns/a', 'ns/c');
const WORLD_B = flow('world', 'ns/b');

describe('flow changes', () => {
  test('a flow the head declares is declared; one it does not is undeclared', () => {
    const changes = diffFlows(proof([AB], [AB]), proof([AB, AC, WORLD_B], [AB, AC]));
    expect(changes.map(c => [c.change, c.flow.from, c.flow.to, c.classification, c.head])).toEqual([
      ['added', 'ns/a', 'ns/c', 'declared', 'declared'],
      ['added', 'world', 'ns/b', 'undeclared', 'unexpected'],
    ]);
  });

  test('a removed flow the head still declares is undeclared (a call that silently disappears); a removed call is declared', () => {
    const changes = diffFlows(proof([AB, AC], [AB, AC]), proof([], [AB]));
    expect(changes.map(c => [c.flow.to, c.change, c.classification, c.head])).toEqual([
      ['ns/b', 'removed', 'undeclared', 'missing'],
      ['ns/c', 'removed', 'declared', 'not declared'],
    ]);
  });

  test('closing an undeclared flow, and a tolerated flow opening, are declared', () => {
    expect(diffFlows(proof([AB, WORLD_B], [AB]), proof([AB], [AB])).map(c => c.classification)).toEqual(['declared']);
    expect(diffFlows(proof([], []), proof([WORLD_B], [], [WORLD_B])).map(c => [c.classification, c.head])).toEqual([['declared', 'tolerated']]);
  });

  test('with a phase change, what the base catalog at the new phase does too is transition', () => {
    const cidr = flow('ns/a', 'cidr:198.51.100.0/24', 443);
    const host = flow('ns/a', 'host:api.example.com', 443);
    const base = proof([AB, cidr], [AB, cidr]);
    const midpoint = proof([AB, host], [AB, host]);
    // The head also adds a call: that one is the catalog's.
    const head = proof([AB, AC, host], [AB, AC, host]);
    expect(diffFlows(base, head, midpoint).map(c => [c.change, c.flow.to, c.classification])).toEqual([
      ['added', 'ns/c', 'declared'],
      ['added', 'host:api.example.com', 'transition'],
      ['removed', 'cidr:198.51.100.0/24', 'transition'],
    ]);
  });
});

describe('request changes', () => {
  const get = request(AB, 'GET', '/items');
  const del = request(AB, 'DELETE', '/items');
  const l7 = (allowed: RequestFlow[], declaredRequests: RequestFlow[]): RequestReport => ({
    probed: [get, del],
    declared: declaredRequests,
    allowed,
    missing: declaredRequests.filter(r => !allowed.includes(r)),
    unexpected: allowed.filter(r => !declaredRequests.includes(r)),
    tolerated: [],
  });

  test('an L4-only side lets every probed request through on its allowed flows: moving to L7 shows what L7 refuses', () => {
    const base = proof([AB], [AB]);
    const head = proof([AB], [AB], [], l7([get], [get]));
    // Same catalog: the base catalog proven at the head's phase is the head.
    expect(diffRequests(base, head, head).map(c => [c.change, c.request.method, c.classification, c.head])).toEqual([
      ['removed', 'DELETE', 'transition', 'not declared'],
    ]);
  });

  test('a request let through that the head neither declares nor judges (a permissive mode) is undeclared', () => {
    const base = proof([AB], [AB], [], l7([get], [get]));
    const permissive = proof([AB], [AB], [], { ...l7([get, del], [get]), unexpected: [] });
    expect(diffRequests(base, permissive).map(c => [c.change, c.request.method, c.classification, c.head])).toEqual([
      ['added', 'DELETE', 'undeclared', 'not declared'],
    ]);
  });
});

describe('object changes', () => {
  test('added, changed (with the fields) and removed, by identity; key order is no change', () => {
    const np = (name: string, spec: object) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'ns' }, spec });
    const base = [np('a', { x: 1, y: 2 }), np('b', { x: 1 }), np('gone', {})];
    const head = [np('a', { y: 2, x: 1 }), np('b', { x: 2 }), np('new', {})];
    expect(diffObjects(base, head).map(o => [o.change, o.name, o.fields])).toEqual([
      ['changed', 'b', ['spec']],
      ['removed', 'gone', undefined],
      ['added', 'new', undefined],
    ]);
  });
});
