/**
 * Renders a reachability report: a flow matrix (text or Markdown), a list of problems, and
 * a JSON-friendly object. All output is deterministic.
 *
 * Matrix cells list ports; a mark before a port tells its verdict:
 *   `8080/TCP` declared and allowed, `+8080/TCP` allowed but not declared (unexpected),
 *   `-5050/TCP` declared but not allowed (missing), `~53/UDP` allowed and tolerated.
 */
import { AnalysisDiagnostic, comparePortProbes, Flow, flowKey, formatFlow } from './flows';
import { DeclaredFlow } from './intent';
import { ReachabilityReport } from './reachability';
import { formatRequestFlow, RequestFlow } from './requests';

export const MATRIX_LEGEND = 'legend: 8080/TCP declared and allowed; +port allowed, not declared; -port declared, not allowed; ~port tolerated';

type Mark = '' | '+' | '-' | '~';

interface Matrix {
  readonly rows: string[];
  readonly columns: string[];
  /** cell text by `row\0column` */
  readonly cells: Map<string, string>;
}

function buildMatrix(report: ReachabilityReport): Matrix {
  const unexpectedKeys = new Set(report.unexpected.map(flowKey));
  const toleratedKeys = new Set(report.tolerated.map(flowKey));
  const entries = new Map<string, Array<{ flow: Flow; mark: Mark }>>();
  const add = (flow: Flow, mark: Mark) => {
    const cell = `${flow.from}\u0000${flow.to}`;
    const list = entries.get(cell) ?? [];
    list.push({ flow, mark });
    entries.set(cell, list);
  };
  for (const flow of report.allowed) {
    const key = flowKey(flow);
    add(flow, unexpectedKeys.has(key) ? '+' : toleratedKeys.has(key) ? '~' : '');
  }
  report.missing.forEach(flow => add(flow, '-'));
  const used = (pick: (f: Flow) => string) => {
    const ids = new Set<string>();
    for (const list of entries.values()) {
      list.forEach(e => ids.add(pick(e.flow)));
    }
    return report.endpoints.filter(id => ids.has(id));
  };
  const cells = new Map<string, string>();
  for (const [cell, list] of entries) {
    list.sort((a, b) => comparePortProbes(a.flow, b.flow));
    cells.set(cell, list.map(e => `${e.mark}${e.flow.port}/${e.flow.protocol}`).join(' '));
  }
  return { rows: used(f => f.from), columns: used(f => f.to), cells };
}

const CORNER = 'from \\ to';

/** The flow matrix as an aligned text table (rows: sources, columns: destinations). */
/**
 * Matrices with more cells than this are not drawn: a table of thousands of rows and
 * columns is read by nobody and costs hundreds of MB to render. The flows are all in the
 * JSON report and the problems list.
 */
export const MATRIX_MAX_CELLS = 40_000;

function matrixOmitted(matrix: Matrix): string | undefined {
  const cells = matrix.rows.length * matrix.columns.length;
  return cells > MATRIX_MAX_CELLS
    ? `flow matrix omitted: ${matrix.rows.length} sources x ${matrix.columns.length} destinations (over ${MATRIX_MAX_CELLS} cells); --format json lists every flow`
    : undefined;
}

export function formatMatrixText(report: ReachabilityReport): string {
  const matrix = buildMatrix(report);
  if (matrix.rows.length === 0) {
    return '(no flows)\n';
  }
  const omitted = matrixOmitted(matrix);
  if (omitted) {
    return `(${omitted})\n`;
  }
  const table = [[CORNER, ...matrix.columns]];
  for (const row of matrix.rows) {
    table.push([row, ...matrix.columns.map(col => matrix.cells.get(`${row}\u0000${col}`) ?? '.')]);
  }
  const widths = table[0].map((_, i) => Math.max(...table.map(r => r[i].length)));
  const lines = table.map(r => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  return [...lines, '', MATRIX_LEGEND].join('\n') + '\n';
}

function escapeMarkdown(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\\(?!\|)/g, '\\\\');
}

/** The flow matrix as a GitHub-flavoured Markdown table. */
export function formatMatrixMarkdown(report: ReachabilityReport): string {
  const matrix = buildMatrix(report);
  if (matrix.rows.length === 0) {
    return '_no flows_\n';
  }
  const omitted = matrixOmitted(matrix);
  if (omitted) {
    return `_${omitted}_\n`;
  }
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const out = [
    line([CORNER, ...matrix.columns].map(escapeMarkdown)),
    line([CORNER, ...matrix.columns].map(() => '---')),
    ...matrix.rows.map(row => line([`**${escapeMarkdown(row)}**`, ...matrix.columns.map(col => {
      const cell = matrix.cells.get(`${row}\u0000${col}`);
      return cell === undefined ? '' : '`' + cell + '`';
    })])),
  ];
  return [...out, '', `_${MATRIX_LEGEND}_`].join('\n') + '\n';
}

function formatDiagnostic(d: AnalysisDiagnostic): string {
  return `${d.severity === 'error' ? 'ERROR' : 'WARNING'} ${d.subject}: ${d.message}`;
}

/**
 * One line per problem: `MISSING shop/frontend -> shop/checkout 5050/TCP`,
 * `UNEXPECTED ...`, then `ERROR`/`WARNING` diagnostics about the inputs.
 */
export function formatProblems(report: ReachabilityReport): string[] {
  return [
    ...report.missing.map(f => `MISSING ${formatFlow(f)}`),
    ...report.unexpected.map(f => `UNEXPECTED ${formatFlow(f)}`),
    ...(report.requests?.missing ?? []).map(f => `MISSING REQUEST ${formatRequestFlow(f)}`),
    ...(report.requests?.unexpected ?? []).map(f => `UNEXPECTED REQUEST ${formatRequestFlow(f)}`),
    ...report.diagnostics.map(formatDiagnostic),
  ];
}

/**
 * `NetworkPolicy: 42 declared, 44 allowed, 0 missing, 1 unexpected, 1 tolerated: FAIL`; with
 * L7 results: `...; L7 requests: 12 declared, 12 allowed, 0 missing, 0 unexpected: OK`.
 */
export function formatSummary(report: ReachabilityReport): string {
  const errors = report.diagnostics.filter(d => d.severity === 'error').length;
  const requests = report.requests;
  return `${report.evaluator}: ${report.declared.length} declared, ${report.allowed.length} allowed, ${report.missing.length} missing, `
    + `${report.unexpected.length} unexpected, ${report.tolerated.length} tolerated`
    + (errors > 0 ? `, ${errors} invalid` : '')
    + (requests
      ? `; L7 requests: ${requests.declared.length} declared, ${requests.allowed.length} allowed, `
        + `${requests.missing.length} missing, ${requests.unexpected.length} unexpected`
        + ((requests.tolerated ?? []).length > 0 ? `, ${requests.tolerated.length} tolerated (declared kubelet probes, allowWiderEnforcement)` : '')
      : '')
    + `: ${report.ok ? 'OK' : 'FAIL'}`;
}

/**
 * The L7 results as text: one line per probed request, `allowed` (declared and let
 * through), `refused` (undeclared and refused), `MISSING`, `UNEXPECTED` or `tolerated`
 * (let through under an allowed wider enforcement), with the route
 * it exercises. Empty without L7 results.
 */
export function formatRequestsText(report: ReachabilityReport): string {
  const requests = report.requests;
  if (!requests || requests.probed.length === 0) {
    return '';
  }
  const allowed = new Set(requests.allowed.map(formatRequestFlow));
  const declared = new Set(requests.declared.map(formatRequestFlow));
  const tolerated = new Set((requests.tolerated ?? []).map(formatRequestFlow));
  const lines = requests.probed.map(f => {
    const text = formatRequestFlow(f);
    const undeclared = tolerated.has(text) ? 'tolerated ' : allowed.has(text) ? 'UNEXPECTED' : 'refused   ';
    const verdict = declared.has(text) ? (allowed.has(text) ? 'allowed   ' : 'MISSING   ') : undeclared;
    return `${verdict} ${text}${f.routeName ? ` (route ${f.routeName})` : ''}`;
  });
  return ['L7 requests:', ...lines].join('\n') + '\n';
}

/** Matrix, problems and summary as one text block (what a `check` command prints). */
export function formatReportText(report: ReachabilityReport): string {
  const problems = formatProblems(report);
  const requests = formatRequestsText(report);
  return formatMatrixText(report) + (requests ? '\n' + requests : '')
    + (problems.length > 0 ? '\n' + problems.join('\n') + '\n' : '') + '\n' + formatSummary(report) + '\n';
}

export interface FlowJson {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: string;
  readonly reasons?: string[];
  readonly routes?: string[];
}

export interface ReachabilityJson {
  readonly evaluator: string;
  readonly ok: boolean;
  readonly summary: {
    readonly declared: number;
    readonly allowed: number;
    readonly missing: number;
    readonly unexpected: number;
    readonly tolerated: number;
    readonly errors: number;
    readonly warnings: number;
  };
  readonly missing: FlowJson[];
  readonly unexpected: FlowJson[];
  readonly tolerated: FlowJson[];
  readonly declared: FlowJson[];
  readonly allowed: FlowJson[];
  readonly diagnostics: Array<{ severity: string; subject: string; message: string }>;
  /** L7 results, for evaluators that decide requests. */
  readonly requests?: RequestsJson;
}

export interface RequestFlowJson extends FlowJson {
  readonly method: string;
  readonly path: string;
  readonly route?: string;
}

export interface RequestsJson {
  readonly summary: { readonly declared: number; readonly allowed: number; readonly missing: number; readonly unexpected: number };
  readonly missing: RequestFlowJson[];
  readonly unexpected: RequestFlowJson[];
  readonly declared: RequestFlowJson[];
  readonly allowed: RequestFlowJson[];
}

function requestFlowJson(flow: RequestFlow): RequestFlowJson {
  return {
    from: flow.from,
    to: flow.to,
    port: flow.port,
    protocol: flow.protocol,
    method: flow.method,
    path: flow.path,
    ...(flow.routeName !== undefined ? { route: flow.routeName } : {}),
  };
}

function flowJson(flow: Flow | DeclaredFlow): FlowJson {
  const declared = flow as DeclaredFlow;
  return {
    from: flow.from,
    to: flow.to,
    port: flow.port,
    protocol: flow.protocol,
    ...(declared.reasons ? { reasons: [...declared.reasons] } : {}),
    ...(declared.routes ? { routes: [...declared.routes] } : {}),
  };
}

/** A plain, stable object for `JSON.stringify`. */
export function reportToJson(report: ReachabilityReport): ReachabilityJson {
  return {
    evaluator: report.evaluator,
    ok: report.ok,
    summary: {
      declared: report.declared.length,
      allowed: report.allowed.length,
      missing: report.missing.length,
      unexpected: report.unexpected.length,
      tolerated: report.tolerated.length,
      errors: report.diagnostics.filter(d => d.severity === 'error').length,
      warnings: report.diagnostics.filter(d => d.severity === 'warning').length,
    },
    missing: report.missing.map(flowJson),
    unexpected: report.unexpected.map(flowJson),
    tolerated: report.tolerated.map(flowJson),
    declared: report.declared.map(flowJson),
    allowed: report.allowed.map(flowJson),
    diagnostics: report.diagnostics.map(d => ({ severity: d.severity, subject: d.subject, message: d.message })),
    ...(report.requests ? {
      requests: {
        summary: {
          declared: report.requests.declared.length,
          allowed: report.requests.allowed.length,
          missing: report.requests.missing.length,
          unexpected: report.requests.unexpected.length,
        },
        missing: report.requests.missing.map(requestFlowJson),
        unexpected: report.requests.unexpected.map(requestFlowJson),
        ...((report.requests.tolerated ?? []).length > 0 ? { tolerated: report.requests.tolerated.map(requestFlowJson) } : {}),
        declared: report.requests.declared.map(requestFlowJson),
        allowed: report.requests.allowed.map(requestFlowJson),
      },
    } : {}),
  };
}
