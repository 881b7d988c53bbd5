import { MeshLadderChart } from '../src/chart';
import { ServiceCatalog } from '../src/model/catalog';
import { Phase } from '../src/model/phase';
import { Reachability } from '../src/reachability';
import { issueExample } from './support/fixtures';

const catalog = ServiceCatalog.fromSpec(issueExample);

describe('Reachability (public API)', () => {
  test('the synthesized baseline allows exactly the declared flows', () => {
    const result = Reachability.check(catalog, Phase.BASELINE);
    expect(result.ok).toBe(true);
    expect(result.problems).toEqual([]);
    expect(result.declaredCount).toBeGreaterThan(10);
    expect(result.summary).toMatch(/0 missing, 0 unexpected.*OK$/);
    expect(result.report).toContain('shop/frontend');
  });

  test('a manifest edit that drops a rule is reported as a missing flow', () => {
    const objects = MeshLadderChart.manifests(catalog, Phase.BASELINE);
    const charge = objects.find(o => o.kind === 'NetworkPolicy' && o.metadata.name === 'charge');
    charge.spec.ingress = [];
    const result = Reachability.check(catalog, Phase.BASELINE, objects);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual(['MISSING shop/checkout -> payments/charge 8080/TCP']);
  });
});
