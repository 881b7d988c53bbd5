/**
 * A faster `toJson` for ApiObjects built from plain data (internal, not re-exported).
 *
 * cdk8s renders an object by passing every value through its resolver chain (an App
 * lookup up the construct tree and a new key path per value), then copying it again to
 * sort keys and drop empty values. For objects whose props are plain JSON that is most of
 * the synthesis time. The shortcut does the same in one pass and returns the same JSON,
 * key order included; whenever cdk8s's machinery could change the result (a Lazy or token
 * anywhere, a JSON patch, custom App resolvers, a non-plain value), it defers to cdk8s.
 *
 * Two ways in: `plainDataApiObject` subclasses a generated binding (always fast), and
 * `renderChartJson` renders a whole chart with the shortcut for every object of a
 * generated binding (what MeshLadderChart does for the objects of every backend).
 */
import { ApiObject, App, Chart, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { Construct } from 'constructs';
import { apiVersionFor, EmittedKind, TargetPlatform } from '../model/releases';

/** A generated binding class: `new Binding(scope, id, props)`, with a static `GVK`. */
type BindingClass = new (scope: Construct, id: string, props: any) => ApiObject;

/** Thrown inside `plainJson` when a value needs cdk8s's resolvers. */
const NOT_PLAIN = Symbol('not plain data');

/**
 * A subclass of `binding` whose `toJson` skips cdk8s's resolver chain when it can.
 * @param binding the generated class, e.g. `k8s.KubeNetworkPolicy`
 * @param propsToJson the binding's props converter, e.g. `k8s.toJson_KubeNetworkPolicyProps`
 */
export function plainDataApiObject<C extends BindingClass>(binding: C, propsToJson: (props: any) => Record<string, any> | undefined): C {
  const gvk = (binding as unknown as { GVK: { apiVersion: string; kind: string } }).GVK;
  if (!gvk || typeof gvk.apiVersion !== 'string' || typeof gvk.kind !== 'string') {
    throw new Error(`plainDataApiObject: ${binding.name} has no static GVK`);
  }
  const Base = binding as BindingClass;
  class PlainDataApiObject extends Base {
    private readonly plainProps: Record<string, unknown>;

    public constructor(scope: Construct, id: string, props: Record<string, unknown> = {}) {
      super(scope, id, props);
      // What the binding handed to ApiObject: the GVK, then the props.
      this.plainProps = { ...gvk, ...props };
    }

    public toJson(): any {
      const resolved = plainObjectJson(this, this.plainProps);
      return resolved === undefined ? super.toJson() : { ...gvk, ...propsToJson(resolved) };
    }

    /** What the binding renders through cdk8s's resolvers (for tests comparing the two). */
    public _cdk8sToJson(): any {
      return super.toJson();
    }
  }
  Object.defineProperty(PlainDataApiObject, 'name', { value: binding.name });
  return PlainDataApiObject as unknown as C;
}

/** Marks a binding subclass made by `atApiVersion` with the apiVersion it emits. */
const API_VERSION_AT_RELEASE = Symbol('apiVersion at the targeted release');
const bindingsAtVersion = new WeakMap<object, Map<string, BindingClass>>();

/**
 * The generated binding `binding` emitting `apiVersion` instead of the version it was
 * generated for (same group and kind): for a release that serves the kind at another
 * version with the same fields the library sets (the release facts in
 * src/model/releases.ts say which version; validation against that release's schemas
 * proves the fields). The binding itself when the versions agree.
 */
export function atApiVersion<C extends BindingClass>(binding: C, apiVersion: string): C {
  const gvk = (binding as unknown as { GVK: { apiVersion: string; kind: string } }).GVK;
  if (gvk.apiVersion === apiVersion) {
    return binding;
  }
  const groupOf = (v: string) => (v.includes('/') ? v.slice(0, v.lastIndexOf('/')) : '');
  if (groupOf(gvk.apiVersion) !== groupOf(apiVersion)) {
    throw new Error(`atApiVersion: ${gvk.kind} ${gvk.apiVersion} cannot be emitted as ${apiVersion} (another group)`);
  }
  let byVersion = bindingsAtVersion.get(binding);
  if (!byVersion) {
    byVersion = new Map();
    bindingsAtVersion.set(binding, byVersion);
  }
  let versioned = byVersion.get(apiVersion);
  if (!versioned) {
    const Base = binding as BindingClass;
    class BindingAtVersion extends Base {
      public constructor(scope: Construct, id: string, props: Record<string, unknown> = {}) {
        super(scope, id, props);
        (this as { apiVersion: string }).apiVersion = apiVersion;
      }

      public toJson(): any {
        // Spreading keeps the key order: apiVersion stays first.
        return { ...super.toJson(), apiVersion };
      }
    }
    Object.defineProperty(BindingAtVersion, 'name', { value: binding.name });
    Object.defineProperty(BindingAtVersion, API_VERSION_AT_RELEASE, { value: apiVersion });
    versioned = BindingAtVersion;
    byVersion.set(apiVersion, versioned);
  }
  return versioned as C;
}

/**
 * `render()` (the chart's own `toJson`) with the plain-data shortcut for every object of
 * the chart that is a generated binding: cdk8s still orders, validates and collects the
 * objects; only each object's rendering is replaced, for the duration of the call.
 */
export function renderChartJson(chart: Chart, render: () => any[]): any[] {
  const shadowed: ApiObject[] = [];
  for (const construct of chart.node.findAll()) {
    if (!(construct instanceof ApiObject) || Object.prototype.hasOwnProperty.call(construct, 'toJson')) {
      continue;
    }
    const manifest = generatedManifest(construct);
    const props = (construct as unknown as { props?: unknown }).props;
    if (!manifest || props === null || typeof props !== 'object') {
      continue;
    }
    const obj = construct;
    const bindingToJson = obj.toJson;
    Object.defineProperty(obj, 'toJson', {
      configurable: true,
      writable: true,
      value: () => {
        const resolved = plainObjectJson(obj, props as Record<string, unknown>);
        return resolved === undefined ? bindingToJson.call(obj) : manifest(resolved);
      },
    });
    shadowed.push(obj);
  }
  try {
    return render();
  } finally {
    for (const obj of shadowed) {
      delete (obj as { toJson?: unknown }).toJson;
    }
  }
}

/** `toJson` of a generated binding: `{ ...GVK, ...toJson_XProps(super.toJson()) }`. */
const GENERATED_TO_JSON = /^toJson\(\)\s*\{\s*const resolved = super\.toJson\(\);\s*return \{\s*\.\.\.(\w+)\.GVK,\s*\.\.\.(\w+)\(resolved\),?\s*\};?\s*\}$/;
/** Its static `manifest`: `{ ...GVK, ...toJson_XProps(props) }`, the same converter. */
const GENERATED_MANIFEST = /^manifest\((\w+)(?:\s*=\s*\{\})?\)\s*\{\s*return \{\s*\.\.\.(\w+)\.GVK,\s*\.\.\.(\w+)\(\1\),?\s*\};?\s*\}$/;

const manifestByClass = new WeakMap<object, ((resolved: unknown) => any) | null>();

/**
 * For an object whose class is a generated binding (a direct ApiObject subclass whose
 * `toJson` and static `manifest` are the generated code, calling the same converter), the
 * `manifest` function: applied to what ApiObject renders, it gives what `toJson` gives.
 * Anything else (hand-written classes, instrumented or minified code) gets null.
 */
function generatedManifest(obj: ApiObject): ((resolved: unknown) => any) | null {
  return classManifest(obj.constructor);
}

function classManifest(cls: unknown): ((resolved: unknown) => any) | null {
  const binding = cls as { GVK?: unknown; manifest?: (props: unknown) => any; prototype: object; [API_VERSION_AT_RELEASE]?: string };
  let manifest = manifestByClass.get(binding);
  if (manifest === undefined) {
    manifest = null;
    const atRelease = Object.prototype.hasOwnProperty.call(binding, API_VERSION_AT_RELEASE) ? binding[API_VERSION_AT_RELEASE] : undefined;
    if (atRelease !== undefined) {
      // A binding at another served version (`atApiVersion`): the parent's manifest, re-versioned.
      const parent = classManifest(Object.getPrototypeOf(binding));
      manifest = parent === null ? null : (resolved: unknown) => ({ ...parent(resolved), apiVersion: atRelease });
      manifestByClass.set(binding, manifest);
      return manifest;
    }
    const toJson = Object.prototype.hasOwnProperty.call(binding.prototype, 'toJson') ? (binding.prototype as { toJson: () => unknown }).toJson : undefined;
    if (Object.getPrototypeOf(binding) === ApiObject && binding.GVK && typeof binding.manifest === 'function' && toJson) {
      const a = GENERATED_TO_JSON.exec(toJson.toString());
      const b = GENERATED_MANIFEST.exec(binding.manifest.toString().replace(/^static\s+/, ''));
      if (a && b && a[1] === b[2] && a[2] === b[3]) {
        const staticManifest = binding.manifest;
        manifest = (resolved: unknown) => staticManifest.call(binding, resolved);
      }
    }
    manifestByClass.set(binding, manifest);
  }
  return manifest;
}

/**
 * What `ApiObject.prototype.toJson` returns for `obj` built from `props`, or undefined
 * when the shortcut does not apply.
 */
function plainObjectJson(obj: ApiObject, props: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!defaultResolversOnly(obj) || !withoutPatches(obj)) {
    return undefined;
  }
  const sortKeys = !process.env.CDK8S_DISABLE_SORT;
  let json: Record<string, unknown>;
  try {
    json = plainJson({ ...props, metadata: obj.metadata.toJson() }, sortKeys) as Record<string, unknown>;
  } catch (e) {
    if (e === NOT_PLAIN) {
      return undefined;
    }
    throw e;
  }
  // ApiObject puts apiVersion, kind and metadata first.
  const result: Record<string, unknown> = {};
  for (const key of ['apiVersion', 'kind', 'metadata', ...Object.keys(json)]) {
    if (key in json) {
      result[key] = json[key];
    }
  }
  return result;
}

function defaultResolversOnly(obj: ApiObject): boolean {
  const resolvers = (App.of(obj) as Partial<App>).resolvers;
  return Array.isArray(resolvers)
    && resolvers.length === 3
    && resolvers[0] instanceof LazyResolver
    && resolvers[1] instanceof ImplicitTokenResolver
    && resolvers[2] instanceof NumberStringUnionResolver;
}

function withoutPatches(obj: ApiObject): boolean {
  // ApiObject keeps its JSON patches in a private array; if that ever changes, play safe.
  const patches = (obj as unknown as { patches?: unknown }).patches;
  return Array.isArray(patches) && patches.length === 0;
}

/**
 * cdk8s's `resolve` followed by `sanitizeValue` (sorted keys, null and undefined dropped),
 * for plain data: number-or-string unions (IntOrString, Quantity) become `{ value }` as
 * the NumberStringUnionResolver makes them; anything else that is not plain JSON throws
 * NOT_PLAIN.
 */
function plainJson(value: unknown, sortKeys: boolean): unknown {
  if (value === null || value === undefined) {
    return undefined;
  }
  const type = typeof value;
  if (type !== 'object') {
    if (type === 'function') {
      throw NOT_PLAIN;
    }
    return value;
  }
  if (Array.isArray(value)) {
    if ((value as unknown as { resolve?: unknown }).resolve !== undefined) {
      throw NOT_PLAIN;
    }
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      out[i] = plainJson(value[i], sortKeys);
    }
    return out;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.resolve === 'function' || value instanceof Lazy) {
    throw NOT_PLAIN;
  }
  if (record.constructor !== Object) {
    const inner = record.value;
    if (typeof inner === 'number' || typeof inner === 'string') {
      return { value: inner };
    }
    throw NOT_PLAIN;
  }
  const keys = Object.keys(record);
  if (sortKeys) {
    keys.sort();
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const cleaned = plainJson(record[key], sortKeys);
    if (cleaned !== undefined) {
      out[key] = cleaned;
    }
  }
  return out;
}

/**
 * The binding to emit `kind` with at the targeted platform: `binding` at the apiVersion
 * the release facts (src/model/releases.ts) give for that platform.
 */
export function bindingAt<C extends BindingClass>(platform: TargetPlatform, kind: EmittedKind, binding: C): C {
  return atApiVersion(binding, apiVersionFor(platform, kind));
}
