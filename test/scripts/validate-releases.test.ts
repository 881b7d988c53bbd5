/** scripts/validate-releases.ts: the targets it derives from index.json, and its skip without ../shared. */
import { main, releaseTargets } from '../../scripts/validate-releases';

const release = (project: string, name: string, channel?: string) => ({
  project, release: name, tag: name, ...(channel ? { channel } : {}), kinds: [],
});
const index = [
  release('linkerd', '2.14'), release('linkerd', '2.16'), release('linkerd', '2.18'),
  release('istio', '1.20'), release('istio', '1.22'), release('istio', '1.24'),
  release('cilium', '1.14'), release('cilium', '1.16'),
  release('cert-manager', 'v1.14'), release('cert-manager', 'v1.16'),
  release('trust-manager', 'v0.12.0'), release('trust-manager', 'v0.14.0'),
  release('gateway-api', 'v0.7.1', 'standard'), release('gateway-api', 'v0.7.1-experimental', 'experimental'),
  release('gateway-api', 'v1.2.1', 'standard'), release('gateway-api', 'v1.2.1-experimental', 'experimental'),
];

describe('validate-releases', () => {
  test('one target per release at or above its floor (others at their defaults), one at every floor; the rest skipped with the reason', () => {
    const log: string[] = [];
    const targets = releaseTargets(index, line => log.push(line));
    expect(targets.map(t => t.label)).toEqual([
      'Linkerd 2.16', 'Linkerd 2.18', 'Istio 1.22', 'Istio 1.24', 'Cilium 1.14', 'Cilium 1.16', 'cert-manager 1.14', 'cert-manager 1.16',
      'trust-manager 0.12', 'trust-manager 0.14', 'Gateway API 0.7', 'Gateway API 1.2', 'every project at its floor',
    ]);
    expect(log).toEqual([
      'skip linkerd 2.14 (2.14): below the supported floor 2.16',
      'skip istio 1.20 (1.20): below the supported floor 1.22',
      'skip gateway-api v0.7.1: platform.gatewayApi 0.7 targets the experimental channel',
      'skip gateway-api v1.2.1-experimental: platform.gatewayApi 1.2 targets the standard channel',
    ]);
    // The schemas of a target: every project's release folder (Linkerd's at the target's release).
    const linkerd216 = targets.find(t => t.label === 'Linkerd 2.16')!;
    expect(linkerd216.platform).toEqual({ linkerd: '2.16' });
    expect(linkerd216.releases.map(r => `${r.project} ${r.release}`)).toEqual(['cert-manager v1.16', 'cilium 1.16', 'istio 1.24', 'linkerd 2.16', 'trust-manager v0.14.0']);
    const floors = targets[targets.length - 1];
    expect(floors.releases.map(r => `${r.project} ${r.release}`)).toEqual(['cert-manager v1.14', 'cilium 1.14', 'istio 1.22', 'linkerd 2.16', 'trust-manager v0.12.0']);
    expect(targets.find(t => t.label === 'Gateway API 1.2')!.releases.map(r => r.release)).toContain('v1.2.1');
  });

  test('without ../shared: a notice and exit 0', () => {
    const log: string[] = [];
    expect(main(['--shared', '/nonexistent/shared'], line => log.push(line))).toBe(0);
    expect(log).toEqual([expect.stringMatching(/^notice: .*index\.json or .* not found; per-release validation skipped$/)]);
  });

  test('bad usage: exit 2', () => {
    expect(main(['--bogus'], () => undefined)).toBe(2);
  });
});
