/** `mesh-ladder plan`: migration steps between two phases, proven, written as directories and a runbook. */
import * as path from 'path';
import type { CliIo } from './main';
import { renderPhaseFiles, toYaml, writeDirectoryAtomically } from './output';
import { Synthesize } from '../analysis/plan';
import { ServiceCatalog } from '../model/catalog';
import { Phase } from '../phases/phase';
import { MigrationPlan, MigrationPlanOptions } from '../plan';

/** Several objects as one multi-document YAML file (empty when there are none). */
function yamlDocuments(objects: readonly any[], comment: string): string {
  return `# ${comment}\n` + objects.map(o => '---\n' + toYaml(o)).join('');
}

/** Every file of a written plan, keyed by path relative to the output directory. */
export function renderPlanFiles(plan: MigrationPlan): Map<string, string> {
  const files = new Map<string, string>();
  const addDir = (dir: string, objects: readonly any[]) => {
    for (const [rel, content] of renderPhaseFiles(objects)) {
      files.set(`${dir}/${rel}`, content);
    }
  };
  addDir(plan.startId, plan._start);
  for (const step of plan._steps) {
    addDir(step.id, step.objects);
    files.set(`${step.id}/removed.yaml`, yamlDocuments(step.removed, `Objects to delete after 'kubectl apply -k ${step.id}': kubectl delete -f ${step.id}/removed.yaml --ignore-not-found`));
    files.set(`${step.id}/created.yaml`, yamlDocuments(step.created, `Objects new in ${step.id}; to roll back: kubectl apply -k <previous step>, then kubectl delete -f ${step.id}/created.yaml`));
  }
  files.set('RUNBOOK.md', plan.runbook);
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Plans, proves, and writes only a plan whose every step is proven: a plan that cannot be
 * made safe is refused before anything is written (an earlier plan in `out` stays as it
 * was), naming each step and flow; that is the only case that exits 1.
 */
export function runPlan(
  catalog: ServiceCatalog, from: Phase, to: Phase, out: string | undefined, io: CliIo, synthesize?: Synthesize, options: MigrationPlanOptions = {},
): number {
  const plan = MigrationPlan._build(catalog, from, to, synthesize, options);
  const scope = plan.namespaces ? ` (namespaces ${plan.namespaces.join(', ')}; the rest stays on ${from})` : '';
  io.stdout(`plan ${from} -> ${to}${scope}: ${plan.steps.length} steps, ${plan.declaredCount} declared flows must hold at every step\n\n`);
  io.stdout(plan.table);
  const problems = plan.problems;
  if (problems.length > 0) {
    io.stdout('\n' + problems.join('\n') + '\n');
  }
  if (!plan.ok) {
    const first = plan.steps.find(s => !s.ok);
    const why = first ? `${first.id} ${first.missing.length > 0 ? `drops ${first.missing[0]}` : first.beyond.length > 0 ? `allows ${first.beyond[0]}, which neither end allows` : `breaks the discipline: ${first.discipline}`}` : 'the start is not proven';
    io.stdout(`\nplan: REFUSED: ${why}${problems.length > 1 ? ` (${problems.length} problems above)` : ''}; nothing written\n`);
    return 1;
  }
  if (out !== undefined) {
    writeDirectoryAtomically(out, renderPlanFiles(plan));
    io.stdout(`\nwrote ${plan.steps.length + 1} step directories and ${path.join(out, 'RUNBOOK.md')}\n`);
  }
  io.stdout('\nplan: OK\n');
  return 0;
}
