/** How the CLI prints warnings: grouped per service, then one count line. */
import { groupByService, notesSummary, printWarnings } from '../../src/cli/warnings';

function capture(): { io: { stdout: (t: string) => void; stderr: (t: string) => void }; err: () => string } {
  let err = '';
  return { io: { stdout: () => undefined, stderr: t => { err += t; } }, err: () => err };
}

describe('printWarnings', () => {
  test('one `warning:` line per service with its findings below, in first-seen order, then a count line', () => {
    const { io, err } = capture();
    printWarnings(io, 'linkerd', [
      'shop/cart route add-item: retry conditions Linkerd cannot express: refused-stream',
      'payments/charge: route-level authorization on pod port 8080 replaces probes',
      'shop/cart: trafficPolicy is not emitted',
      'the linkerd phase warns about something global',
    ]);
    expect(err().split('\n')).toEqual([
      'warning: linkerd: shop/cart (2):',
      '  - route add-item: retry conditions Linkerd cannot express: refused-stream',
      '  - trafficPolicy is not emitted',
      'warning: linkerd: payments/charge (1):',
      '  - route-level authorization on pod port 8080 replaces probes',
      'warning: linkerd: catalog (1):',
      '  - the linkerd phase warns about something global',
      'linkerd: 4 warnings on 2 services',
      '',
    ]);
  });

  test('prints nothing without warnings; singular count words for one', () => {
    const none = capture();
    printWarnings(none.io, 'istio', []);
    expect(none.err()).toBe('');
    const one = capture();
    printWarnings(one.io, 'istio', ['shop/a pod port 80: x']);
    expect(one.err().trim().split('\n').pop()).toBe('istio: 1 warning on 1 service');
  });

  test('a service id is `namespace/name` in DNS labels; anything else is not grouped as a service', () => {
    const groups = groupByService(['a-b/c-d version v2: x', 'not a service: y', 'A/B: z']);
    expect([...groups.keys()]).toEqual(['a-b/c-d', '']);
    expect(groups.get('')).toEqual(['not a service: y', 'A/B: z']);
  });
});

test('notesSummary counts what the catalog chose to leave out, and says where the list is', () => {
  expect(notesSummary([])).toBe('');
  expect(notesSummary(['a'])).toBe('; 1 setting left out as the catalog chose (l7Fallback: skip; `mesh-ladder check` lists them)');
});
