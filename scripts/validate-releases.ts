/**
 * Validates the shop example, synthesized for every release collected in
 * ../shared/crds/versions (its index.json), against that release's JSON Schemas, and
 * checks that every apiVersion emitted is one the release serves.
 *
 * Usage: ts-node --project test/tsconfig.json scripts/validate-releases.ts
 *          [--shared ../shared] [--catalog examples/shop/catalog.yaml] [--verbose]
 *
 * Targets: one per release at or above the project's supported floor (that project at the
 * release, every other project at its default), plus one with every project at its floor.
 * Releases below the floor are listed as skipped. For each target every phase is
 * synthesized; objects are validated against a schema folder made of the targeted
 * releases' `jsonschema/` (a group a release folder holds is taken from it alone, so an
 * apiVersion the release does not serve has no schema and fails) over ../crds/jsonschema
 * for the rest (core, monitoring.coreos.com). Exit 0 when every object of every target is
 * valid and served, 1 otherwise, 2 on bad usage; 0 with a notice when ../shared is absent.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { validateManifests } from './validate-manifests';
import { MeshLadderChart } from '../src/chart';
import { ServiceCatalog } from '../src/model/catalog';
import { ALL_PHASES } from '../src/model/phase';
import { atLeast, normalizeRelease, PROJECT_RELEASES, PlatformProject } from '../src/model/releases';
import { PlatformSpec } from '../src/model/types';

/** One entry of index.json. */
interface IndexRelease {
  readonly project: string;
  readonly release: string;
  readonly tag: string;
  readonly channel?: string;
  readonly kinds: ReadonlyArray<{ kind: string; group: string; served: string[] }>;
}

/** The folders of ../shared/crds/versions and the platform field each targets. */
const PROJECT_OF_FOLDER: Readonly<Record<string, PlatformProject>> = {
  'cert-manager': 'certManager',
  'cilium': 'cilium',
  'istio': 'istio',
  'linkerd': 'linkerd',
  'trust-manager': 'trustManager',
  'gateway-api': 'gatewayApi',
};

/** A synthesis target: the platform and the release folders whose schemas apply. */
export interface ReleaseTarget {
  readonly label: string;
  readonly platform: PlatformSpec;
  readonly releases: IndexRelease[];
}

/** What one target gave. */
export interface TargetResult {
  readonly label: string;
  readonly objects: number;
  readonly valid: number;
  readonly invalid: number;
  /** `apiVersion kind` emitted but not served by the targeted release. */
  readonly unserved: string[];
}

/** The Gateway API folder a `platform.gatewayApi` release maps to (experimental before 1.1, as src/model/releases.ts assumes). */
function gatewayFolder(release: string): (r: IndexRelease) => boolean {
  return r => r.project === 'gateway-api' && normalizeRelease(r.release.replace(/-experimental$/, '').replace(/\.\d+$/, '')) === release
    && (r.channel === 'experimental') === !atLeast(release, '1.1');
}

/** Targets for every release in the index at or above its floor, and one at every floor. */
export function releaseTargets(index: IndexRelease[], log: (line: string) => void): ReleaseTarget[] {
  const lineOf = (r: IndexRelease) => normalizeRelease(r.release.replace(/-experimental$/, '').split('.').slice(0, 2).join('.'));
  const releaseFor = (project: PlatformProject, release: string) => index.find(r => PROJECT_OF_FOLDER[r.project] === project && project !== 'gatewayApi' && lineOf(r) === release);
  const folders = (platform: PlatformSpec): IndexRelease[] => {
    const at = (project: Exclude<PlatformProject, 'gatewayApi' | 'kubernetes'>) => releaseFor(project, platform[project] ?? PROJECT_RELEASES[project].default)!;
    const chosen = [at('certManager'), at('cilium'), at('istio'), at('linkerd'), at('trustManager')];
    if (platform.gatewayApi !== undefined) {
      chosen.push(index.find(gatewayFolder(platform.gatewayApi))!);
    }
    return chosen;
  };
  const targets: ReleaseTarget[] = [];
  const seen = new Set<string>();
  for (const r of index) {
    const project = PROJECT_OF_FOLDER[r.project];
    if (!project) {
      continue;
    }
    const release = lineOf(r);
    const facts = PROJECT_RELEASES[project];
    if (!atLeast(release, facts.floor)) {
      log(`skip ${r.project} ${r.release} (${r.tag}): below the supported floor ${facts.floor}`);
      continue;
    }
    if (project === 'gatewayApi' && !gatewayFolder(release)(r)) {
      log(`skip ${r.project} ${r.release}: platform.gatewayApi ${release} targets the ${atLeast(release, '1.1') ? 'standard' : 'experimental'} channel`);
      continue;
    }
    const platform: PlatformSpec = { [project]: release };
    const label = `${facts.name} ${release}`;
    if (!seen.has(label)) {
      seen.add(label);
      targets.push({ label, platform, releases: folders(platform) });
    }
  }
  const floors: PlatformSpec = {
    cilium: PROJECT_RELEASES.cilium.floor,
    linkerd: PROJECT_RELEASES.linkerd.floor,
    istio: PROJECT_RELEASES.istio.floor,
    certManager: PROJECT_RELEASES.certManager.floor,
    trustManager: PROJECT_RELEASES.trustManager.floor,
    kubernetes: PROJECT_RELEASES.kubernetes.floor,
  };
  targets.push({ label: 'every project at its floor', platform: floors, releases: folders(floors) });
  return targets;
}

/**
 * A schema folder for `releases`: each group a release folder holds comes from those
 * folders only (gateway-api over Linkerd's bundled copy); other groups from `fallback`.
 */
function schemaFolder(versionsDir: string, fallback: string, releases: IndexRelease[], into: string): void {
  const byGroup = new Map<string, string[]>();
  const ordered = [...releases].sort((a, b) => (a.project === 'gateway-api' ? 1 : 0) - (b.project === 'gateway-api' ? 1 : 0));
  for (const r of ordered) {
    const dir = path.join(versionsDir, r.project, r.release, 'jsonschema');
    for (const group of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      // A later folder (gateway-api) replaces an earlier one's group (Linkerd's bundle).
      byGroup.set(group, fs.readdirSync(path.join(dir, group)).map(f => path.join(dir, group, f)));
    }
  }
  fs.mkdirSync(into, { recursive: true });
  for (const group of fs.readdirSync(fallback)) {
    if (!byGroup.has(group)) {
      fs.symlinkSync(path.resolve(fallback, group), path.join(into, group));
    }
  }
  for (const [group, files] of byGroup) {
    fs.mkdirSync(path.join(into, group));
    for (const file of files) {
      fs.symlinkSync(path.resolve(file), path.join(into, group, path.basename(file)));
    }
  }
}

/** Synthesizes every phase of `catalog` for the target and validates the objects. */
export function validateTarget(
  catalog: ServiceCatalog, target: ReleaseTarget, dirs: { versions: string; fallback: string; scratch: string }, log: (line: string) => void,
): TargetResult {
  const retargeted = catalog.withPlatform(target.platform);
  const objects = ALL_PHASES.flatMap(phase => MeshLadderChart.synthesize(retargeted, phase).objects);
  const served = new Map<string, Set<string>>();
  for (const r of target.releases) {
    for (const k of r.kinds) {
      served.set(`${k.group}/${k.kind}`, new Set(k.served.map(v => `${k.group}/${v}`)));
    }
  }
  const unserved = [...new Set(objects
    .filter(o => {
      const versions = served.get(`${String(o.apiVersion).split('/')[0]}/${o.kind}`);
      return versions !== undefined && !versions.has(o.apiVersion);
    })
    .map(o => `${o.apiVersion} ${o.kind}`))].sort();
  const dir = path.join(dirs.scratch, target.label.replace(/[^A-Za-z0-9.]+/g, '-'));
  const schemas = path.join(dir, 'schemas');
  schemaFolder(dirs.versions, dirs.fallback, target.releases, schemas);
  const file = path.join(dir, 'objects.yaml');
  fs.writeFileSync(file, objects.map(o => YAML.stringify(o)).join('---\n'));
  const report = validateManifests([file], { schemasDir: schemas, log: line => (line.startsWith('ok ') ? undefined : log(`  ${line}`)) });
  for (const u of unserved) {
    log(`  FAIL ${u}: not served by ${target.releases.map(r => `${r.project} ${r.release}`).join(', ')}`);
  }
  return { label: target.label, objects: report.objects, valid: report.valid, invalid: report.invalid, unserved };
}

/** Command-line entry point; returns the exit status. */
export function main(argv: string[], log: (line: string) => void = line => console.log(line)): number {
  let shared = path.join('..', 'shared');
  let catalogFile = path.join('examples', 'shop', 'catalog.yaml');
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--shared' && i + 1 < argv.length) {
      shared = argv[++i];
    } else if (argv[i] === '--catalog' && i + 1 < argv.length) {
      catalogFile = argv[++i];
    } else if (argv[i] === '--verbose') {
      verbose = true;
    } else {
      log(`error: unknown argument ${argv[i]}\nusage: validate-releases [--shared <dir>] [--catalog <file>] [--verbose]`);
      return 2;
    }
  }
  const versions = path.join(shared, 'crds', 'versions');
  const indexFile = path.join(versions, 'index.json');
  const fallback = path.join(shared, 'crds', 'jsonschema');
  if (!fs.existsSync(indexFile) || !fs.existsSync(fallback)) {
    log(`notice: ${indexFile} or ${fallback} not found; per-release validation skipped`);
    return 0;
  }
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')).releases as IndexRelease[];
  const catalog = ServiceCatalog.fromFile(catalogFile);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ladder-releases-'));
  const results: TargetResult[] = [];
  try {
    for (const target of releaseTargets(index, log)) {
      log(`${target.label}: ${target.releases.map(r => `${r.project}/${r.release}`).join(', ')}`);
      const lines: string[] = [];
      const result = validateTarget(catalog, target, { versions, fallback, scratch }, line => lines.push(line));
      const failed = result.invalid > 0 || result.unserved.length > 0;
      (failed || verbose ? lines : lines.filter(l => /^\s*(PASS|FAIL:)/.test(l))).forEach(l => log(l));
      results.push(result);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  log('');
  for (const r of results) {
    log(`${r.invalid === 0 && r.unserved.length === 0 ? 'PASS' : 'FAIL'}  ${r.label.padEnd(28)} ${r.objects} objects: ${r.valid} valid, ${r.invalid} invalid, ${r.unserved.length} apiVersions not served`);
  }
  return results.every(r => r.invalid === 0 && r.unserved.length === 0) ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
