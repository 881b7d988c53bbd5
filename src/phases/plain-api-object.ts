/**
 * A faster `toJson` for ApiObjects built from plain data (internal, not re-exported).
 *
 * cdk8s renders an object by passing every value through its resolver chain (an App
 * lookup up the construct tree and a new key path per value), then copying it again to
 * sort keys and drop empty values. For objects whose props are plain JSON that is most of
 * the synthesis time. `plainDataApiObject` subclasses a generated binding so that its
 * `toJson` does the same in one pass and returns the same JSON, key order included;
 * whenever cdk8s's machinery could change the result (a Lazy or token anywhere, a JSON
 * patch, custom App resolvers, a non-plain value), it defers to the binding's own `toJson`.
 */
import { ApiObject, App, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { Construct } from 'constructs';

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
