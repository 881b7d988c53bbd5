/** `mesh-ladder plan`: migration steps between two phases, proven, written as directories and a runbook. */
import * as path from 'path';
import type { CliIo } from './io';
import { renderPhaseFiles, toYaml, writeDirectoryAtomically } from './output';
import { Synthesize } from '../analysis/plan';
import { ServiceCatalog } from '../model/catalog';
import { compareStrings } from '../model/compare';
import { Phase } from '../model/phase';
import { MigrationPlan, MigrationPlanOptions } from '../plan';

/** Several objects as one multi-document YAML file (empty when there are none). */
function yamlDocuments(objects: readonly any[], comment: string): string {
  return `# ${comment}\n` + objects.map(o => '---\n' + toYaml(o)).join('');
}

/** GitOps output of a written plan. */
export interface PlanGitOps {
  /** `flux`: one Flux Kustomization per step; `argocd`: one Argo CD Application per step (same name), to commit one after the other. */
  readonly kind: 'flux' | 'argocd';
  /** Path of the plan directory in the Git repository (e.g. `./clusters/prod/mesh-plan`). */
  readonly repoPath: string;
  /** Argo CD: URL of that repository. */
  readonly repoUrl?: string;
}

/**
 * The Argo CD Application that puts a step in force: like the Flux Kustomization, one
 * Application whose `source.path` advances a step per commit; automated sync with
 * `prune` deletes what the step removes.
 */
function argoApplication(plan: MigrationPlan, id: string, gitops: PlanGitOps): string {
  const doc = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'mesh-ladder-plan', namespace: 'argocd', annotations: { 'mesh-ladder.dev/plan': `${plan.from} -> ${plan.to}`, 'mesh-ladder.dev/step': id } },
    spec: {
      project: 'default',
      source: { repoURL: gitops.repoUrl, targetRevision: 'HEAD', path: `${gitops.repoPath.replace(/^\.\//, '').replace(/\/+$/, '')}/${id}` },
      destination: { server: 'https://kubernetes.default.svc' },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  };
  return `# Step ${id} of the plan ${plan.from} -> ${plan.to}: commit this file as the plan's Application (it replaces the previous step's),\n`
    + '# wait for Synced and Healthy (argocd app get mesh-ladder-plan), watch what RUNBOOK.md says, then commit the next step.\n'
    + '# Roll back: commit the previous step\'s file. Restart the namespaces RUNBOOK.md names after a step that changes injection.\n'
    + toYaml(doc);
}

/**
 * The Flux Kustomization that puts a step in force. Every step is a FULL manifest set, so
 * the steps are not a `dependsOn` chain of Kustomizations (all of them would be in force
 * at once, fighting over shared objects): it is one Kustomization whose `path` advances a
 * step per commit. `prune: true` deletes what the step removes (Flux's inventory of the
 * previous revision), `wait: true` holds the Kustomization not Ready until every object is;
 * committing the previous step's file rolls back.
 */
function fluxKustomization(plan: MigrationPlan, id: string, gitops: PlanGitOps): string {
  const doc = {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'mesh-ladder-plan', namespace: 'flux-system', annotations: { 'mesh-ladder.dev/plan': `${plan.from} -> ${plan.to}`, 'mesh-ladder.dev/step': id } },
    spec: {
      interval: '10m',
      path: `${gitops.repoPath.replace(/\/+$/, '')}/${id}`,
      prune: true,
      wait: true,
      timeout: '10m',
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    },
  };
  return `# Step ${id} of the plan ${plan.from} -> ${plan.to}: commit this file as the plan's Kustomization (it replaces the previous step's),\n`
    + '# wait for Ready (flux get kustomization mesh-ladder-plan -n flux-system), watch what RUNBOOK.md says, then commit the next step.\n'
    + '# Roll back: commit the previous step\'s file. Restart the namespaces RUNBOOK.md names after a step that changes injection.\n'
    + toYaml(doc);
}

/** Every file of a written plan, keyed by path relative to the output directory. */
export function renderPlanFiles(plan: MigrationPlan, gitops?: PlanGitOps): Map<string, string> {
  const files = new Map<string, string>();
  const addDir = (dir: string, objects: readonly any[]) => {
    for (const [rel, content] of renderPhaseFiles(objects)) {
      files.set(`${dir}/${rel}`, content);
    }
  };
  addDir(plan.startId, plan.manifests(plan.startId));
  for (const { id } of plan.steps) {
    addDir(id, plan.manifests(id));
    files.set(`${id}/removed.yaml`, yamlDocuments(plan.removedManifests(id), `Objects to delete after 'kubectl apply -k ${id}': kubectl delete -f ${id}/removed.yaml --ignore-not-found`));
    files.set(`${id}/created.yaml`, yamlDocuments(plan.createdManifests(id), `Objects new in ${id}; to roll back: kubectl apply -k <previous step>, then kubectl delete -f ${id}/created.yaml`));
  }
  files.set('RUNBOOK.md', plan.runbook);
  if (gitops) {
    for (const id of [plan.startId, ...plan.steps.map(step => step.id)]) {
      files.set(`gitops/${gitops.kind}/${id}.yaml`, gitops.kind === 'flux' ? fluxKustomization(plan, id, gitops) : argoApplication(plan, id, gitops));
    }
  }
  return new Map([...files.entries()].sort(([a], [b]) => compareStrings(a, b)));
}

/**
 * Plans, proves, and writes only a plan whose every step is proven: a plan that cannot be
 * made safe is refused before anything is written (an earlier plan in `out` stays as it
 * was), naming each step and flow; that is the only case that exits 1.
 */
export function runPlan(
  catalog: ServiceCatalog, from: Phase, to: Phase, out: string | undefined, io: CliIo, synthesize?: Synthesize, options: MigrationPlanOptions = {},
  gitops?: PlanGitOps,
): number {
  const synthesizer = synthesize && { synthesize: (phase: Phase, permissive: boolean) => synthesize(phase, permissive ? 'permissive' : 'enforced') };
  const plan = MigrationPlan.create(catalog, from, to, { ...options, ...(synthesizer ? { synthesizer } : {}) });
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
    writeDirectoryAtomically(out, renderPlanFiles(plan, gitops));
    io.stdout(`\nwrote ${plan.steps.length + 1} step directories and ${path.join(out, 'RUNBOOK.md')}\n`);
  }
  io.stdout('\nplan: OK\n');
  return 0;
}
