/**
 * The cdk8s validation plugin, loaded and run the way cdk8s-cli 2.207 runs it: its
 * PluginManager instantiates the class by name from a local package path, and a real
 * ValidationContext over the files and construct metadata a cdk8s App wrote.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { ValidationContext } from 'cdk8s-cli/plugins';
import * as YAML from 'yaml';
import { MeshLadderChart } from '../src/chart';
import { ServiceCatalog } from '../src/model/catalog';
import { Phase } from '../src/model/phase';
import { detectPhase } from '../src/validation-plugin';
import { SHOP_CATALOG, tmpDir } from './support/cli';

// cdk8s-cli exports only `./plugins`; its plugin loader is read from its file, by absolute path.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PluginManager } = require(path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'lib', 'plugins', '_manager.js'));

/** Synthesizes the shop's phases with construct metadata, as `cdk8s synth` does with validations configured. */
function synthApp(phases: Phase[]): { outdir: string; manifests: string[]; metadata: Record<string, { path: string }> } {
  const outdir = tmpDir('mesh-ladder-plugin-');
  const app = new App({ outdir, recordConstructMetadata: true });
  const catalog = ServiceCatalog.fromFile(SHOP_CATALOG);
  phases.forEach(phase => new MeshLadderChart(app, `shop-${phase}`, { catalog, phase }));
  app.synth();
  const manifests = fs.readdirSync(outdir).filter(f => f.endsWith('.k8s.yaml')).sort().map(f => path.join(outdir, f));
  const recorded = JSON.parse(fs.readFileSync(path.join(outdir, 'construct-metadata.json'), 'utf8'));
  return { outdir, manifests, metadata: recorded.resources };
}

async function runPlugin(manifests: string[], metadata: Record<string, { path: string }>) {
  const plugin = new PluginManager(tmpDir('mesh-ladder-plugins-')).load({
    pkg: path.join(__dirname, '..', 'src', 'index.ts'),
    version: '0.0.0',
    class: 'MeshLadderValidation',
    properties: { catalog: SHOP_CATALOG },
  });
  const context = new ValidationContext(manifests, 'cdk8s-mesh-ladder', '0.0.0', metadata);
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await (plugin.instance as any).validate(context);
  } finally {
    log.mockRestore();
  }
  return context.report;
}

describe('MeshLadderValidation (cdk8s validation plugin)', () => {
  test('the shop as cdk8s synthesizes it passes, every manifest proven in its own phase', async () => {
    const { manifests, metadata } = synthApp([Phase.BASELINE, Phase.CILIUM]);
    expect(manifests.map(m => detectPhase(YAML.parseAllDocuments(fs.readFileSync(m, 'utf8')).map(d => d.toJS()))))
      .toEqual([Phase.BASELINE, Phase.CILIUM]);
    const report = await runPlugin(manifests, metadata);
    expect(report.toJson().violations).toEqual([]);
    expect(report.success).toBe(true);
    expect(report.toJson().summary.metadata).toEqual({ 'catalog': SHOP_CATALOG, 'manifests proven': '2' });
  });

  test('a manifest edited after synthesis fails with the construct path of the object at fault', async () => {
    const { manifests, metadata } = synthApp([Phase.BASELINE]);
    const docs = YAML.parseAllDocuments(fs.readFileSync(manifests[0], 'utf8')).map(d => d.toJS());
    const ledger = docs.find(o => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'payments' && o.metadata.name === 'ledger');
    ledger.spec.ingress.push({ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 8080, protocol: 'TCP' }] });
    fs.writeFileSync(manifests[0], docs.map(d => YAML.stringify(d)).join('---\n'));

    const report = await runPlugin(manifests, metadata);
    expect(report.success).toBe(false);
    const violations = report.toJson().violations;
    expect(new Set(violations.map(v => v.ruleName))).toEqual(new Set(['mesh-ladder/unexpected-flow']));
    for (const violation of violations) {
      expect(violation.violatingConstructs.map(c => [c.resourceName, c.constructPath, c.manifestPath]))
        .toContainEqual(['ledger', metadata.ledger.path, manifests[0]]);
      expect(violation.violatingConstructs[0].locations[0]).toMatch(/^NetworkPolicy payments\/ledger: .* -> payments\/ledger 8080\/TCP$/);
    }
    expect(metadata.ledger.path).toMatch(/^shop-baseline\//);
  });

  test('a missing catalog property is refused when cdk8s loads the plugin', () => {
    expect(() => new PluginManager(tmpDir('mesh-ladder-plugins-')).load({
      pkg: path.join(__dirname, '..', 'src', 'index.ts'), version: '0.0.0', class: 'MeshLadderValidation', properties: {},
    })).toThrow('properties.catalog (the catalog YAML file) is required');
  });
});
