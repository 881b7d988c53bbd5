import { buildUniverse } from '../../src/analysis/endpoints';
import { formatFlow } from '../../src/analysis/flows';
import { declaredIntent } from '../../src/analysis/intent';
import { ServiceCatalog } from '../../src/model/catalog';
import { CatalogSpec, PortProtocol } from '../../src/model/types';
import { issueExample } from '../support/fixtures';

function intentOf(spec: CatalogSpec, hostCalls?: 'cidrs' | 'fqdn') {
  const catalog = ServiceCatalog.fromSpec(spec)._resolved;
  return declaredIntent(catalog, buildUniverse(catalog), { hostCalls });
}

describe('declared intent', () => {
  test('the issue example: calls on pod ports, every version, exposure, external ranges, DNS', () => {
    const intent = intentOf(issueExample);
    expect(intent.declared.map(formatFlow)).toEqual([
      'payments/charge -> kube-system/dns 53/TCP',
      'payments/charge -> kube-system/dns 53/UDP',
      'shop/catalog@v1 -> kube-system/dns 53/TCP',
      'shop/catalog@v1 -> kube-system/dns 53/UDP',
      'shop/catalog@v2 -> kube-system/dns 53/TCP',
      'shop/catalog@v2 -> kube-system/dns 53/UDP',
      'shop/checkout -> payments/charge 8080/TCP',
      'shop/checkout -> kube-system/dns 53/TCP',
      'shop/checkout -> kube-system/dns 53/UDP',
      'shop/checkout -> cidr:10.20.0.0/16 5432/TCP',
      'shop/checkout -> cidr:198.51.100.0/24 443/TCP',
      'shop/frontend -> shop/catalog@v1 8080/TCP',
      'shop/frontend -> shop/catalog@v2 8080/TCP',
      'shop/frontend -> shop/checkout 5050/TCP',
      'shop/frontend -> kube-system/dns 53/TCP',
      'shop/frontend -> kube-system/dns 53/UDP',
      'shop/loadgen -> shop/frontend 8080/TCP',
      'shop/loadgen -> kube-system/dns 53/TCP',
      'shop/loadgen -> kube-system/dns 53/UDP',
      'ingress-nginx/ingress-controller -> shop/frontend 8080/TCP',
    ]);
    expect(intent.tolerated.map(formatFlow)).toEqual([
      // The host is declared by its ranges; reaching it by name is fine too.
      'shop/checkout -> host:api.stripe.com 443/TCP',
      // The ingress controller resolves names wherever it runs.
      'ingress-nginx/ingress-controller -> kube-system/dns 53/TCP',
      'ingress-nginx/ingress-controller -> kube-system/dns 53/UDP',
      'payments/(other pod) -> kube-system/dns 53/TCP',
      'payments/(other pod) -> kube-system/dns 53/UDP',
      'shop/(other pod) -> kube-system/dns 53/TCP',
      'shop/(other pod) -> kube-system/dns 53/UDP',
    ]);
  });

  test('carries reasons and L7 routes', () => {
    const intent = intentOf(issueExample);
    const find = (text: string) => intent.declared.find(f => formatFlow(f) === text)!;
    expect(find('shop/frontend -> shop/checkout 5050/TCP')).toMatchObject({ reasons: ['call shop/frontend -> shop/checkout'], routes: ['place-order'] });
    expect(find('shop/checkout -> payments/charge 8080/TCP').routes).toEqual(['charge']);
    expect(find('shop/frontend -> shop/catalog@v2 8080/TCP').routes).toBeUndefined();
    expect(find('ingress-nginx/ingress-controller -> shop/frontend 8080/TCP').reasons).toEqual(['exposed shop/frontend']);
    expect(find('shop/checkout -> cidr:10.20.0.0/16 5432/TCP').reasons).toEqual(['cidr 10.20.0.0/16']);
    expect(find('shop/checkout -> cidr:198.51.100.0/24 443/TCP').reasons).toEqual(['host api.stripe.com']);
  });

  test('merges routes of calls on the same port; any unrestricted call lifts the limit', () => {
    const spec: CatalogSpec = {
      namespace: 'shop',
      services: [
        {
          name: 'api',
          ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }, { name: 'admin', port: 9090, protocol: PortProtocol.HTTP }],
          routes: [{ name: 'a', http: { path: '/a' }, port: 'http' }, { name: 'b', http: { path: '/b' }, port: 'http' }],
        },
        { name: 'web', clientOnly: true, calls: [{ service: 'api', routes: ['a'] }, { service: 'api', routes: ['b'] }] },
        { name: 'job', clientOnly: true, calls: [{ service: 'api', routes: ['a'] }, { service: 'api', port: 'http' }] },
      ],
    };
    const intent = intentOf(spec);
    const find = (text: string) => intent.declared.find(f => formatFlow(f) === text);
    expect(find('shop/web -> shop/api 8080/TCP')?.routes).toEqual(['a', 'b']);
    expect(find('shop/web -> shop/api 9090/TCP')).toBeUndefined();
    expect(find('shop/job -> shop/api 8080/TCP')?.routes).toBeUndefined();
  });

  test('hostCalls fqdn: the name is declared and its ranges are tolerated', () => {
    const intent = intentOf(issueExample, 'fqdn');
    const declared = intent.declared.map(formatFlow);
    expect(declared).toContain('shop/checkout -> host:api.stripe.com 443/TCP');
    expect(declared).not.toContain('shop/checkout -> cidr:198.51.100.0/24 443/TCP');
    expect(intent.tolerated.map(formatFlow)).toContain('shop/checkout -> cidr:198.51.100.0/24 443/TCP');
  });

  test('a host call without ranges is declared by name (so NetworkPolicy reports it missing)', () => {
    const intent = intentOf({ namespace: 'shop', services: [{ name: 'job', clientOnly: true, calls: [{ host: 'api.example.com', port: 443 }] }] });
    expect(intent.declared.map(formatFlow)).toContain('shop/job -> host:api.example.com 443/TCP');
  });

  test('cidr calls: UDP, except excluded, overlapping ranges by address', () => {
    const intent = intentOf({
      namespace: 'shop',
      services: [{
        name: 'job',
        clientOnly: true,
        calls: [
          { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'], port: 123, protocol: PortProtocol.UDP },
          { cidr: '10.1.0.0/16', port: 5432 },
        ],
      }],
    });
    expect(intent.declared.map(formatFlow).filter(f => !f.includes('dns'))).toEqual([
      'shop/job -> cidr:10.0.0.0/8 (except 10.1.0.0/16) 123/UDP',
      'shop/job -> cidr:10.1.0.0/16 5432/TCP',
      'shop/job -> except:10.1.0.0/16 5432/TCP',
    ]);
  });
});
