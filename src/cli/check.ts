/** `mesh-ladder check`: lint of the catalog and the phase's objects, then the reachability proof; text or JSON. */
import type { CliIo } from './io';
import { renderGraphMarkdown } from '../analysis/graph';
import { formatLintFinding, formatLintText, LintReport, lintPhase } from '../analysis/lint';
import { checkPhaseReachability } from '../analysis/phases';
import { ReachabilityReport } from '../analysis/reachability';
import { formatMatrixMarkdown, formatProblems, formatReportText, formatSummary, reportToJson } from '../analysis/report';
import { ServiceCatalog } from '../model/catalog';
import { Phase } from '../phases/phase';

/** The check as a Markdown report for a pull request: verdict, lint, problems, graph and flow matrix. */
export function checkMarkdown(
  catalog: ServiceCatalog, phase: Phase, lint: LintReport, report: ReachabilityReport, notes: readonly string[] = [],
): string {
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
    ...(notes.length > 0 ? [`## ${LEFT_OUT_HEADING}`, '', ...notes.map(n => `- ${n}`), ''] : []),
  ];
  // The graph section carries the flow matrix.
  return lines.join('\n') + renderGraphMarkdown(catalog._resolved, phase, formatMatrixMarkdown(report));
}

const LEFT_OUT_HEADING = 'Left out of this phase as the catalog chose (l7Fallback: skip)';
const DEGRADED_HEADING = 'Degraded for the targeted releases (platform; `mesh-ladder targets` lists them)';

/**
 * Lint and proof of one phase's objects. `notes` are what the catalog chose to leave out
 * of the phase (`PhaseSynthesis.notes`): listed, never a failure.
 */
export function runCheck(
  catalog: ServiceCatalog, phase: Phase, objects: any[], format: 'text' | 'json' | 'markdown', io: CliIo, notes: readonly string[] = [],
  degradations: readonly string[] = [],
): number {
  const lint = lintPhase(catalog._resolved, phase, objects);
  const report = checkPhaseReachability(catalog._resolved, phase, objects);
  const ok = lint.ok && report.ok;
  if (format === 'json') {
    io.stdout(JSON.stringify({ phase, ...reportToJson(report), reachabilityOk: report.ok, ok, lint, leftOut: notes, degradations }, null, 2) + '\n');
  } else if (format === 'markdown') {
    io.stdout(checkMarkdown(catalog, phase, lint, report, notes)
      + (degradations.length > 0 ? `\n## ${DEGRADED_HEADING}\n\n${degradations.map(d => `- ${d}`).join('\n')}\n` : ''));
  } else {
    const leftOut = notes.length > 0 ? `${LEFT_OUT_HEADING}:\n${notes.map(n => `  - ${n}`).join('\n')}\n\n` : '';
    const degraded = degradations.length > 0 ? `${DEGRADED_HEADING}:\n${degradations.map(d => `  - ${d}`).join('\n')}\n\n` : '';
    io.stdout(`phase: ${phase}\n\n` + formatLintText(lint) + '\n' + leftOut + degraded + formatReportText(report));
  }
  return ok ? 0 : 1;
}
