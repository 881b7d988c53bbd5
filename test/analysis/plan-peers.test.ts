/**
 * Migration plans and runbooks with peers outside the catalog: every step is proven over
 * the peers' endpoints too (the scraper, the API server, a namespace peer, the world), and
 * the step that makes mTLS strict lists the ports that keep accepting plaintext.
 */
import { buildUniverse } from '../../src/analysis/endpoints';
import { phaseIntent } from '../../src/analysis/enforcement';
import { planSteps, PlanVerification, StepVerdict } from '../../src/analysis/plan';
import { plaintextExceptions, renderRunbook } from '../../src/analysis/runbook';
import { ServiceCatalog } from '../../src/model/catalog';
import { Phase } from '../../src/model/phase';
import { CatalogSpec, HttpMethod, PortProtocol } from '../../src/model/types';
import { MigrationPlan } from '../../src/plan';

/** An operator with a webhook the API server calls, a scraped API, a limited ingress, a namespace peer and a world egress. */
const SPEC: CatalogSpec = {
  namespace: 'shop',
  peers: [
    { name: 'kube-apiserver', kubeApiServer: true, cidrs: ['192.0.2.0/28'] },
    // With pod labels: a namespace-wide peer with a service account is ambiguous for the
    // namespace's other pods (L4 admits them, mesh identity does not).
    { name: 'ops', namespace: 'ops', selector: { app: 'console' }, serviceAccount: 'ops' },
  ],
  services: [
    {
      name: 'web',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }],
      routes: [{ name: 'home', http: { method: HttpMethod.GET, path: '/' } }],
      callers: [{ peer: 'ingress-controller', routes: ['home'] }],
      calls: [{ service: 'api', port: 'http' }],
    },
    {
      name: 'api',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'metrics', port: 9090, protocol: PortProtocol.HTTP, metrics: true }],
      callers: [{ peer: 'ops', port: 'http' }],
      calls: [{ peer: 'world', port: 443 }],
    },
    {
      name: 'operator',
      ports: [{ name: 'webhook', port: 443, targetPort: 9443 }],
      callers: [{ peer: 'kube-apiserver', port: 'webhook' }],
      calls: [{ peer: 'kube-apiserver' }],
    },
  ],
};
const catalog = ServiceCatalog.fromSpec(SPEC);

describe('plans prove steps over the peers', () => {
  test('the declared flows include every peer (the plan proves them, nothing assumes exposed)', () => {
    const universe = buildUniverse(catalog._resolved);
    const reasons = new Set(phaseIntent(catalog._resolved, universe, 'baseline', []).declared.flatMap(f => f.reasons));
    expect([...reasons].filter(r => !r.startsWith('call ') && r !== 'dns').sort()).toEqual([
      'caller ingress-controller -> shop/web',
      'caller kube-apiserver -> shop/operator',
      'caller ops -> shop/api',
      'metrics monitoring -> shop/api',
      'peer shop/api -> world',
      'peer shop/operator -> kube-apiserver',
    ]);
  });

  test.each([
    [Phase.BASELINE, Phase.CILIUM],
    [Phase.CILIUM, Phase.LINKERD],
    [Phase.LINKERD, Phase.ISTIO],
  ])('%s -> %s: every step keeps the peers\' flows and allows nothing beyond the ends', (from, to) => {
    const plan = MigrationPlan.create(catalog, from, to);
    for (const step of plan.steps) {
      expect({ id: step.id, missing: step.missing, beyond: step.beyond, discipline: step.discipline })
        .toEqual({ id: step.id, missing: [], beyond: [], discipline: undefined });
    }
    expect(plan.ok).toBe(true);
  });
});

describe('the runbook names the plaintext exceptions', () => {
  test('ports called by peers outside the mesh, with those peers', () => {
    expect(plaintextExceptions(catalog._resolved).map(e => `${e.service} ${e.port}: ${e.peers.map(p => p.name).join(',')}`)).toEqual([
      'shop/api metrics (9090): monitoring',
      'shop/operator webhook (443 → 9443): kube-apiserver',
    ]);
    const declared = ServiceCatalog.fromSpec({ services: [{ name: 'legacy', ports: [{ port: 8080, plaintext: true }] }] })._resolved;
    expect(plaintextExceptions(declared)).toEqual([{ service: 'default/legacy', port: '8080', peers: [] }]);
  });

  /** A plan cilium -> linkerd over stand-in objects, judged OK, rendered with the catalog. */
  function runbook(withCatalog: boolean): string {
    const objects = (phase: string, variant: string) => [{ apiVersion: phase === 'cilium' ? 'cilium.io/v2' : 'policy.linkerd.io/v1beta3', kind: phase === 'cilium' ? 'CiliumNetworkPolicy' : 'Server', metadata: { name: `${phase}-${variant}`, namespace: 'shop' } }];
    const steps = planSteps('cilium', 'linkerd', objects);
    const verdict = (id: string): StepVerdict => ({ id, objects: 1, added: 1, removed: 0, evaluator: 'cilium', declared: 0, allowed: 0, missing: [], missingRequests: [], beyond: [], ok: true });
    const verification: PlanVerification = { from: 'cilium', to: 'linkerd', declared: [], handover: [], start: verdict('00-start-cilium'), steps: steps.map(s => verdict(s.id)), ok: true };
    return renderRunbook(verification, steps, () => ['cilium', 'linkerd'], '## Target: graph\n', withCatalog ? catalog._resolved : undefined);
  }

  test('in the enforce step, with how to watch the API server and the scraper', () => {
    const text = runbook(true);
    const sections = text.split(/\n(?=## )/);
    const enforce = sections.find(s => /^## \d+-enforce-linkerd/.test(s))!;
    expect(enforce).toContain('Ports that keep accepting plaintext once mTLS is strict (their callers are outside the mesh; the mesh makes a port-level exception):\n\n'
      + '- shop/api port metrics (9090): monitoring\n- shop/operator port webhook (443 → 9443): kube-apiserver\n');
    expect(enforce).toContain('- webhooks and aggregated APIs stay reachable from the API server: `apiserver_admission_webhook_rejection_count{error_type="calling_webhook_error"}` does not rise');
    expect(enforce).toContain('- Prometheus still scrapes the metrics ports: no target turns `up == 0` (Status → Targets)');
    // Only the step that makes mTLS strict.
    expect(sections.filter(s => s.includes('Ports that keep accepting plaintext'))).toHaveLength(1);
  });

  test('other unmeshed callers are named; without the catalog nothing is added', () => {
    const partner = ServiceCatalog.fromSpec({
      peers: [{ name: 'partner', world: true, cidrs: ['198.51.100.0/24'] }],
      services: [{ name: 'api', ports: [{ port: 443 }], callers: [{ peer: 'partner' }, { peer: 'cluster' }] }],
    })._resolved;
    expect(plaintextExceptions(partner).map(e => e.peers.map(p => p.name))).toEqual([['cluster', 'partner']]);
    expect(runbook(false)).not.toContain('plaintext once mTLS is strict');
  });
});
