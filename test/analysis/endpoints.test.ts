import { buildUniverse } from '../../src/analysis/endpoints';
import { ServiceCatalog } from '../../src/model/catalog';
import { formatIp } from '../../src/model/cidr';
import { PortProtocol } from '../../src/model/types';
import { issueExample } from '../support/fixtures';

describe('endpoint universe', () => {
  const catalog = ServiceCatalog.fromSpec(issueExample)._resolved;
  const universe = buildUniverse(catalog);

  test('names every endpoint, workloads first, in a stable order', () => {
    expect(universe.endpoints.map(e => e.id)).toEqual([
      'payments/charge',
      'shop/catalog@v1',
      'shop/catalog@v2',
      'shop/checkout',
      'shop/frontend',
      'shop/loadgen',
      'ingress-nginx/ingress-controller',
      'kube-system/dns',
      'payments/(other pod)',
      'shop/(other pod)',
      'ingress-nginx/(other pod)',
      'kube-system/(other pod)',
      '(other namespace)',
      '(other namespace) like payments/charge',
      '(other namespace) like shop/catalog@v1',
      '(other namespace) like shop/catalog@v2',
      '(other namespace) like shop/checkout',
      '(other namespace) like shop/frontend',
      '(other namespace) like shop/loadgen',
      '(other namespace) like ingress-nginx/ingress-controller',
      '(other namespace) like kube-system/dns',
      'cidr:10.20.0.0/16',
      'cidr:198.51.100.0/24',
      'world',
      'world6',
      'host:api.stripe.com',
    ]);
    expect(buildUniverse(catalog).endpoints).toEqual(universe.endpoints);
  });

  test('workload pods: selector plus version labels, named pod ports, service account', () => {
    expect(universe.endpoint('shop/catalog@v2')).toMatchObject({
      kind: 'pod',
      role: 'workload',
      namespace: 'shop',
      labels: { app: 'catalog', version: 'v2' },
      serviceAccount: 'catalog',
      containerPorts: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      workload: { serviceId: 'shop/catalog', version: 'v2', clientOnly: false },
      inCatalogNamespace: true,
      governed: true,
    });
    expect(universe.endpoint('shop/loadgen')).toMatchObject({ labels: { app: 'loadgen' }, containerPorts: [], workload: { clientOnly: true } });
    expect(universe.workloadEndpoints('shop/catalog').map(e => e.id)).toEqual(['shop/catalog@v1', 'shop/catalog@v2']);
  });

  test('cluster components, probes and their namespaces', () => {
    expect(universe.endpoint('ingress-nginx/ingress-controller')).toMatchObject({
      namespace: 'ingress-nginx',
      labels: { 'app.kubernetes.io/name': 'ingress-nginx' },
      inCatalogNamespace: false,
      governed: false,
    });
    expect(universe.endpoint('kube-system/dns').containerPorts).toEqual([{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]);
    expect(universe.endpoint('shop/(other pod)')).toMatchObject({ labels: {}, serviceAccount: 'default', inCatalogNamespace: true, governed: true });
    const foreign = universe.endpoint('(other namespace) like shop/frontend');
    expect(foreign).toMatchObject({
      labels: { app: 'frontend' },
      serviceAccount: 'frontend',
      containerPorts: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      governed: false,
    });
    expect(universe.namespace(foreign.namespace!)).toMatchObject({ displayName: '(other namespace)', inCatalog: false });
    expect(universe.namespace('shop')!.labels).toEqual({ 'kubernetes.io/metadata.name': 'shop' });
  });

  test('external addresses: inside declared ranges, and a world outside them', () => {
    const address = (id: string) => formatIp(universe.endpoint(id).ip!);
    expect(address('cidr:10.20.0.0/16')).toBe('10.20.0.1');
    expect(address('cidr:198.51.100.0/24')).toBe('198.51.100.1');
    expect(address('world')).toBe('203.0.113.10');
    expect(address('world6')).toBe('2001:db8:ffff::10');
    expect(universe.endpoint('host:api.stripe.com')).toMatchObject({ kind: 'fqdn', host: 'api.stripe.com' });
  });

  test('probes every declared port, DNS and an unused port, on both protocols', () => {
    expect(universe.probes.map(p => `${p.port}/${p.protocol}`)).toEqual([
      '53/TCP', '53/UDP', '80/TCP', '80/UDP', '443/TCP', '443/UDP', '5050/TCP', '5050/UDP', '5432/TCP', '5432/UDP',
      '8080/TCP', '8080/UDP', '65000/TCP', '65000/UDP',
    ]);
  });

  test('except ranges get their own probe, and the world moves out of declared ranges', () => {
    const u = buildUniverse(ServiceCatalog.fromSpec({
      namespace: 'shop',
      services: [{
        name: 'job',
        clientOnly: true,
        calls: [
          { cidr: '203.0.113.0/24', except: ['203.0.113.0/25'], port: 443 },
          { cidr: '2001:db8::/32', port: 443, protocol: PortProtocol.UDP },
          { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'], port: 65000 },
        ],
      }],
    })._resolved);
    const addresses = Object.fromEntries(u.endpoints.filter(e => e.ip).map(e => [e.id, formatIp(e.ip!)]));
    expect(addresses).toEqual({
      'cidr:0.0.0.0/0 (except 10.0.0.0/8)': '0.0.0.1',
      'except:10.0.0.0/8': '10.0.0.1',
      'cidr:203.0.113.0/24 (except 203.0.113.0/25)': '203.0.113.128',
      'except:203.0.113.0/25': '203.0.113.1',
      'cidr:2001:db8::/32': '2001:db8::1',
      // 0.0.0.0/0 covers every IPv4 address: no IPv4 world; the IPv6 one avoids 2001:db8::/32.
      'world6': '::1',
    });
    expect(u.probes.some(p => p.port === 65000)).toBe(true);
    expect(u.probes.filter(p => p.port === 65001).map(p => p.protocol)).toEqual(['TCP', 'UDP']);
  });

  test('podCidr gives every pod an address', () => {
    const u = buildUniverse(catalog, { podCidr: '10.244.0.0/16' });
    const pods = u.endpoints.filter(e => e.kind === 'pod');
    expect(formatIp(pods[0].ip!)).toBe('10.244.0.1');
    expect(new Set(pods.map(p => formatIp(p.ip!))).size).toBe(pods.length);
    expect(() => buildUniverse(catalog, { podCidr: '10.244.0.0/30' })).toThrow(/too small/);
    expect(() => buildUniverse(catalog, { podCidr: 'pods' })).toThrow(/not a CIDR/);
  });
});

describe('universe corner cases', () => {
  test('a range fully excluded by except has no sample, and the report warns', () => {
    const u = buildUniverse(ServiceCatalog.fromSpec({
      namespace: 'shop',
      services: [{ name: 'job', clientOnly: true, calls: [{ cidr: '10.0.0.0/24', except: ['10.0.0.0/25', '10.0.0.128/25'], port: 443 }] }],
    })._resolved);
    expect(u.notes).toEqual(['shop/job: every address of 10.0.0.0/24 is excluded by except']);
    expect(u.endpoints.filter(e => e.role === 'cidr')).toEqual([]);
    expect(u.endpoints.filter(e => e.role === 'except').map(e => e.id)).toEqual(['except:10.0.0.0/25', 'except:10.0.0.128/25']);
  });

  test('the foreign namespace never collides with a real one', () => {
    const u = buildUniverse(ServiceCatalog.fromSpec({ namespace: 'mesh-ladder-foreign', services: [{ name: 'web', ports: [{ port: 80 }] }] })._resolved);
    const foreign = u.endpoint('(other namespace)').namespace!;
    expect(foreign).not.toBe('mesh-ladder-foreign');
    expect(u.namespace(foreign)!.inCatalog).toBe(false);
    expect(u.namespace('mesh-ladder-foreign')!.inCatalog).toBe(true);
  });

  test('unknown endpoints and workloads', () => {
    const u = buildUniverse(ServiceCatalog.fromSpec(issueExample)._resolved);
    expect(() => u.endpoint('shop/nope')).toThrow('unknown endpoint shop/nope');
    expect(u.workloadEndpoints('shop/nope')).toEqual([]);
    expect(u.namespace('nope')).toBeUndefined();
  });
});
