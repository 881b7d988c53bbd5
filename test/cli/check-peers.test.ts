/**
 * `mesh-ladder check` and `graph` on a catalog with peers: the exposure and peer lint
 * rules show up with their fixes (and suppressions), peers appear in the graph.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runCli, tmpDir } from '../support/cli';

const CATALOG = `namespace: shop
peers:
  - { name: kube-apiserver, kubeApiServer: true, cidrs: [192.0.2.0/28] }
  - { name: legacy, namespace: legacy }
services:
  - name: api
    ports:
      - { name: http, port: 80, targetPort: 8080, protocol: http }
      - { name: metrics, port: 9090, protocol: http, metrics: true }
    routes:
      - { name: list, http: { method: GET, pathPrefix: /items }, port: http, timeout: 1s }
    exposed: true
    suppress:
      - { rule: metrics-port-exposed, reason: the status page is public on purpose }
  - name: operator
    ports: [{ name: webhook, port: 443, targetPort: 9443 }]
    callers: [{ peer: kube-apiserver, port: webhook }]
    calls: [{ peer: kube-apiserver }]
`;

function writeCatalog(): string {
  const file = path.join(tmpDir('mesh-ladder-check-peers-'), 'catalog.yaml');
  fs.writeFileSync(file, CATALOG);
  return file;
}

describe('check with peers', () => {
  test('baseline: the new rules are warnings with fixes; a suppressed one is listed with its reason', async () => {
    const { code, stdout } = await runCli('check', writeCatalog(), '--phase', 'baseline');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^warning exposed-all-ports service shop\/api: exposed: true lets the ingress controller call every port: http \(80\), metrics \(9090\) .*Fix: replace exposed: true by the ports \(or routes\) the outside needs: callers: \[\{ peer: ingress-controller, ports: \[http\] \}\]\.$/m);
    expect(stdout).toMatch(/^warning unused-peer peer legacy: declared in peers but no service lists it in callers or calls/m);
    expect(stdout).toContain('suppressed warning metrics-port-exposed service shop/api port metrics: ');
    expect(stdout).toContain('Suppressed: the status page is public on purpose');
    expect(stdout).toMatch(/^lint: 0 error\(s\), 2 warning\(s\), 1 suppressed: OK$/m);
  });

  test('JSON carries the rule ids, subjects and services', async () => {
    const { code, stdout } = await runCli('check', writeCatalog(), '--phase', 'cilium', '--format', 'json');
    expect(code).toBe(0);
    const findings: Array<{ rule: string; subject: string; service?: string }> = JSON.parse(stdout).lint.findings;
    expect(findings.map(f => `${f.rule} ${f.subject}`).sort()).toEqual([
      'exposed-all-ports service shop/api',
      'exposed-without-route-restriction service shop/api',
      'metrics-port-exposed service shop/api port metrics',
      'unused-peer peer legacy',
    ]);
  });

  test('graph: peers are hexagons, the webhook edge comes from the API server', async () => {
    const { code, stdout } = await runCli('graph', writeCatalog(), '--phase', 'istio');
    expect(code).toBe(0);
    expect(stdout).toContain('n_peer_kube_apiserver{{"kube-apiserver (API server 192.0.2.0/28)"}}');
    expect(stdout).toContain('n_peer_kube_apiserver -->|"webhook"| n_shop_operator');
    expect(stdout).toContain('n_shop_operator -->|"443,6443"| n_peer_kube_apiserver');
    // The unused peer is no node.
    expect(stdout).not.toContain('legacy');
  });
});
