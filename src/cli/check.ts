/** `mesh-ladder check`: the reachability proof for one phase, as text or JSON. */
import type { CliIo } from './main';
import { checkPhaseReachability } from '../analysis/phases';
import { formatReportText, reportToJson } from '../analysis/report';
import { ServiceCatalog } from '../model/catalog';
import { Phase } from '../phases/phase';

export function runCheck(catalog: ServiceCatalog, phase: Phase, objects: any[], format: 'text' | 'json', io: CliIo): number {
  const report = checkPhaseReachability(catalog._resolved, phase, objects);
  if (format === 'json') {
    io.stdout(JSON.stringify({ phase, ...reportToJson(report) }, null, 2) + '\n');
  } else {
    io.stdout(`phase: ${phase}\n` + formatReportText(report));
  }
  return report.ok ? 0 : 1;
}
