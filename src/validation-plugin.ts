/**
 * A cdk8s validation plugin: `cdk8s synth` runs the proof over what the app synthesized
 * and reports every violation with the construct path of the object at fault.
 *
 * cdk8s-cli (2.207) reads the `validations:` list of `cdk8s.yaml`; for each entry it loads
 * the npm package `package` at `version` (installed into its plugins directory, or a
 * local path starting with `./` or `/`), instantiates the exported class `class` with the
 * entry's `properties`, and awaits `validate(context)` (cdk8s-team/cdk8s-cli 2.207.60
 * src/plugins/_manager.ts PluginManager.load, src/plugins/validation.ts Validation,
 * ValidationContext, ValidationReport). The context lists the synthesized manifest files,
 * parses them, and maps a violating resource's name to its construct path from the
 * construct metadata cdk8s writes when validations are configured.
 *
 * ```yaml
 * validations:
 *   - package: cdk8s-mesh-ladder
 *     version: <the version in package.json>
 *     class: MeshLadderValidation
 *     properties:
 *       catalog: catalog.yaml        # relative to where cdk8s synth runs
 * ```
 */
import * as fs from 'fs';
import { systemOf, systemsIn } from './analysis/enforcement';
import { formatFlow } from './analysis/flows';
import { formatRequestFlow } from './analysis/requests';
import { highestPhaseOf } from './backends';
import { lintOutput, proveReachability } from './catalog-analysis';
import { SERVICE_LABEL } from './emit/common';
import { ServiceCatalog } from './model/catalog';
import { Phase, parsePhase } from './model/phase';

/** Properties of `MeshLadderValidation` (the `properties:` of its `cdk8s.yaml` entry). */
export interface MeshLadderValidationProps {
  /** The catalog YAML the app synthesizes from, relative to where `cdk8s synth` runs. */
  readonly catalog: string;
  /**
   * The phase of every manifest file.
   * @default - per manifest file, the highest rung whose enforcement it configures (Istio,
   * Linkerd, Cilium, else baseline)
   */
  readonly phase?: string;
}

/** A resource violating a rule, as cdk8s-cli's `ValidationViolatingResource`. */
export interface ValidationViolatingResource {
  /** `metadata.name` of the object (cdk8s maps it to the construct path). */
  readonly resourceName: string;
  /** What in the object is at fault. */
  readonly locations: string[];
  /** The manifest file the object is in. */
  readonly manifestPath: string;
}

/** A violation, as cdk8s-cli's `ValidationViolation`. */
export interface ValidationViolation {
  readonly ruleName: string;
  readonly recommendation: string;
  readonly fix: string;
  readonly violatingResources: ValidationViolatingResource[];
}

/** What the plugin uses of cdk8s-cli's `ValidationReport`. */
export interface IValidationReport {
  addViolation(violation: ValidationViolation): void;
  submit(status: string, metadata?: { [key: string]: string }): void;
}

/** What the plugin uses of cdk8s-cli's `ValidationLogger`. */
export interface IValidationLogger {
  log(message: string): void;
}

/** What the plugin uses of cdk8s-cli's `ValidationContext`. */
export interface IValidationContext {
  /** The synthesized manifest files. */
  readonly manifests: string[];
  readonly report: IValidationReport;
  readonly logger: IValidationLogger;
  /** The objects of one manifest file. */
  parseManifest(manifestPath: string): any[];
}

/** The phase a manifest set is in: the highest rung whose enforcement it configures. */
export function detectPhase(objects: ReadonlyArray<unknown>): Phase | undefined {
  return highestPhaseOf(systemsIn(objects));
}

interface Finding {
  readonly rule: string;
  readonly recommendation: string;
  readonly fix: string;
  /** Services (`namespace/name`) whose objects are at fault, or an object's kind/namespace/name. */
  readonly services: string[];
  readonly object?: { kind: string; namespace?: string; name: string };
  readonly location: string;
}

function serviceOf(endpoint: string): string | undefined {
  return /^([^/:]+\/[^@]+)(@.*)?$/.exec(endpoint)?.[1];
}

/** The enforcement objects that configure a service (labelled with it), else its namespace's. */
function objectsFor(objects: readonly any[], service: string): any[] {
  const [namespace, name] = service.split('/');
  const enforcing = objects.filter(o => systemOf(o) !== undefined && o?.metadata?.namespace === namespace);
  const own = enforcing.filter(o => o?.metadata?.labels?.[SERVICE_LABEL] === name || o?.metadata?.name === name);
  return own.length > 0 ? own : enforcing.slice(0, 1);
}

function proofFindings(catalog: ServiceCatalog, phase: Phase, objects: any[]): Finding[] {
  const report = proveReachability(catalog, phase, objects);
  const flow = (rule: string, f: { from: string; to: string }, text: string, recommendation: string, fix: string): Finding => ({
    rule, recommendation, fix, location: text, services: [serviceOf(f.to), serviceOf(f.from)].filter((s): s is string => s !== undefined),
  });
  const lint = lintOutput(catalog, phase, objects).findings.filter(f => f.severity === 'error' && f.suppressed === undefined);
  return [
    ...report.missing.map(f => flow('mesh-ladder/missing-flow', f, formatFlow(f), `${phase}: declared but not allowed (a call that silently fails)`, 'allow the declared flow; do not edit synthesized policies by hand')),
    ...report.unexpected.map(f => flow('mesh-ladder/unexpected-flow', f, formatFlow(f), `${phase}: allowed but not declared`, 'declare the call in the catalog or remove what allows it')),
    ...(report.requests?.missing ?? []).map(f => flow('mesh-ladder/missing-request', f, formatRequestFlow(f), `${phase}: declared request refused`, 'allow the declared route')),
    ...(report.requests?.unexpected ?? []).map(f => flow('mesh-ladder/unexpected-request', f, formatRequestFlow(f), `${phase}: undeclared request let through`, 'declare the route or limit the call')),
    ...lint.map(f => {
      const match = /^(\w+) (?:([^/\s]+)\/)?([^\s]+)/.exec(f.subject);
      return {
        rule: `mesh-ladder/lint/${f.rule}`,
        recommendation: `${phase}: ${f.message}`,
        fix: f.fix,
        location: f.subject,
        services: f.service !== undefined ? [f.service] : [],
        object: match ? { kind: match[1], namespace: match[2], name: match[3] } : undefined,
      };
    }),
  ];
}

/**
 * The proof as a cdk8s validation plugin: every manifest file `cdk8s synth` wrote is
 * linted and proven against the catalog (per file, in the phase its objects configure);
 * a declared flow not allowed, an undeclared flow or request allowed, or a lint error is a
 * violation of the objects that configure the services involved.
 */
export class MeshLadderValidation {
  private readonly catalogFile: string;
  private readonly phase?: Phase;

  public constructor(props: MeshLadderValidationProps) {
    if (typeof props?.catalog !== 'string') {
      throw new Error('MeshLadderValidation: properties.catalog (the catalog YAML file) is required');
    }
    this.catalogFile = props.catalog;
    if (props.phase !== undefined) {
      const phase = parsePhase(props.phase);
      if (!phase) {
        throw new Error(`MeshLadderValidation: unknown phase "${props.phase}"`);
      }
      this.phase = phase;
    }
  }

  /** Runs the proof over the synthesized manifests and submits the report. */
  public async validate(context: IValidationContext): Promise<void> {
    if (!fs.existsSync(this.catalogFile)) {
      throw new Error(`MeshLadderValidation: catalog file not found: ${this.catalogFile}`);
    }
    const catalog = ServiceCatalog.fromFile(this.catalogFile);
    let violations = 0;
    let proven = 0;
    for (const manifest of context.manifests) {
      const objects = context.parseManifest(manifest).filter(o => o !== null && o !== undefined);
      const phase = this.phase ?? detectPhase(objects);
      if (!phase) {
        context.logger.log(`mesh-ladder: ${manifest}: no policies, nothing to prove`);
        continue;
      }
      proven++;
      for (const finding of proofFindings(catalog, phase, objects)) {
        violations++;
        context.report.addViolation(this.violation(finding, objects, manifest));
      }
    }
    context.report.submit(violations === 0 ? 'success' : 'failure', { 'catalog': this.catalogFile, 'manifests proven': String(proven) });
  }

  private violation(finding: Finding, objects: readonly any[], manifestPath: string): ValidationViolation {
    const atFault = finding.object
      ? objects.filter(o => o?.kind === finding.object!.kind && o?.metadata?.name === finding.object!.name
        && (finding.object!.namespace === undefined || o?.metadata?.namespace === finding.object!.namespace))
      : [];
    const resources = (atFault.length > 0 ? atFault : finding.services.flatMap(s => objectsFor(objects, s)))
      .filter((o, i, all) => all.indexOf(o) === i);
    return {
      ruleName: finding.rule,
      recommendation: finding.recommendation,
      fix: finding.fix,
      violatingResources: resources.map(o => ({
        resourceName: String(o.metadata?.name),
        locations: [`${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}: ${finding.location}`],
        manifestPath,
      })),
    };
  }
}
