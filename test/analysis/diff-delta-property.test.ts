/**
 * Soundness of the diff's delta proof (`src/analysis/diff-delta.ts`): for random synthetic
 * catalogs and random edits, in every phase, the diff whose base is proven by delta
 * from the head's proof is byte-identical (JSON) to the diff whose base is proven in
 * full, apart from the `baseProof` field that says which ran.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import * as YAML from 'yaml';
import { MeshLadderChart } from '../../src/chart';
import { runDiff } from '../../src/cli/diff';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { CallSpec, CatalogSpec, ServiceSpec } from '../../src/model/types';
import { tmpDir } from '../support/cli';
import { propertyRuns } from '../support/property-runs';
import { syntheticCatalog } from '../support/synthetic-catalog';

const PHASES: readonly Phase[] = [Phase.BASELINE, Phase.CILIUM, Phase.LINKERD, Phase.ISTIO];

type Edit =
  | { kind: 'add-call'; from: number; to: number }
  | { kind: 'remove-call'; service: number; call: number }
  | { kind: 'add-service'; like: number }
  | { kind: 'remove-service'; service: number }
  | { kind: 'change-port'; service: number }
  | { kind: 'flip-idempotency'; service: number }
  | { kind: 'add-external'; service: number; host: boolean }
  | { kind: 'change-setting' }
  | { kind: 'hand-edit'; object: number; widen: boolean }
  | { kind: 'phase-transition' };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('add-call' as const), from: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('remove-call' as const), service: fc.nat(), call: fc.nat() }),
  fc.record({ kind: fc.constant('add-service' as const), like: fc.nat() }),
  fc.record({ kind: fc.constant('remove-service' as const), service: fc.nat() }),
  fc.record({ kind: fc.constant('change-port' as const), service: fc.nat() }),
  fc.record({ kind: fc.constant('flip-idempotency' as const), service: fc.nat() }),
  fc.record({ kind: fc.constant('add-external' as const), service: fc.nat(), host: fc.boolean() }),
  fc.constant({ kind: 'change-setting' as const }),
  fc.record({ kind: fc.constant('hand-edit' as const), object: fc.nat(), widen: fc.boolean() }),
  fc.constant({ kind: 'phase-transition' as const }),
);

function idOf(spec: CatalogSpec, s: ServiceSpec): string {
  return `${s.namespace ?? spec.namespace}/${s.name}`;
}

/** Whether a call of `caller` names service `id` (by `namespace/name`, or by name in its own namespace). */
function callsService(spec: CatalogSpec, caller: ServiceSpec, call: CallSpec, id: string): boolean {
  const target = (call as any).service as string | undefined;
  return target !== undefined && (target.includes('/') ? target : `${caller.namespace ?? spec.namespace}/${target}`) === id;
}

/** The head catalog: `spec` with the edit applied (catalog edits only). */
function editedCatalog(spec: CatalogSpec, e: Edit): CatalogSpec {
  const services = spec.services.map(s => ({ ...s }));
  const at = (i: number) => i % services.length;
  switch (e.kind) {
    case 'add-call': {
      const callee = services[at(e.to)];
      const caller = services[at(e.from)];
      if (callee === caller || callee.clientOnly || (caller.calls ?? []).some(c => callsService(spec, caller, c, idOf(spec, callee)))) {
        return spec;
      }
      services[at(e.from)] = { ...caller, calls: [...(caller.calls ?? []), { service: idOf(spec, callee) }] };
      break;
    }
    case 'remove-call': {
      const s = services[at(e.service)];
      const calls = s.calls ?? [];
      if (calls.length === 0) {
        return spec;
      }
      services[at(e.service)] = { ...s, calls: calls.filter((_, i) => i !== e.call % calls.length) };
      break;
    }
    case 'add-service': {
      const like = services[at(e.like)];
      const { selector, versions, callers, exposed, ...rest } = like;
      services.push({ ...rest, name: `${like.name}-twin` });
      break;
    }
    case 'remove-service': {
      const gone = idOf(spec, services[at(e.service)]);
      const kept = services.filter(s => idOf(spec, s) !== gone);
      return { ...spec, services: kept.map(s => ({ ...s, calls: (s.calls ?? []).filter(c => !callsService(spec, s, c, gone)) })) };
    }
    case 'change-port': {
      const s = services[at(e.service)];
      if (!s.ports || s.ports.length === 0) {
        return spec;
      }
      const [first, ...others] = s.ports;
      services[at(e.service)] = { ...s, ports: [{ ...first, port: first.port + 1000, targetPort: (first.targetPort ?? first.port) + 1 }, ...others] };
      break;
    }
    case 'flip-idempotency': {
      const s = services[at(e.service)];
      if (!s.routes || s.routes.length === 0) {
        return spec;
      }
      const [first, ...others] = s.routes;
      services[at(e.service)] = { ...s, routes: [{ ...first, idempotent: !(first.idempotent ?? false) }, ...others] };
      break;
    }
    case 'add-external': {
      const s = services[at(e.service)];
      const call: CallSpec = e.host
        ? { host: 'feeds.partner.example', port: 8443, cidrs: ['198.51.100.16/28'] }
        : { cidr: '198.51.100.0/24', port: 9443 };
      services[at(e.service)] = { ...s, calls: [...(s.calls ?? []), call] };
      break;
    }
    case 'change-setting':
      return { ...spec, namespaces: (spec.namespaces ?? []).map((n, i) => (i === 0 ? { ...n, labels: { ...n.labels, zone: 'edge' } } : n)) };
    default:
      return spec;
  }
  return { ...spec, services };
}

/** A hand edit of synthesized manifests: a policy opened to everyone, or an object deleted. */
function handEdited(objects: any[], objectIndex: number, widen: boolean): any[] {
  const copy = objects.map(o => JSON.parse(JSON.stringify(o)));
  const policies = copy.map((o, i) => [o, i] as const).filter(([o]) => ['NetworkPolicy', 'CiliumNetworkPolicy', 'AuthorizationPolicy'].includes(o.kind));
  if (!widen || policies.length === 0) {
    copy.splice(objectIndex % copy.length, 1);
    return copy;
  }
  const [policy] = policies[objectIndex % policies.length];
  if (policy.kind === 'NetworkPolicy') {
    policy.spec.ingress = [...(policy.spec.ingress ?? []), {}];
    policy.spec.policyTypes = [...new Set([...(policy.spec.policyTypes ?? []), 'Ingress'])];
  } else if (policy.kind === 'CiliumNetworkPolicy') {
    policy.spec.ingress = [...(policy.spec.ingress ?? []), { fromEntities: ['all'] }];
  } else {
    policy.spec.rules = [...(policy.spec.rules ?? []), {}];
  }
  return copy;
}

function writeManifests(objects: any[], phase: Phase): string {
  const root = tmpDir('mesh-ladder-delta-');
  fs.mkdirSync(path.join(root, phase));
  fs.writeFileSync(path.join(root, phase, 'manifests.yaml'), objects.map(o => YAML.stringify(o)).join('---\n'));
  return root;
}

async function diffJson(base: ServiceCatalog, head: ServiceCatalog, phase: Phase, delta: boolean, extra: { basePhase?: Phase; manifests?: string }) {
  let stdout = '';
  const io = { stdout: (text: string) => { stdout += text; }, stderr: () => undefined };
  const code = await runDiff(base, head, { headFile: 'head.yaml', baseLabel: 'base.yaml', phases: [phase], format: 'json', parallel: false, delta, ...extra }, io);
  const result = JSON.parse(stdout);
  const proofs = result.phases.map((p: any) => p.baseProof);
  result.phases.forEach((p: any) => delete p.baseProof);
  return { code, json: JSON.stringify(result, null, 2), proofs };
}

describe('diff: the delta proof of the base gives the full proof\'s diff', () => {
  const proofs = new Map<string, number>();
  afterAll(() => {
    // The property is not vacuous: some of the cases ran the delta path.
    expect(proofs.get('delta') ?? 0).toBeGreaterThan(0);
  });

  test('random catalogs x random edits x every phase: byte-identical JSON', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 3, max: 9 }), fc.integer({ min: 1, max: 1000 }), edit, fc.constantFrom(...PHASES),
      async (size, seed, e, phase) => {
        const spec = syntheticCatalog({ services: size, seed });
        const base = ServiceCatalog.fromSpec(spec);
        const extra: { basePhase?: Phase; manifests?: string } = {};
        let head = base;
        if (e.kind === 'hand-edit') {
          extra.manifests = writeManifests(handEdited(MeshLadderChart.synthesize(base, phase).objects, e.object, e.widen), phase);
        } else if (e.kind === 'phase-transition') {
          extra.basePhase = PHASES[Math.max(0, PHASES.indexOf(phase) - 1)];
        } else {
          let edited: ServiceCatalog | undefined;
          try {
            edited = ServiceCatalog.fromSpec(editedCatalog(spec, e));
          } catch {
            edited = undefined; // an edit the catalog rejects (e.g. a removed port a call names) is no diff
          }
          fc.pre(edited !== undefined);
          head = edited!;
        }
        const delta = await diffJson(base, head, phase, true, extra);
        const full = await diffJson(base, head, phase, false, extra);
        delta.proofs.forEach((p: any) => proofs.set(p.proof, (proofs.get(p.proof) ?? 0) + 1));
        expect(delta.code).toBe(full.code);
        expect(delta.json).toBe(full.json);
      }),
    { numRuns: propertyRuns(48, 8), seed: 1919 });
  }, 120_000);
});
