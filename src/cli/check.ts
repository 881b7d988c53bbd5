/** `mesh-ladder check`: lint of the catalog and the phase's objects, then the reachability proof; text or JSON. */
import type { CliIo } from './main';
import { formatLintText, lintPhase } from '../analysis/lint';
import { checkPhaseReachability } from '../analysis/phases';
import { formatReportText, reportToJson } from '../analysis/report';
import { ServiceCatalog } from '../model/catalog';
import { Phase } from '../phases/phase';

export function runCheck(catalog: ServiceCatalog, phase: Phase, objects: any[], format: 'text' | 'json', io: CliIo): number {
  const lint = lintPhase(catalog._resolved, phase, objects);
  const report = checkPhaseReachability(catalog._resolved, phase, objects);
  const ok = lint.ok && report.ok;
  if (format === 'json') {
    io.stdout(JSON.stringify({ phase, ...reportToJson(report), reachabilityOk: report.ok, ok, lint }, null, 2) + '\n');
  } else {
    io.stdout(`phase: ${phase}\n\n` + formatLintText(lint) + '\n' + formatReportText(report));
  }
  return ok ? 0 : 1;
}
