/**
 * A worker thread of `mesh-ladder diff`: synthesizes (unless given the objects) and proves
 * one side, so the base's proof runs next to the head's on another core.
 */
import { parentPort, workerData } from 'worker_threads';
import { proveReachability } from '../catalog-analysis';
import { MeshLadderChart } from '../chart';
import { ServiceCatalog } from '../model/catalog';

interface ProofRequest {
  readonly spec: any;
  readonly phase: any;
  readonly objects?: any[];
}

const { spec, phase, objects } = workerData as ProofRequest;
try {
  const catalog = ServiceCatalog.fromSpec(spec);
  const synthesis = objects === undefined ? MeshLadderChart.synthesize(catalog, phase) : undefined;
  const manifests = objects ?? synthesis!.objects;
  const report = proveReachability(catalog, phase, manifests);
  parentPort!.postMessage({ objects: synthesis ? manifests : undefined, report, warnings: synthesis?.warnings.length ?? 0 });
} catch (e) {
  parentPort!.postMessage({ error: { name: (e as Error).name, constructorName: (e as Error).constructor?.name, message: (e as Error).message } });
}
