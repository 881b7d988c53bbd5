import { istioPathMatches } from '../../../src/analysis/istio';
import { ResolvedRoute } from '../../../src/model/resolved';
import { authorizationPaths, wideningExample } from '../../../src/phases/istio/paths';
import { finitePieces } from '../../../src/phases/istio/regex-pieces';

/** Whether the paths match exactly the regex on `samples` (full match, as the catalog means it). */
function agrees(regex: string, paths: string[], samples: string[]): string[] {
  const re = new RegExp(`^(?:${regex.replace(/\(\?P</g, '(?<')})$`);
  return samples.filter(p => re.test(p) !== paths.some(pattern => istioPathMatches(pattern, p)));
}

const SAMPLES = ['/', '/a', '/b', '/a/b', '/v1/users', '/v2/groups', '/v3/users', '/v1/user', '/b/x', '/b/y', '/b/z', '/b/', '/x/abc/y', '/x//y', '/x/a/b/y',
  '/cart/items/1', '/cart/items/', '/cart/items/a/b', '/0', '/9', '/01', '/a/', '/a/bb'];

describe('finite regexes become exact AuthorizationPolicy paths', () => {
  test.each([
    ['/v[12]/(users|groups)', ['/v1/groups', '/v1/users', '/v2/groups', '/v2/users']],
    ['/b/(x|y)', ['/b/x', '/b/y']],
    ['^/a|/b$', ['/a', '/b']],
    ['/a/b?', ['/a/', '/a/b']],
    ['/x/[^/]+/y', ['/x/{*}/y']],
    ['/cart/items/[^/]+', ['/cart/items/{*}']],
    ['(?P<id>/[0-9])', ['/0', '/1', '/2', '/3', '/4', '/5', '/6', '/7', '/8', '/9']],
  ])('%s → %j, matching the same sample paths', (regex, paths) => {
    expect(finitePieces(regex)).toEqual(paths);
    expect(agrees(regex, paths, SAMPLES)).toEqual([]);
    const route = { name: 'r', kind: 'http', http: { pathRegex: regex }, ports: [], idempotent: false, idempotentSource: 'default' } as unknown as ResolvedRoute;
    expect(authorizationPaths(route)).toEqual({ paths, exact: true });
  });

  test.each(['/products/[a-z0-9-]+', '/accounts/[0-9]+/balance', '/x/\\d{2}', '/a.b', '/a|b', '/a*', '/[^/]+x', '/a/(b|c)+'])('%s has no small finite form', regex => {
    expect(finitePieces(regex)).toBeUndefined();
  });

  test('template literals are Envoy\'s characters: `=` is fine in an exact path, not next to {*}', () => {
    expect(finitePieces('/a=b')).toEqual(['/a=b']);
    expect(finitePieces('/a=b/[^/]+')).toBeUndefined();
  });

  test('wider forms name a path they let through', () => {
    const route = { name: 'r', kind: 'http', http: { pathRegex: '/products/[a-z0-9-]+' }, ports: [], idempotent: false, idempotentSource: 'default' } as unknown as ResolvedRoute;
    expect(authorizationPaths(route)).toEqual({ paths: ['/products/{*}'], exact: false });
    expect(wideningExample(['/products/{*}'], '/products/[a-z0-9-]+')).toBe('/products/Z~Z');
  });
});
