import * as fs from 'fs';
import { parseCatalogYaml, checkCatalogShape, decodeCatalogBytes, formatProblem, LocatedProblem, SourcePosition } from './catalog-loader';
import { CATALOG_SCHEMA } from './catalog-schema.generated';
import { resolveCatalog, resolvePlatformSection } from './resolve';
import { resolveSettingsSections } from './resolve-settings';
import { ResolvedCatalog, formatPath } from './resolved';
import { CatalogSpec, PhaseSettingsSpec, PlatformSpec } from './types';

/**
 * Thrown when a catalog is invalid. `problems` lists every error, each naming the field
 * path (and file:line:column for YAML).
 */
export class CatalogValidationError extends Error {
  public constructor(public readonly problems: LocatedProblem[]) {
    super(`invalid catalog (${problems.length} error${problems.length === 1 ? '' : 's'}):\n` + problems.map(p => '  ' + formatProblem(p)).join('\n'));
    this.name = 'CatalogValidationError';
  }
}

/**
 * A validated service catalog: the one description every phase synthesizes from.
 *
 * Build it from a TypeScript object (`ServiceCatalog.fromSpec`) or a YAML file
 * (`ServiceCatalog.fromFile`). Both validate everything at once and throw an error that
 * lists every problem with its field path.
 */
export class ServiceCatalog {
  /** Validate a catalog given as data. */
  public static fromSpec(spec: CatalogSpec): ServiceCatalog {
    const shape = checkCatalogShape(spec);
    if (shape.some(p => p.severity === 'error')) {
      throw new CatalogValidationError(shape.filter(p => p.severity === 'error'));
    }
    const { catalog, issues } = resolveCatalog(spec);
    const errors = issues.filter(i => i.severity === 'error');
    if (!catalog || errors.length > 0) {
      throw new CatalogValidationError(errors.map(i => ({ ...i })));
    }
    return new ServiceCatalog(spec, catalog, issues.filter(i => i.severity === 'warning').map(i => formatProblem(i)));
  }

  /**
   * Parse and validate a YAML catalog.
   * @param text the YAML text
   * @param fileName name used in error messages
   */
  public static fromYaml(text: string, fileName?: string): ServiceCatalog {
    const parsed = parseCatalogYaml(text, fileName ?? '<catalog>');
    const errors = parsed.problems.filter(p => p.severity === 'error');
    if (!parsed.spec || !parsed.catalog || errors.length > 0) {
      throw new CatalogValidationError(errors);
    }
    return new ServiceCatalog(parsed.spec, parsed.catalog, parsed.problems.filter(p => p.severity === 'warning').map(p => formatProblem(p)), parsed.locate);
  }

  /** Read, parse and validate a YAML catalog file (UTF-8, at most 5 MiB). */
  public static fromFile(path: string): ServiceCatalog {
    const decoded = decodeCatalogBytes(fs.readFileSync(path), path);
    if (decoded.text === undefined) {
      throw new CatalogValidationError(decoded.problems);
    }
    return ServiceCatalog.fromYaml(decoded.text, path);
  }

  /** The catalog as given. */
  public readonly spec: CatalogSpec;
  /** Warnings found while validating (not fatal). */
  public readonly warnings: string[];
  /** @internal */
  public readonly _resolved: ResolvedCatalog;
  private readonly locate?: (path: ReadonlyArray<string | number>) => SourcePosition;

  private constructor(
    spec: CatalogSpec, resolved: ResolvedCatalog, warnings: string[], locate?: (path: ReadonlyArray<string | number>) => SourcePosition,
  ) {
    this.spec = spec;
    this._resolved = resolved;
    this.warnings = warnings;
    this.locate = locate;
  }

  /**
   * A field of the catalog as error messages name it: `file:line:col: services[2].calls[0]`
   * for a YAML catalog, `services[2].calls[0]` for one given as data.
   * @internal
   */
  public _describeField(path: ReadonlyArray<string | number>): string {
    const field = formatPath(path);
    const at = this.locate?.(path);
    if (!at) {
      return field;
    }
    return `${at.file}${at.line === undefined ? '' : `:${at.line}${at.column === undefined ? '' : `:${at.column}`}`}: ${field}`;
  }

  /**
   * The same catalog targeting other releases: `platform` fields replace the catalog's
   * `platform` fields one by one.
   * @param platform the releases to target (unset fields keep the catalog's)
   */
  public withPlatform(platform: PlatformSpec): ServiceCatalog {
    const merged: PlatformSpec = { ...(this.spec.platform ?? {}), ...platform };
    const { platform: resolved, issues } = resolvePlatformSection(merged);
    const errors = issues.filter(i => i.severity === 'error');
    if (errors.length > 0) {
      throw new CatalogValidationError(errors.map(i => ({ ...i })));
    }
    return new ServiceCatalog({ ...this.spec, platform: merged }, { ...this._resolved, platform: resolved }, this.warnings, this.locate);
  }

  /**
   * The same catalog with other phase settings: each field set in `settings` replaces the
   * catalog's field of the same section (what the phases' construct options do). Returns
   * this catalog when `settings` sets nothing.
   * @param settings phase settings over the catalog's `baseline`, `cilium`, `linkerd` and `istio`
   */
  public withSettings(settings: PhaseSettingsSpec): ServiceCatalog {
    const merged: Record<string, object> = {};
    for (const [section, definition] of SETTINGS_SECTIONS) {
      const given = settingsFields(definition, settings[section]);
      if (Object.keys(given).length > 0) {
        merged[section] = { ...(this.spec[section] ?? {}), ...given };
      }
    }
    if (Object.keys(merged).length === 0) {
      return this;
    }
    const spec: CatalogSpec = { ...this.spec, ...merged };
    const { settings: resolved, issues } = resolveSettingsSections(spec, this._resolved.certificates.enabled);
    const errors = issues.filter(i => i.severity === 'error');
    if (errors.length > 0) {
      throw new CatalogValidationError(errors.map(i => ({ ...i })));
    }
    return new ServiceCatalog(spec, { ...this._resolved, ...resolved }, this.warnings, this.locate);
  }

  /**
   * Where a field of a YAML catalog is (file, 1-based line and column); undefined for a
   * catalog given as data.
   * @internal
   */
  public _locateField(path: ReadonlyArray<string | number>): SourcePosition | undefined {
    return this.locate?.(path);
  }

  /** `namespace/name` of every service, sorted. */
  public get serviceIds(): string[] {
    return this._resolved.services.map(s => s.id);
  }
}

/** Each settings section of the catalog and the schema definition of its type. */
const SETTINGS_SECTIONS = [
  ['baseline', 'BaselineSettingsSpec'],
  ['cilium', 'CiliumSettingsSpec'],
  ['linkerd', 'LinkerdSettingsSpec'],
  ['istio', 'IstioSettingsSpec'],
] as const;

/**
 * The settings fields of `value` that are set. Construct props carry more than the
 * settings (the catalog, the platform, a layer's own props) and spread `undefined`
 * freely: only the keys the catalog's schema gives the section are settings.
 */
function settingsFields(definition: string, value: object | undefined): Record<string, unknown> {
  const keys = new Set(Object.keys(CATALOG_SCHEMA.definitions[definition].properties));
  return Object.fromEntries(Object.entries(value ?? {}).filter(([k, v]) => keys.has(k) && v !== undefined));
}
