/**
 * `mesh-ladder targets <catalog>`: the releases the catalog targets, the apiVersions each
 * phase emits for them, and every degradation (what a release cannot express, and what
 * is emitted instead) or refusal, with its reason.
 */
import { parseArgs } from 'util';
import { CliIo, EXIT_INVALID, EXIT_OK, UsageError } from './io';
import { targetPlatform } from '../catalog-analysis';
import { MeshLadderChart } from '../chart';
import { PhaseCapabilityError } from '../emit/common';
import { ServiceCatalog } from '../model/catalog';
import { ALL_PHASES, Phase, parsePhase } from '../model/phase';
import { gatewayApiInstall, PLATFORM_PROJECTS, PROJECT_RELEASES, TargetPlatform } from '../model/releases';

/** What one phase emits at the targeted releases. */
export interface PhaseTargets {
  readonly phase: Phase;
  /** `apiVersion kind` of every emitted object, sorted, once each. */
  readonly apiVersions: string[];
  readonly degradations: string[];
  /** Why the phase cannot be synthesized for these releases (then nothing else is listed). */
  readonly refused?: string;
}

/** The releases of a catalog and what each phase emits for them. */
export interface TargetsReport {
  readonly platform: TargetPlatform;
  /** Per project: the release and whether the catalog set it. */
  readonly releases: Array<{ project: string; name: string; release: string; source: 'catalog' | 'default'; floor: string }>;
  readonly phases: PhaseTargets[];
}

/** Synthesizes each phase in memory and collects its apiVersions and degradations. */
export function targetsReport(catalog: ServiceCatalog, phases: readonly Phase[] = ALL_PHASES): TargetsReport {
  const platform = targetPlatform(catalog);
  const declared = (catalog.spec.platform ?? {}) as Record<string, unknown>;
  const releases = PLATFORM_PROJECTS.map(project => {
    const facts = PROJECT_RELEASES[project];
    const source: 'catalog' | 'default' = declared[project] !== undefined ? 'catalog' : 'default';
    if (project === 'gatewayApi') {
      const install = gatewayApiInstall(platform);
      const release = `${install.release} (${install.channel}${install.bundledWith ? `, installed by ${install.bundledWith}` : ''})`;
      return { project, name: facts.name, release, source, floor: facts.floor };
    }
    return { project, name: facts.name, release: platform[project], source, floor: facts.floor };
  });
  const results = phases.map((phase): PhaseTargets => {
    try {
      const { objects, degradations } = MeshLadderChart.synthesize(catalog, phase);
      const apiVersions = [...new Set(objects.map(o => `${o.apiVersion} ${o.kind}`))].sort();
      return { phase, apiVersions, degradations };
    } catch (e) {
      if (e instanceof PhaseCapabilityError) {
        return { phase, apiVersions: [], degradations: [], refused: e.message };
      }
      throw e;
    }
  });
  return { platform, releases, phases: results };
}

/** The report as text: releases, then per phase its apiVersions and degradations. */
export function formatTargetsText(report: TargetsReport): string {
  const lines = ['Releases targeted:'];
  for (const r of report.releases) {
    lines.push(`  ${r.name.padEnd(13)} ${r.release}${r.source === 'default' ? ' (default)' : ''}; supported from ${r.floor}`);
  }
  for (const p of report.phases) {
    lines.push('', `${p.phase}:`);
    if (p.refused !== undefined) {
      lines.push(`  refused: ${p.refused.split('\n').join('\n  ')}`);
      continue;
    }
    lines.push('  apiVersions emitted:', ...p.apiVersions.map(v => `    ${v}`));
    lines.push(p.degradations.length === 0
      ? '  degradations: none'
      : `  degradations (${p.degradations.length}):`, ...p.degradations.map(d => `    - ${d}`));
  }
  return lines.join('\n') + '\n';
}

/**
 * `targets <catalog.yaml> [--phase <p>|<p1,p2>|all] [--format text|json]`: exit 0, or 2
 * when a phase refuses the targeted releases (the reason is listed).
 */
export function targetsCommand(args: string[], io: CliIo, loadCatalog: (file: string, io: CliIo) => ServiceCatalog): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { phase: { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout('mesh-ladder targets <catalog.yaml> [--phase <phase>|<p1,p2>|all] [--format text|json]\n'
      + '  The releases the catalog targets (its `platform` section), the apiVersions each phase emits\n'
      + '  for them, and every degradation or refusal with its reason.\n');
    return EXIT_OK;
  }
  if (positionals.length !== 1) {
    throw new UsageError('targets needs exactly one catalog file');
  }
  const phases = phasesOf(values.phase);
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    throw new UsageError(`unknown format "${format}" (text, json)`);
  }
  const report = targetsReport(loadCatalog(positionals[0], io), phases);
  io.stdout(format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatTargetsText(report));
  return report.phases.some(p => p.refused !== undefined) ? EXIT_INVALID : EXIT_OK;
}

function phasesOf(value: string | undefined): Phase[] {
  if (value === undefined || value === 'all') {
    return [...ALL_PHASES];
  }
  const wanted = new Set(value.split(',').map(v => {
    const phase = parsePhase(v.trim());
    if (!phase) {
      throw new UsageError(`unknown phase "${v}" (phases: ${ALL_PHASES.join(', ')})`);
    }
    return phase;
  }));
  return ALL_PHASES.filter(p => wanted.has(p));
}
