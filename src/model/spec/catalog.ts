/**
 * The whole catalog: cluster facts (namespaces, DNS, ingress controller, target releases),
 * readiness answers, the settings of every phase, the peers and the services.
 * Re-exported by ../types.ts.
 */

import { PeerSpec } from './calls';
import { CertificateDefaultsSpec } from './certificates';
import { BaselineSettingsSpec, CiliumSettingsSpec, IstioSettingsSpec, L7Fallback, L7Widening, LinkerdSettingsSpec } from './phase-settings';
import { ServiceSpec } from './services';

/** Where a cluster component runs: a namespace and pod labels. */
export interface WorkloadLocationSpec {
  /** Namespace. */
  readonly namespace: string;
  /** Pod labels. */
  readonly selector: Record<string, string>;
  /**
   * Service account of the pods: the mesh identity that mesh phases authorize.
   * @default - ingress controller: `ingress-nginx`; DNS: `coredns`
   */
  readonly serviceAccount?: string;
}

/** A namespace the catalog uses. */
export interface NamespaceSpec {
  /** Namespace name. */
  readonly name: string;
  /**
   * Extra labels for the namespace.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Whether the platform team owns this namespace: owned namespaces get a Namespace
   * object and namespace-wide default-deny; others only per-service policies.
   * @default true
   */
  readonly owned?: boolean;
}

/**
 * Answers to the readiness questions of `mesh-ladder assess`: what the organisation
 * has, not what the services declare (which the assessment derives itself).
 */
export interface ReadinessSpec {
  /**
   * Compliance requires encrypted, mutually authenticated service-to-service traffic.
   * @default false
   */
  readonly complianceMtls?: boolean;
  /**
   * Services span several clusters.
   * @default false
   */
  readonly multiCluster?: boolean;
  /**
   * Number of services with distributed tracing in place.
   * @default 0
   */
  readonly tracedServices?: number;
  /**
   * Engineers with Envoy/xDS or service-proxy operating experience.
   * @default 0
   */
  readonly proxyExperts?: number;
  /**
   * A platform team with dedicated capacity to run a mesh control plane.
   * @default false
   */
  readonly platformTeam?: boolean;
  /**
   * Runbooks exist for control-plane failure (certificates, injection, xDS outages).
   * @default false
   */
  readonly controlPlaneRunbooks?: boolean;
}

/**
 * The releases the output targets, as `major.minor` strings (`'2.16'`). Each backend emits
 * the apiVersions that release serves and degrades (and reports) or refuses what it lacks;
 * `mesh-ladder targets` lists both. A release below a project's supported floor is refused.
 */
export interface PlatformSpec {
  /**
   * Kubernetes release (supported from 1.22).
   * @default '1.28'
   */
  readonly kubernetes?: string;
  /**
   * Cilium release (supported from 1.14).
   * @default '1.16'
   */
  readonly cilium?: string;
  /**
   * Linkerd release (supported from 2.16).
   * @default '2.18'
   */
  readonly linkerd?: string;
  /**
   * Istio release (supported from 1.22).
   * @default '1.24'
   */
  readonly istio?: string;
  /**
   * cert-manager release (supported from 1.14).
   * @default '1.16'
   */
  readonly certManager?: string;
  /**
   * trust-manager release (supported from 0.12).
   * @default '0.14'
   */
  readonly trustManager?: string;
  /**
   * The Gateway API release installed separately from the mesh (standard channel from 1.1,
   * experimental before), for the linkerd phase's HTTPRoutes and GRPCRoutes (supported
   * from 0.7).
   * @default - the Gateway API the targeted Linkerd release installs (0.7 with 2.16 and 2.17, 1.1 with 2.18)
   */
  readonly gatewayApi?: string;
}

/**
 * The catalog-wide settings: cluster facts and every phase's settings, without the
 * services and peers. The YAML catalog and the `Mesh` construct's props both extend it,
 * so each setting is declared once.
 */
export interface CatalogSettingsSpec {
  /**
   * Default namespace of services.
   * @default 'default'
   */
  readonly namespace?: string;
  /**
   * Cluster DNS domain.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
  /**
   * Mesh trust domain (SPIFFE).
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * Where cluster DNS runs.
   * @default - namespace kube-system, pods `k8s-app: kube-dns`
   */
  readonly dns?: WorkloadLocationSpec;
  /**
   * Where the ingress controller runs (the peer of `exposed` services).
   * @default - namespace ingress-nginx, pods `app.kubernetes.io/name: ingress-nginx`
   */
  readonly ingressController?: WorkloadLocationSpec;
  /**
   * What phases without request routing (baseline, cilium; linkerd for header-scoped
   * faults) do with header routes and header-scoped faults.
   * @default L7Fallback.REFUSE
   */
  readonly l7Fallback?: L7Fallback;
  /**
   * What phases do with a route limit they can enforce only wider than declared; a
   * route's `allowWiderEnforcement` overrides it for that route.
   * @default L7Widening.REFUSE
   */
  readonly l7Widening?: L7Widening;
  /**
   * Certificate settings.
   * @default - generated CA chain, 2160h leaves renewed 720h before expiry
   */
  readonly certificates?: CertificateDefaultsSpec;
  /**
   * Namespace settings; namespaces used by services and not listed here are owned.
   * @default - none
   */
  readonly namespaces?: NamespaceSpec[];
  /**
   * Answers to the readiness questions (for `mesh-ladder assess`).
   * @default - every answer "no" / 0
   */
  readonly readiness?: ReadinessSpec;
  /**
   * Settings of the baseline phase.
   * @default - defaults of each field
   */
  readonly baseline?: BaselineSettingsSpec;
  /**
   * Settings of the cilium phase.
   * @default - defaults of each field
   */
  readonly cilium?: CiliumSettingsSpec;
  /**
   * Settings of the linkerd phase.
   * @default - defaults of each field
   */
  readonly linkerd?: LinkerdSettingsSpec;
  /**
   * Settings of the istio phase.
   * @default - defaults of each field
   */
  readonly istio?: IstioSettingsSpec;
  /**
   * The releases the output targets (apiVersions, fields and semantics per release).
   * @default - the current stable of each project (see `PlatformSpec`)
   */
  readonly platform?: PlatformSpec;
}

/** The whole description: cluster facts, settings, peers and the services. */
export interface CatalogSpec extends CatalogSettingsSpec {
  /**
   * Peers outside the catalog, by name, for `calls[].peer` and `callers[].peer`. Built in
   * (override by declaring the name): `monitoring` (namespace `monitoring`, pods
   * `app.kubernetes.io/name: prometheus`, service account `prometheus-k8s`, unmeshed),
   * `kube-apiserver`, `world` (0.0.0.0/0, ::/0) and `cluster` (any pod);
   * `ingress-controller` comes from `ingressController`.
   * @default - the built-in peers only
   */
  readonly peers?: PeerSpec[];
  /** The services. */
  readonly services: ServiceSpec[];
}
