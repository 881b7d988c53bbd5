/** `mesh-ladder check`: lint of the catalog and the phase's objects, then the reachability proof; text or JSON. */
import type { CliIo } from './main';
import { renderGraphMarkdown } from '../analysis/graph';
import { formatLintFinding, formatLintText, LintReport, lintPhase } from '../analysis/lint';
import { checkPhaseReachability } from '../analysis/phases';
import { ReachabilityReport } from '../analysis/reachability';
import { formatMatrixMarkdown, formatProblems, formatReportText, formatSummary, reportToJson } from '../analysis/report';
import { ServiceCatalog } from '../model/catalog';
import { Phase } from '../phases/phase';

/** The check as a Markdown report for a pull request: verdict, lint, problems, graph and flow matrix. */
export function checkMarkdown(catalog: ServiceCatalog, phase: Phase, lint: LintReport, report: ReachabilityReport): string {
  const ok = lint.ok && report.ok;
  const problems = formatProblems(report);
  const lines = [
    `# mesh-ladder check: ${phase} — ${ok ? 'OK' : 'FAIL'}`, '',
    `- ${formatSummary(report)}`,
    `- ${formatLintText(lint).trim().split('\n').pop()}`, '',
    '## Lint', '',
    ...(lint.findings.length > 0 ? lint.findings.map(f => `- ${formatLintFinding(f)}`) : ['No findings.']), '',
    '## Reachability problems', '',
    ...(problems.length > 0 ? problems.map(p => `- ${p}`) : ['None: the emitted policies allow exactly the declared flows.']), '',
  ];
  // The graph section carries the flow matrix.
  return lines.join('\n') + renderGraphMarkdown(catalog._resolved, phase, formatMatrixMarkdown(report));
}

export function runCheck(catalog: ServiceCatalog, phase: Phase, objects: any[], format: 'text' | 'json' | 'markdown', io: CliIo): number {
  const lint = lintPhase(catalog._resolved, phase, objects);
  const report = checkPhaseReachability(catalog._resolved, phase, objects);
  const ok = lint.ok && report.ok;
  if (format === 'json') {
    io.stdout(JSON.stringify({ phase, ...reportToJson(report), reachabilityOk: report.ok, ok, lint }, null, 2) + '\n');
  } else if (format === 'markdown') {
    io.stdout(checkMarkdown(catalog, phase, lint, report));
  } else {
    io.stdout(`phase: ${phase}\n\n` + formatLintText(lint) + '\n' + formatReportText(report));
  }
  return ok ? 0 : 1;
}
