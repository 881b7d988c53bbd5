/**
 * Renders a connectivity diff: text (terminal), Markdown (a sticky pull-request comment:
 * verdict and summary table first, every table folded), and JSON. Deterministic.
 */
import { CatalogEdit } from './catalog-edits';
import { CertificateChange, ChangeClass, FlowChange, ObjectChange, PhaseDiff, RequestChange } from './diff';
import { formatFlow } from './flows';
import { formatRequestFlow } from './requests';

export interface DiffResult {
  /** How the base catalog was named (`main:examples/shop/catalog.yaml`, a file name). */
  readonly base: string;
  readonly head: string;
  /** Fields that differ between the two catalogs. */
  readonly edits: ReadonlyArray<CatalogEdit>;
  readonly phases: ReadonlyArray<PhaseDiff>;
  /** Objects of the head manifests that differ from what the head catalog synthesizes (hand edits), per phase. */
  readonly drift?: ReadonlyArray<{ readonly phase: string; readonly objects: ReadonlyArray<ObjectChange> }>;
}

/** Marks the pull-request comment so the Action updates it in place. */
export const DIFF_COMMENT_MARKER = '<!-- mesh-ladder-diff -->';

const CLASSES: readonly ChangeClass[] = ['declared', 'transition', 'undeclared'];

export function diffOk(result: DiffResult): boolean {
  return result.phases.every(p => p.ok);
}

function count<T>(items: readonly T[], pick: (t: T) => boolean): number {
  return items.filter(pick).length;
}

function phaseLabel(p: PhaseDiff): string {
  return p.basePhase === p.headPhase ? p.headPhase : `${p.basePhase} -> ${p.headPhase}`;
}

function classCounts(p: PhaseDiff): Record<ChangeClass, number> {
  const all: Array<{ classification: ChangeClass }> = [...p.flows, ...p.requests];
  return Object.fromEntries(CLASSES.map(c => [c, count(all, x => x.classification === c)])) as Record<ChangeClass, number>;
}

function objectCounts(objects: readonly ObjectChange[]): string {
  return `+${count(objects, o => o.change === 'added')} ~${count(objects, o => o.change === 'changed')} -${count(objects, o => o.change === 'removed')}`;
}

function plusMinus<T extends { change: string }>(items: readonly T[]): string {
  return `+${count(items, i => i.change === 'added')} -${count(items, i => i.change === 'removed')}`;
}

/** `baseline: flows +1 -0, requests +0 -0 (1 declared, 0 transition, 0 undeclared); objects +0 ~2 -0; 0 certificates: OK` */
export function formatPhaseSummary(p: PhaseDiff): string {
  const classes = classCounts(p);
  return `${phaseLabel(p)}: flows ${plusMinus(p.flows)}, requests ${plusMinus(p.requests)} `
    + `(${CLASSES.map(c => `${classes[c]} ${c}`).join(', ')}); objects ${objectCounts(p.objects)}; `
    + `${p.certificates.length} certificate${p.certificates.length === 1 ? '' : 's'} changed: ${p.ok ? 'OK' : 'FAIL'}`;
}

function flowLine(c: FlowChange): string {
  const why = c.reasons.length > 0 ? ` (${c.reasons.join('; ')})` : '';
  return `  ${c.change === 'added' ? '+' : '-'} ${c.classification.padEnd(10)} ${formatFlow(c.flow)} [head: ${c.head}]${why}`;
}

function requestLine(c: RequestChange): string {
  return `  ${c.change === 'added' ? '+' : '-'} ${c.classification.padEnd(10)} ${formatRequestFlow(c.request)} [head: ${c.head}]`
    + (c.request.routeName ? ` (route ${c.request.routeName})` : '');
}

function objectLine(o: ObjectChange): string {
  const mark = o.change === 'added' ? '+' : o.change === 'removed' ? '-' : '~';
  return `  ${mark} ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}${o.fields ? ` (${o.fields.join(', ')})` : ''}`;
}

function certificateLine(c: CertificateChange): string {
  if (c.change !== 'changed') {
    const state = (c.after ?? c.before)!;
    return `  ${c.change === 'added' ? '+' : '-'} Certificate ${c.id}: ${state.chain.slice(1).join(' <- ')}, ${state.duration}`;
  }
  return `  ~ Certificate ${c.id}: ${c.what.map(w => `${w} ${describeCertField(c, w, 'before')} -> ${describeCertField(c, w, 'after')}`).join('; ')}`;
}

function describeCertField(c: CertificateChange, field: string, side: 'before' | 'after'): string {
  const state = c[side] as any;
  return field === 'chain' ? `[${(state.chain as string[]).slice(1).join(' <- ')}]` : String(state[field]);
}

/** The diff as text: per phase a summary line, then every change. */
export function formatDiffText(result: DiffResult): string {
  const lines = [`diff: ${result.base} -> ${result.head}`];
  if (result.edits.length > 0) {
    lines.push('catalog edits:', ...result.edits.map(e => `  ${e.kind} ${e.field}`));
  }
  for (const p of result.phases) {
    lines.push('', formatPhaseSummary(p));
    if (p.flows.length > 0) {
      lines.push(' flows:', ...p.flows.map(flowLine));
    }
    if (p.requests.length > 0) {
      lines.push(' L7 requests:', ...p.requests.map(requestLine));
    }
    if (p.objects.length > 0) {
      lines.push(' objects:', ...p.objects.map(objectLine));
    }
    if (p.certificates.length > 0) {
      lines.push(' certificates:', ...p.certificates.map(certificateLine));
    }
    const drift = result.drift?.find(d => d.phase === p.headPhase)?.objects ?? [];
    if (drift.length > 0) {
      lines.push(' head manifests that differ from what the head catalog synthesizes (hand edits):', ...drift.map(objectLine));
    }
  }
  lines.push('', verdictLine(result));
  return lines.join('\n') + '\n';
}

function verdictLine(result: DiffResult): string {
  const undeclared = result.phases.reduce((n, p) => n + classCounts(p).undeclared, 0);
  return undeclared === 0
    ? 'diff: every change is declared by the catalog or a phase transition: OK'
    : `diff: ${undeclared} undeclared change${undeclared === 1 ? '' : 's'} (not explained by the catalog or a phase transition): FAIL`;
}

function md(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function code(text: string): string {
  return '`' + text.replace(/`/g, "'").replace(/\|/g, '\\|') + '`';
}

/**
 * Rows per folded table: a pull-request comment holds at most 65,536 characters, and a
 * reviewer reads the first changes; the JSON and SARIF outputs list every one.
 */
export const MARKDOWN_MAX_ROWS = 60;

function table(header: string[], rows: string[][], limit = Number.MAX_SAFE_INTEGER): string[] {
  const shown = rows.slice(0, limit);
  return [
    `| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...shown.map(r => `| ${r.join(' | ')} |`),
    ...(rows.length > shown.length ? ['', `_… and ${rows.length - shown.length} more (\`--format json\` or \`sarif\` lists every one)_`] : []),
  ];
}

function capped(lines: string[]): string[] {
  return lines.length <= MARKDOWN_MAX_ROWS ? lines
    : [...lines.slice(0, MARKDOWN_MAX_ROWS), '', `_… and ${lines.length - MARKDOWN_MAX_ROWS} more (\`--format json\` lists every one)_`];
}

/** Undeclared changes first: they are what a reviewer must see. */
function undeclaredFirst<T extends { classification: ChangeClass }>(items: readonly T[]): T[] {
  return [...items.filter(i => i.classification === 'undeclared'), ...items.filter(i => i.classification !== 'undeclared')];
}

function folded(summary: string, body: string[]): string[] {
  return ['<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>', ''];
}

const BADGE: Record<ChangeClass, string> = { declared: 'declared', transition: 'transition', undeclared: '**undeclared**' };

function phaseMarkdown(p: PhaseDiff, drift: readonly ObjectChange[]): string[] {
  const out: string[] = [];
  const label = phaseLabel(p);
  if (p.flows.length > 0) {
    out.push(...folded(`${label}: ${p.flows.length} flow change${p.flows.length === 1 ? '' : 's'}`, table(
      ['', 'class', 'from', 'to', 'port', 'head proof', 'declared by'],
      undeclaredFirst(p.flows).map(c => [c.change === 'added' ? '+' : '−', BADGE[c.classification], code(c.flow.from), code(c.flow.to),
        `${c.flow.port}/${c.flow.protocol}`, c.head, md(c.reasons.join('; '))]),
      MARKDOWN_MAX_ROWS,
    )));
  }
  if (p.requests.length > 0) {
    out.push(...folded(`${label}: ${p.requests.length} L7 request change${p.requests.length === 1 ? '' : 's'}`, table(
      ['', 'class', 'from', 'to', 'request', 'route', 'head proof'],
      undeclaredFirst(p.requests).map(c => [c.change === 'added' ? '+' : '−', BADGE[c.classification], code(c.request.from), code(c.request.to),
        code(`${c.request.port}/${c.request.protocol} ${c.request.method} ${c.request.path}`), md(c.request.routeName ?? ''), c.head]),
      MARKDOWN_MAX_ROWS,
    )));
  }
  if (p.objects.length > 0) {
    out.push(...folded(`${label}: objects ${objectCounts(p.objects)}`, table(
      ['', 'kind', 'object', 'fields'],
      p.objects.map(o => [o.change === 'added' ? '+' : o.change === 'removed' ? '−' : '~', o.kind, code(`${o.namespace ? `${o.namespace}/` : ''}${o.name}`), md((o.fields ?? []).join(', '))]),
      MARKDOWN_MAX_ROWS,
    )));
  }
  if (p.certificates.length > 0) {
    out.push(...folded(`${label}: ${p.certificates.length} certificate change${p.certificates.length === 1 ? '' : 's'}`,
      capped(p.certificates.map(c => `- ${md(certificateLine(c).trim())}`))));
  }
  if (drift.length > 0) {
    out.push(...folded(`${label}: ${drift.length} hand-edited object${drift.length === 1 ? '' : 's'} (differ from what the catalog synthesizes)`,
      capped(drift.map(o => `- ${md(objectLine(o).trim())}`))));
  }
  return out;
}

/** The diff as a pull-request comment: verdict, a summary table, then folded details per phase. */
export function formatDiffMarkdown(result: DiffResult): string {
  const ok = diffOk(result);
  const lines = [
    DIFF_COMMENT_MARKER,
    `## mesh-ladder diff: ${ok ? 'OK' : 'FAIL'}`, '',
    ok ? 'Every connectivity change is declared by the catalog or a phase transition.'
      : 'Some connectivity changes are **undeclared**: the catalog does not ask for them. Fix the catalog or the manifests, or declare the change.',
    '',
    ...table(
      ['phase', 'flows', 'L7 requests', 'declared', 'transition', 'undeclared', 'objects', 'certificates', 'verdict'],
      result.phases.map(p => {
        const classes = classCounts(p);
        return [phaseLabel(p), plusMinus(p.flows), plusMinus(p.requests), String(classes.declared), String(classes.transition),
          classes.undeclared > 0 ? `**${classes.undeclared}**` : '0', objectCounts(p.objects), String(p.certificates.length), p.ok ? 'OK' : '**FAIL**'];
      }),
    ),
    '',
    `_${md(result.base)} → ${md(result.head)}_`,
    '',
  ];
  if (result.edits.length > 0) {
    lines.push(...folded(`catalog edits (${result.edits.length})`, result.edits.map(e => `- ${e.kind} ${code(e.field)}`)));
  }
  for (const p of result.phases) {
    lines.push(...phaseMarkdown(p, result.drift?.find(d => d.phase === p.headPhase)?.objects ?? []));
  }
  return lines.join('\n').replace(/\n+$/, '') + '\n';
}

/** A plain, stable object for `JSON.stringify`. */
export function diffToJson(result: DiffResult): unknown {
  return {
    base: result.base,
    head: result.head,
    ok: diffOk(result),
    edits: result.edits.map(e => ({ kind: e.kind, field: e.field, ...(e.service ? { service: e.service } : {}) })),
    phases: result.phases.map(p => ({
      basePhase: p.basePhase,
      headPhase: p.headPhase,
      ok: p.ok,
      summary: {
        ...classCounts(p),
        flowsAdded: count(p.flows, f => f.change === 'added'),
        flowsRemoved: count(p.flows, f => f.change === 'removed'),
        requestsAdded: count(p.requests, f => f.change === 'added'),
        requestsRemoved: count(p.requests, f => f.change === 'removed'),
      },
      flows: p.flows.map(c => ({ change: c.change, classification: c.classification, head: c.head, ...c.flow, reasons: [...c.reasons] })),
      requests: p.requests.map(c => ({
        change: c.change,
        classification: c.classification,
        head: c.head,
        from: c.request.from,
        to: c.request.to,
        port: c.request.port,
        protocol: c.request.protocol,
        method: c.request.method,
        path: c.request.path,
        ...(c.request.routeName ? { route: c.request.routeName } : {}),
      })),
      objects: p.objects,
      certificates: p.certificates,
      ...(result.drift ? { drift: result.drift.find(d => d.phase === p.headPhase)?.objects ?? [] } : {}),
      ...(p.baseProof ? { baseProof: p.baseProof } : {}),
    })),
  };
}
