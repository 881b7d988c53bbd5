/**
 * `mesh-ladder check`: lint of the catalog and the phase's objects, then the reachability
 * proof; text, JSON, Markdown or SARIF. Several phases (`--phase all`): one line per phase, then
 * the problems of the phases that fail.
 */
import { CliIo, packageVersion } from './io';
import { catalogLocator } from './sources';
import { formatLintFinding, formatLintText, LintReport } from '../analysis/lint';
import { ReachabilityReport } from '../analysis/reachability';
import { formatProblems, formatReportText, formatSummary, reportToJson } from '../analysis/report';
import { checkSarif } from '../analysis/sarif';
import { lintOutput, proveReachability, renderGraphReport } from '../catalog-analysis';
import { PhaseCapabilityError } from '../emit/common';
import { ServiceCatalog } from '../model/catalog';
import { Phase } from '../model/phase';

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
  return lines.join('\n') + renderGraphReport(catalog, phase, report);
}

const LEFT_OUT_HEADING = 'Left out of this phase as the catalog chose (l7Fallback: skip)';
const DEGRADED_HEADING = 'Degraded for the targeted releases (platform; `mesh-ladder targets` lists them)';

/** The lint and proof of one phase, or why the phase cannot be synthesized. */
export interface PhaseCheck {
  readonly phase: Phase;
  readonly ok: boolean;
  readonly lint?: LintReport;
  readonly report?: ReachabilityReport;
  /** What the catalog chose to leave out of the phase (`PhaseSynthesis.notes`). */
  readonly notes: readonly string[];
  /** What the targeted releases made the phase degrade (`PhaseSynthesis.degradations`). */
  readonly degradations: readonly string[];
  /** Set when the phase cannot express the catalog (`PhaseCapabilityError`). */
  readonly refused?: string;
}

/**
 * Lint and proof of one phase's objects. `notes` are what the catalog chose to leave out
 * of the phase (`PhaseSynthesis.notes`) and `degradations` what the targeted releases
 * made it degrade (`PhaseSynthesis.degradations`): listed, never a failure.
 */
export function checkPhase(
  catalog: ServiceCatalog, phase: Phase, objects: any[], notes: readonly string[] = [], degradations: readonly string[] = [],
): PhaseCheck {
  const lint = lintOutput(catalog, phase, objects);
  const report = proveReachability(catalog, phase, objects);
  return { phase, ok: lint.ok && report.ok, lint, report, notes, degradations };
}

export type CheckFormat = 'text' | 'json' | 'markdown' | 'sarif';

/** SARIF 2.1.0 of the checked phases (lint findings and proof problems at catalog lines). */
function sarifText(catalog: ServiceCatalog, results: readonly PhaseCheck[]): string {
  const checked = results.filter(r => r.refused === undefined).map(r => ({ phase: r.phase, lint: r.lint!, report: r.report! }));
  return JSON.stringify(checkSarif(checked, catalogLocator(catalog), packageVersion()), null, 2) + '\n';
}

/** One phase's check: the full report; exit 0 when it holds, 1 otherwise. */
export function runCheck(
  catalog: ServiceCatalog, phase: Phase, objects: any[], format: CheckFormat, io: CliIo, notes: readonly string[] = [],
  degradations: readonly string[] = [],
): number {
  const result = checkPhase(catalog, phase, objects, notes, degradations);
  const lint = result.lint!;
  const report = result.report!;
  if (format === 'sarif') {
    io.stdout(sarifText(catalog, [result]));
  } else if (format === 'json') {
    io.stdout(JSON.stringify(phaseJson(result), null, 2) + '\n');
  } else if (format === 'markdown') {
    io.stdout(checkMarkdown(catalog, phase, lint, report, notes) + degradedMarkdown(degradations));
  } else {
    io.stdout(`phase: ${phase}\n\n` + formatLintText(lint) + '\n' + leftOutText(notes) + degradedText(degradations) + formatReportText(report));
  }
  return result.ok ? 0 : 1;
}

function leftOutText(notes: readonly string[]): string {
  return notes.length > 0 ? `${LEFT_OUT_HEADING}:\n${notes.map(n => `  - ${n}`).join('\n')}\n\n` : '';
}

function degradedText(degradations: readonly string[]): string {
  return degradations.length > 0 ? `${DEGRADED_HEADING}:\n${degradations.map(d => `  - ${d}`).join('\n')}\n\n` : '';
}

function degradedMarkdown(degradations: readonly string[]): string {
  return degradations.length > 0 ? `\n## ${DEGRADED_HEADING}\n\n${degradations.map(d => `- ${d}`).join('\n')}\n` : '';
}

function phaseJson(result: PhaseCheck): object {
  if (result.refused !== undefined) {
    return { phase: result.phase, ok: false, refused: result.refused };
  }
  const report = result.report!;
  return {
    phase: result.phase,
    ...reportToJson(report),
    reachabilityOk: report.ok,
    ok: result.ok,
    lint: result.lint,
    leftOut: result.notes,
    degradations: result.degradations,
  };
}

/** How a phase's objects are obtained; throws `PhaseCapabilityError` when the phase cannot express the catalog. */
export type PhaseSynthesizer = (phase: Phase) => { objects: any[]; notes: readonly string[]; degradations?: readonly string[] };

/**
 * Checks several phases, one at a time (only one phase's objects are in memory at once).
 * Exit 0 when every phase holds, 2 when a phase cannot express the catalog (as a single
 * phase's check would), 1 otherwise.
 */
export function runCheckPhases(
  catalog: ServiceCatalog, phases: readonly Phase[], synthesize: PhaseSynthesizer, format: CheckFormat, io: CliIo,
): number {
  const results = phases.map(phase => {
    try {
      const { objects, notes, degradations } = synthesize(phase);
      return checkPhase(catalog, phase, objects, notes, degradations);
    } catch (e) {
      if (e instanceof PhaseCapabilityError) {
        return { phase, ok: false, notes: [], degradations: [], refused: e.message };
      }
      throw e;
    }
  });
  const ok = results.every(r => r.ok);
  if (format === 'sarif') {
    io.stdout(sarifText(catalog, results));
  } else if (format === 'json') {
    io.stdout(JSON.stringify({ ok, phases: results.map(phaseJson) }, null, 2) + '\n');
  } else if (format === 'markdown') {
    io.stdout(checkPhasesMarkdown(catalog, results, ok));
  } else {
    io.stdout(checkPhasesText(results, ok));
  }
  return results.some(r => r.refused !== undefined) ? 2 : ok ? 0 : 1;
}

/** `baseline: OK · lint: 0 error(s), 3 warning(s) · NetworkPolicy: 42 declared, ...: OK`. */
export function phaseLine(result: PhaseCheck): string {
  if (result.refused !== undefined) {
    return `${result.phase}: REFUSED · ${result.refused.split('\n')[0]}`;
  }
  const lint = formatLintText(result.lint!).trim().split('\n').pop()!.replace(/: (OK|FAIL)$/, '');
  const leftOut = result.notes.length > 0 ? ` · ${result.notes.length} left out (l7Fallback: skip)` : '';
  const degraded = result.degradations.length > 0 ? ` · ${result.degradations.length} degraded for the targeted releases` : '';
  return `${result.phase}: ${result.ok ? 'OK' : 'FAIL'} · ${lint} · ${formatSummary(result.report!)}${leftOut}${degraded}`;
}

/** Failing lint findings (errors) and reachability problems of one phase. */
function phaseProblems(result: PhaseCheck): string[] {
  if (result.refused !== undefined) {
    return [result.refused];
  }
  const lintErrors = result.lint!.findings.filter(f => f.severity === 'error' && f.suppressed === undefined).map(formatLintFinding);
  return [...lintErrors, ...formatProblems(result.report!)];
}

function checkPhasesText(results: readonly PhaseCheck[], ok: boolean): string {
  const lines = results.map(phaseLine);
  for (const result of results.filter(r => !r.ok)) {
    lines.push('', `${result.phase}:`, ...phaseProblems(result).map(p => `  ${p}`));
  }
  lines.push('', `${results.filter(r => r.ok).length} of ${results.length} phases OK: ${ok ? 'OK' : 'FAIL'}`);
  return lines.join('\n') + '\n';
}

/** Summary table first; each phase's full check folded under it. */
function checkPhasesMarkdown(catalog: ServiceCatalog, results: readonly PhaseCheck[], ok: boolean): string {
  const lines = [
    `# mesh-ladder check: ${results.map(r => r.phase).join(', ')} — ${ok ? 'OK' : 'FAIL'}`, '',
    '| phase | verdict | summary |', '|---|---|---|',
    ...results.map(r => `| ${r.phase} | ${r.refused !== undefined ? 'REFUSED' : r.ok ? 'OK' : 'FAIL'} | ${r.refused?.split('\n')[0] ?? formatSummary(r.report!)} |`),
    '',
  ];
  for (const result of results.filter(r => r.refused === undefined)) {
    lines.push(`<details><summary>${result.phase}: ${result.ok ? 'OK' : 'FAIL'}</summary>`, '',
      (checkMarkdown(catalog, result.phase, result.lint!, result.report!, result.notes) + degradedMarkdown(result.degradations)).replace(/^# /, '## '),
      '', '</details>', '');
  }
  return lines.join('\n');
}
