import * as fc from 'fast-check';
import { CATALOG_LINT_RULES, CERTIFICATE_LINT_RULES } from '../../src/analysis/lint';
import { proveCertificates } from '../../src/certificate-proof';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { CatalogSpec, RootRotationStage } from '../../src/model/types';
import { propertyRuns } from '../support/property-runs';

const H = 3_600_000;
const minutes = (ms: number) => `${Math.max(5, Math.round(ms / 60_000))}m`;

/** Mostly near cert-manager's defaults, sometimes anywhere in the range (percent). */
const percent = (usual: [number, number], any: [number, number]) => fc.oneof(
  { arbitrary: fc.integer({ min: usual[0], max: usual[1] }), weight: 3 },
  { arbitrary: fc.integer({ min: any[0], max: any[1] }), weight: 1 },
);

/** Root, intermediate and leaf windows as fractions of each other, so every run stays small. */
const windows = fc.record({
  rootHours: fc.integer({ min: 400, max: 20_000 }),
  rootRenew: percent([5, 40], [0, 90]),
  intermediateOfRoot: percent([20, 80], [5, 120]),
  intermediateRenew: percent([30, 60], [0, 95]),
  leafOfIntermediate: percent([2, 30], [2, 100]),
  leafRenew: percent([20, 50], [0, 95]),
  overlapOfLeaf: fc.option(percent([80, 150], [5, 150]), { nil: undefined }),
  phase: fc.constantFrom(Phase.BASELINE, Phase.LINKERD),
});

type Windows = typeof windows extends fc.Arbitrary<infer T> ? T : never;

function catalogOf(w: Windows): ServiceCatalog | undefined {
  const rootMs = w.rootHours * H;
  const caMs = Math.max(48 * H, Math.round(w.intermediateOfRoot / 100 * rootMs / H) * H);
  const leafMs = Math.max(2 * H, Math.round(w.leafOfIntermediate / 100 * caMs / H) * H);
  const spec: CatalogSpec = {
    namespace: 'shop',
    certificates: {
      duration: `${leafMs / H}h`,
      renewBefore: minutes(w.leafRenew / 100 * leafMs),
      caDuration: `${caMs / H}h`,
      caRenewBefore: minutes(w.intermediateRenew / 100 * caMs),
      rootDuration: `${rootMs / H}h`,
      rootRenewBefore: minutes(w.rootRenew / 100 * rootMs),
      ...(w.overlapOfLeaf !== undefined
        ? { rootRotation: { nextRoot: 'root-2', stage: RootRotationStage.DISTRIBUTE, overlap: `${Math.max(1, Math.round(w.overlapOfLeaf / 100 * leafMs / H))}h` } }
        : {}),
    },
    services: [
      { name: 'web', ports: [{ port: 80 }], calls: [{ service: 'pay/api' }] },
      { name: 'api', namespace: 'pay', ports: [{ port: 80 }] },
    ],
  };
  try {
    return ServiceCatalog.fromSpec(spec);
  } catch {
    // The model refuses it (e.g. renewBefore not under the duration): nothing to prove.
    return undefined;
  }
}

const CERTIFICATE_RULES = new Set([...CERTIFICATE_LINT_RULES.map(r => r.id), 'ca-shorter-than-leaf']);

test('whatever the certificate lint accepts passes the time proof; whatever fails the proof is flagged', () => {
  const seen = { acceptedAndHolds: 0, flaggedAndFails: 0, flaggedButHolds: 0 };
  fc.assert(fc.property(windows, w => {
    const catalog = catalogOf(w);
    fc.pre(catalog !== undefined);
    const errors = CATALOG_LINT_RULES.filter(r => CERTIFICATE_RULES.has(r.id))
      .flatMap(r => r.check({ catalog: catalog!._resolved, phase: w.phase }))
      .filter(f => f.severity === 'error');
    const proof = proveCertificates(catalog!, w.phase);
    if (errors.length === 0) {
      // Accepted: must hold (a failure here names the configuration the linter missed).
      expect(proof.failure).toBeUndefined();
      seen.acceptedAndHolds++;
    } else if (!proof.ok) {
      seen.flaggedAndFails++;
    } else {
      seen.flaggedButHolds++;
    }
    return errors.length > 0 || proof.ok;
  }), { numRuns: propertyRuns(60), seed: 1414, endOnFailure: true });
  // Both sides of the implication occur: the property is not vacuous.
  expect(seen.acceptedAndHolds).toBeGreaterThan(propertyRuns(60) / 12);
  expect(seen.flaggedAndFails).toBeGreaterThan(propertyRuns(60) / 12);
});
