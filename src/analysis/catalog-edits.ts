/**
 * What a catalog edit changed, field by field, and which edit a change of the emitted
 * policies most likely comes from. Lets a diff point at the catalog line that caused a
 * flow change (SARIF, pull-request annotations) instead of at generated YAML.
 *
 * Lists are compared the way a reader sees them: entries with a `name` (services, ports,
 * routes, versions, peers, namespaces) by name (and namespace), the others (calls,
 * callers, selectors' values) as unordered sets, so reordering a list is no edit.
 */

export type EditKind = 'added' | 'removed' | 'changed';

export interface CatalogEdit {
  readonly kind: EditKind;
  /**
   * Where the edit is in the head catalog: the field itself, or for a removal the
   * closest field that still exists (`services[1].calls`).
   */
  readonly path: ReadonlyArray<string | number>;
  /** The field as a reader names it, e.g. `services[frontend].calls[+]`. */
  readonly field: string;
  /** `namespace/name` of the service the edit is in, when it is in one. */
  readonly service?: string;
  /** The first key below the service (`calls`, `routes`, ...) or the top-level key. */
  readonly section: string;
}

type Path = Array<string | number>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of parsed YAML/JSON values (key order ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a).filter(k => a[k] !== undefined);
    return keys.length === Object.keys(b).filter(k => b[k] !== undefined).length && keys.every(k => sameValue(a[k], b[k]));
  }
  return false;
}

/** Entries keyed by name (and namespace), when every entry has a string `name`. */
function namedKeys(list: readonly unknown[]): string[] | undefined {
  if (list.length === 0 || !list.every(e => isObject(e) && typeof e.name === 'string')) {
    return undefined;
  }
  const keys = list.map(e => `${(e as any).namespace ?? ''}/${(e as any).name}`);
  return new Set(keys).size === keys.length ? keys : undefined;
}

interface Walk {
  readonly edits: Array<{ kind: EditKind; path: Path; field: string }>;
}

function label(path: readonly (string | number)[], names: readonly string[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${names[i] ?? p}]` : `${i === 0 ? '' : '.'}${p}`)).join('');
}

function diffValue(base: unknown, head: unknown, path: Path, names: string[], walk: Walk): void {
  if (sameValue(base, head)) {
    return;
  }
  if (isObject(base) && isObject(head)) {
    for (const key of [...new Set([...Object.keys(base), ...Object.keys(head)])].sort()) {
      if (head[key] === undefined) {
        walk.edits.push({ kind: 'removed', path, field: label([...path, key], names) });
      } else if (base[key] === undefined) {
        walk.edits.push({ kind: 'added', path: [...path, key], field: label([...path, key], names) });
      } else {
        diffValue(base[key], head[key], [...path, key], [...names, ''], walk);
      }
    }
    return;
  }
  if (Array.isArray(base) && Array.isArray(head)) {
    diffList(base, head, path, names, walk);
    return;
  }
  walk.edits.push({ kind: 'changed', path, field: label(path, names) });
}

function diffList(base: unknown[], head: unknown[], path: Path, names: string[], walk: Walk): void {
  const baseKeys = namedKeys(base);
  const headKeys = namedKeys(head);
  if (baseKeys && headKeys) {
    headKeys.forEach((key, i) => {
      const j = baseKeys.indexOf(key);
      const name = key.replace(/^\//, '');
      if (j < 0) {
        walk.edits.push({ kind: 'added', path: [...path, i], field: label([...path, i], [...names, name]) });
      } else {
        diffValue(base[j], head[i], [...path, i], [...names, name], walk);
      }
    });
    baseKeys.filter(key => !headKeys.includes(key)).forEach(key => {
      walk.edits.push({ kind: 'removed', path, field: label([...path, 0], [...names, key.replace(/^\//, '')]) });
    });
    return;
  }
  // Unordered: an entry is added when no equal entry was there, removed when none is left.
  const unmatched = [...base];
  head.forEach((entry, i) => {
    const j = unmatched.findIndex(b => sameValue(b, entry));
    if (j >= 0) {
      unmatched.splice(j, 1);
    } else {
      walk.edits.push({ kind: 'added', path: [...path, i], field: label([...path, i], [...names, `+${i}`]) });
    }
  });
  if (unmatched.length > 0) {
    walk.edits.push({ kind: 'removed', path, field: `${label(path, names)}[-${unmatched.length}]` });
  }
}

function serviceId(service: unknown, defaultNamespace: string): string | undefined {
  return isObject(service) && typeof service.name === 'string'
    ? `${typeof service.namespace === 'string' ? service.namespace : defaultNamespace}/${service.name}`
    : undefined;
}

/**
 * Every field that differs between two catalogs as given (specs, not resolved models),
 * in head-catalog terms.
 */
export function catalogEdits(base: unknown, head: unknown): CatalogEdit[] {
  const walk: Walk = { edits: [] };
  diffValue(base, head, [], [], walk);
  const headNs = isObject(head) && typeof head.namespace === 'string' ? head.namespace : 'default';
  const baseNs = isObject(base) && typeof base.namespace === 'string' ? base.namespace : 'default';
  const headServices = isObject(head) && Array.isArray(head.services) ? head.services : [];
  const baseServices = isObject(base) && Array.isArray(base.services) ? base.services : [];
  return walk.edits.map(edit => {
    const inService = edit.path[0] === 'services' && typeof edit.path[1] === 'number';
    let service = inService ? serviceId(headServices[edit.path[1] as number], headNs) : undefined;
    if (!inService && edit.path.length === 1 && edit.path[0] === 'services' && edit.kind === 'removed') {
      // A removed service: name it by its base entry.
      const name = /^services\[(.+)\]$/.exec(edit.field)?.[1];
      const removed = baseServices.find(s => serviceId(s, baseNs)?.endsWith(`/${name}`) || serviceId(s, baseNs) === name);
      service = removed ? serviceId(removed, baseNs) : undefined;
    }
    const section = String((inService ? edit.path[2] : edit.path[0]) ?? (inService ? '' : /^[a-zA-Z]+/.exec(edit.field)?.[0] ?? ''));
    return { ...edit, service, section };
  });
}

/** The service a flow endpoint id belongs to (`shop/catalog@v2` -> `shop/catalog`). */
export function endpointService(id: string): string | undefined {
  const match = /^([a-z0-9][-a-z0-9.]*\/[a-z0-9][-a-z0-9.]*)(@.*)?$/.exec(id);
  return match?.[1];
}

const OUTGOING = new Set(['calls', 'versions', 'serviceAccount', 'selector', 'clientOnly']);
const INCOMING = new Set(['callers', 'exposed', 'ports', 'routes', 'probes', 'versions', 'selector', 'serviceAccount']);

/**
 * The edit a flow (or request) change most likely comes from: an edit of the source's
 * outgoing side (its calls) or the destination's incoming side (callers, ports,
 * routes), else any edit of either service, else a catalog-wide setting, else the
 * first edit. Undefined when nothing was edited.
 */
export function attributeEdit(edits: readonly CatalogEdit[], from: string, to: string): CatalogEdit | undefined {
  const source = endpointService(from);
  const target = endpointService(to);
  return edits.find(e => e.service !== undefined && e.service === source && OUTGOING.has(e.section))
    ?? edits.find(e => e.service !== undefined && e.service === target && INCOMING.has(e.section))
    ?? edits.find(e => e.service !== undefined && (e.service === source || e.service === target))
    ?? edits.find(e => e.service === undefined && e.section !== 'services')
    ?? edits[0];
}
