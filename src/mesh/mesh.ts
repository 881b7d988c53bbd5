import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IPeer } from './peer';
import { appliedByPatch, applyPodTemplatePatch, podTemplatePatch } from './pod-template';
import { MeshService, MeshServiceProps, ServiceSource } from './service';
import { MeshWorkloadOptions, WorkloadSource } from './workload';
import { MESH_BACKENDS } from '../backends';
import { CatalogValidationError, ServiceCatalog } from '../model/catalog';
import { formatProblem } from '../model/catalog-loader';
import { Phase } from '../model/phase';
import { CatalogSettingsSpec, CatalogSpec, PeerSpec, ServiceSpec } from '../model/types';
import { Reachability, ReachabilityResult } from '../reachability';

/** Label every object of a phase carries (as in `MeshLadderChart`). */
const PHASE_LABEL = 'mesh-ladder.dev/phase';

/**
 * Properties of `Mesh`: the phase, and the catalog-wide settings (the same types as the
 * YAML catalog's keys of the same name).
 */
export interface MeshProps extends CatalogSettingsSpec {
  /** The rung of the ladder the mesh emits. */
  readonly phase: Phase;
}

interface Rendered {
  readonly key: string;
  readonly catalog: ServiceCatalog;
  readonly backend: Construct;
  readonly warnings: string[];
  readonly notes: string[];
}

/**
 * The mesh of the workloads in a chart: add the chart's cdk8s-plus workloads (or plain
 * service descriptions), say who calls whom with handles, and the mesh emits one phase's
 * objects into the same chart, patching the workloads' pod templates for the phase.
 *
 * The mesh compiles to a `CatalogSpec` and goes through `ServiceCatalog.fromSpec` and the
 * phase's backend, like the YAML catalog. It does so at synthesis (a cdk8s validation runs
 * before the chart's objects are collected), so services, calls and peers added after
 * construction count; an invalid description fails `cdk8s synth` with the catalog's
 * field-path messages.
 */
export class Mesh extends Construct {
  /** Construct metadata type under which the mesh records each warning. */
  public static readonly WARNING_METADATA = 'mesh-ladder:warning';

  /** The phase the mesh emits. */
  public readonly phase: Phase;
  private readonly props: MeshProps;
  private readonly serviceList: MeshService[] = [];
  private readonly peerList: IPeer[] = [];
  private rendered?: Rendered;
  private readonly reportedWarnings = new Set<string>();

  public constructor(scope: Construct, id: string, props: MeshProps) {
    super(scope, id);
    const chart = Chart.of(this);
    const other = chart.node.findAll().find(c => c !== this && c instanceof Mesh && Chart.of(c) === chart);
    if (other) {
      // Both would emit the phase's shared objects (Namespaces, the CA chain) into one chart.
      throw new Error(`${this.node.path}: chart ${chart.node.path} already has a Mesh (${other.node.path}); use one Mesh per chart`);
    }
    this.phase = props.phase;
    this.props = props;
    this.node.addValidation({ validate: () => this.renderForSynthesis() });
  }

  /**
   * Adds a cdk8s-plus workload (Deployment, StatefulSet, DaemonSet, Job) as a service:
   * name, namespace, selector, service account, ports and probes are read from it (and
   * from its Service) at synthesis, and its pod template gets what the phase needs.
   */
  public addWorkload(workload: kplus.Workload, options: MeshWorkloadOptions = {}): MeshService {
    return this.register(MeshService._of(new WorkloadSource(workload, options, this.defaultNamespace), options));
  }

  /** Adds a service described without cdk8s-plus objects (its pods are deployed elsewhere). */
  public addService(props: MeshServiceProps): MeshService {
    const { name, namespace, selector, serviceAccount, ports, clientOnly, probes } = props;
    const source: ServiceSource = {
      name,
      namespace: namespace ?? this.defaultNamespace,
      workloads: [],
      base: () => withoutUndefined<ServiceSpec>({
        name, namespace: namespace ?? this.defaultNamespace, selector, serviceAccount, ports, clientOnly, probes,
      }),
    };
    return this.register(MeshService._of(source, props));
  }

  /**
   * Declares a peer that no call or caller names, e.g. a `monitoring` peer replacing the
   * built-in Prometheus (which calls every metrics port). Peers that services name are
   * declared without this.
   */
  public addPeer(peer: IPeer): void {
    this.peerList.push(peer);
  }

  /** The services, in the order they were added. */
  public get services(): MeshService[] {
    return [...this.serviceList];
  }

  /**
   * What the mesh compiles to: the catalog entry of everything added so far (the same data
   * a YAML catalog holds).
   */
  public toCatalogSpec(): CatalogSpec {
    const { phase: _phase, ...settings } = this.props;
    return withoutUndefined({
      ...settings,
      namespace: this.defaultNamespace,
      peers: nonEmpty(this.declaredPeers()),
      services: this.serviceList.map(s => s._toSpec()),
    }) as CatalogSpec;
  }

  /** The validated catalog (throws `CatalogValidationError`, listing every problem by field path). */
  public get catalog(): ServiceCatalog {
    return this.render().catalog;
  }

  /** What the phase could express only partly, and the catalog's warnings (also construct metadata). */
  public get warnings(): string[] {
    return [...this.render().warnings];
  }

  /** What the description chose to leave out of this phase (e.g. header routes with `l7Fallback: skip`). */
  public get notes(): string[] {
    return [...this.render().notes];
  }

  /**
   * Proves the chart this mesh is in: evaluates every object the chart synthesizes (its
   * workloads included) with the phase's semantics against the flows the mesh declares.
   */
  public check(): ReachabilityResult {
    const objects = Chart.of(this).toJson();
    return Reachability.check(this.render().catalog, this.phase, objects);
  }

  private get defaultNamespace(): string {
    return this.props.namespace ?? Chart.of(this).namespace ?? 'default';
  }

  private register(service: MeshService): MeshService {
    const clash = this.serviceList.find(s => s.serviceId === service.serviceId);
    if (clash) {
      throw new Error(`${this.node.path}: service ${service.serviceId} was already added`);
    }
    this.serviceList.push(service);
    return service;
  }

  /** Peers to declare: every peer added or named that is not a built-in, first mention first. */
  private declaredPeers(): PeerSpec[] {
    const byName = new Map<string, PeerSpec>();
    for (const peer of [...this.peerList, ...this.serviceList.flatMap(s => s._peers())]) {
      if (!peer.spec) {
        continue;
      }
      if (peer.spec.name !== peer.peerName) {
        throw new Error(`${this.node.path}: peer "${peer.peerName}" declares the name "${peer.spec.name}"; they must be the same`);
      }
      const known = byName.get(peer.peerName);
      if (known && JSON.stringify(known) !== JSON.stringify(peer.spec)) {
        throw new Error(`${this.node.path}: two different peers are named "${peer.peerName}" (${JSON.stringify(known)} and ${JSON.stringify(peer.spec)}); give one of them another name`);
      }
      byName.set(peer.peerName, peer.spec);
    }
    return [...byName.values()];
  }

  /** The cdk8s validation: renders (or re-renders) the phase; problems fail `cdk8s synth`. */
  private renderForSynthesis(): string[] {
    try {
      this.render();
      return [];
    } catch (e) {
      if (e instanceof CatalogValidationError) {
        return e.problems.map(p => formatProblem(p));
      }
      return [e instanceof Error ? e.message : String(e)];
    }
  }

  /**
   * Builds the phase's backend from the current description, replacing an earlier render
   * when the description changed since.
   */
  private render(): Rendered {
    const spec = this.toCatalogSpec();
    const key = JSON.stringify(spec);
    if (this.rendered?.key === key) {
      return this.rendered;
    }
    const catalog = ServiceCatalog.fromSpec(spec);
    if (this.rendered) {
      this.node.tryRemoveChild(this.phase);
    }
    const built = withoutChartNamespace(Chart.of(this), () => MESH_BACKENDS[this.phase].synthesis.build(this, this.phase, catalog, {}));
    const backend = built.construct;
    for (const child of backend.node.findAll()) {
      if (child instanceof ApiObject) {
        child.metadata.addLabel(PHASE_LABEL, this.phase);
      }
    }
    const patched: string[] = [];
    for (const service of this.serviceList) {
      const patch = podTemplatePatch(backend, catalog._resolved.service(service.serviceId));
      for (const workload of service.workloads) {
        applyPodTemplatePatch(workload, patch);
      }
      if (service.workloads.length > 0) {
        patched.push(service.serviceId);
      }
    }
    const backendWarnings = built.warnings
      // What the user was asked to copy onto pod templates the mesh has patched itself.
      .filter(w => !patched.some(id => appliedByPatch(w, id)));
    const warnings = [...catalog.warnings, ...backendWarnings];
    for (const warning of warnings.filter(w => !this.reportedWarnings.has(w))) {
      this.reportedWarnings.add(warning);
      this.node.addMetadata(Mesh.WARNING_METADATA, warning);
    }
    this.rendered = {
      key,
      catalog,
      backend,
      warnings,
      notes: [...built.notes],
    };
    return this.rendered;
  }
}

/**
 * Runs `build` with the chart's namespace unset: cdk8s gives every ApiObject without a
 * namespace the chart's, but the backends name the namespace of every namespaced object
 * themselves, and cluster-scoped objects (ClusterIssuer, Namespace) must have none.
 */
function withoutChartNamespace<T>(chart: Chart, build: () => T): T {
  const writable = chart as { namespace?: string };
  const namespace = writable.namespace;
  writable.namespace = undefined;
  try {
    return build();
  } finally {
    writable.namespace = namespace;
  }
}

function nonEmpty<T>(values: T[]): T[] | undefined {
  return values.length > 0 ? values : undefined;
}

function withoutUndefined<T>(value: T): T {
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)) as T;
}
