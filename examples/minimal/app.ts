/**
 * The minimal example as a cdk8s app: the same catalog as catalog.yaml.
 *
 *   npx cdk8s synth --app "npx ts-node --project test/tsconfig.json examples/minimal/app.ts"
 */
import { App } from 'cdk8s';
import { CatalogSpec, MeshLadderChart, Phase, PortProtocol, ServiceCatalog } from '../../src';

/** `web` calls `api`; everything else takes its default. */
export const minimalCatalog: CatalogSpec = {
  services: [
    {
      name: 'web',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }],
      calls: [{ service: 'api' }],
    },
    {
      name: 'api',
      ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }],
    },
  ],
};

if (require.main === module) {
  const app = new App();
  new MeshLadderChart(app, 'minimal-baseline', { catalog: ServiceCatalog.fromSpec(minimalCatalog), phase: Phase.BASELINE });
  app.synth();
}
