/**
 * The time proof of a catalog's certificates in one phase (internal; the jsii API is
 * ./certificate-time-proof): synthesizes the phase (and, for the root rotation, the same
 * catalog at each rotation stage), then runs the certificate timeline over the horizon.
 */
import { CertificateEpoch, CertificateProof, CertificateTimeline, MeshWorkloadCertificates, TrustConsumer } from './analysis/certs';
import type { CertificateProofOptions } from './certificate-time-proof';
import { MeshLadderChart } from './chart';
import { ISTIO_CSR_ROOTS, LINKERD_ISSUER_NAME, LINKERD_TRUST_ROOTS } from './layers/pki';
import { ServiceCatalog } from './model/catalog';
import { Phase } from './model/phase';
import { ResolvedCatalog } from './model/resolved';
import { CatalogSpec, RootRotationStage } from './model/types';

const HOUR = 3_600_000;
const YEAR = 365 * 24 * HOUR;

/** What the proof simulated, besides the result. */
export interface CertificateProofRun extends CertificateProof {
  /** The epochs (manifest sets) in force, by start time. */
  readonly stages: Array<{ atMs: number; label: string }>;
}

/**
 * Simulates cert-manager and trust-manager over time on what the phase emits for the
 * catalog, with a root rotation, and checks every leaf verifies for every consumer.
 */
export function proveCertificates(catalog: ServiceCatalog, phase: Phase, options: CertificateProofOptions = {}): CertificateProofRun {
  const model = catalog._resolved;
  const certs = model.certificates;
  const horizonMs = options.horizonMs ?? 2 * certs.rootDurationMs;
  const epochs = rotationEpochs(catalog, options).map(({ atMs, label, spec }) => ({
    atMs,
    label,
    manifests: MeshLadderChart.manifests(spec === catalog.spec ? catalog : ServiceCatalog.fromSpec(spec), phase),
  }));
  const timeline = new CertificateTimeline(epochs as CertificateEpoch[], {
    horizonMs,
    clockSkewMs: options.clockSkewMs,
    issuanceLatencyMs: options.issuanceLatencyMs,
    propagationMs: options.propagationMs,
    clusterResourceNamespace: certs.caNamespace,
    trustNamespace: certs.caNamespace,
    consumers: appConsumers(model),
    meshWorkloads: meshWorkloads(model, epochs[0].manifests),
  });
  return { ...timeline.run(), stages: epochs.map(e => ({ atMs: e.atMs, label: e.label })) };
}

/** The catalog at each stage of a root rotation, from where it stands now. */
function rotationEpochs(catalog: ServiceCatalog, options: CertificateProofOptions): Array<{ atMs: number; label: string; spec: CatalogSpec }> {
  const certs = catalog._resolved.certificates;
  const now = { atMs: 0, label: 'the catalog as given', spec: catalog.spec };
  if (!certs.enabled || certs.issuerRef || options.rotateRoot === false) {
    return [now];
  }
  const rotation = certs.rootRotation;
  const nextRoot = rotation?.nextRoot ?? nextRootName(certs.rootName);
  const overlapMs = rotation?.overlapMs ?? certs.durationMs;
  const distributionMs = options.rootDistributionMs ?? 24 * HOUR;
  const withCertificates = (c: Record<string, unknown>): CatalogSpec => {
    const { rootRotation: _dropped, ...rest } = catalog.spec.certificates ?? {};
    return { ...catalog.spec, certificates: { ...rest, ...c } };
  };
  const issue = withCertificates({ rootRotation: { nextRoot, stage: RootRotationStage.ISSUE } });
  const retired = withCertificates({ rootName: nextRoot });
  if (rotation?.stage === RootRotationStage.ISSUE) {
    return [now, { atMs: overlapMs, label: `root rotation: retire ${certs.rootName} (rootName: ${nextRoot})`, spec: retired }];
  }
  const start = rotation ? 0 : options.rootRotationAtMs ?? certs.rootDurationMs / 2;
  const stages = [
    ...(rotation ? [now] : [now, { atMs: start, label: `root rotation: distribute ${nextRoot}`, spec: withCertificates({ rootRotation: { nextRoot, stage: RootRotationStage.DISTRIBUTE } }) }]),
    { atMs: start + distributionMs, label: `root rotation: ${nextRoot} signs the intermediates`, spec: issue },
    { atMs: start + distributionMs + overlapMs, label: `root rotation: retire ${certs.rootName} (rootName: ${nextRoot})`, spec: retired },
  ];
  return stages;
}

function nextRootName(rootName: string): string {
  return `${rootName.slice(0, 58).replace(/-+$/, '')}-next`;
}

/**
 * Who verifies a service's certificate: the service's own namespace, the namespaces of
 * the services it calls (as a client certificate) and of those calling it (as a server
 * certificate), reading the app trust bundle there.
 */
function appConsumers(model: ResolvedCatalog): Record<string, TrustConsumer[]> {
  const certs = model.certificates;
  if (!certs.trustBundle || certs.issuerRef) {
    return {};
  }
  const bundle = `${certs.caName}-ca-bundle`;
  const withCertificate = new Map(model.services.filter(s => s.certificate).map(s => [s.id, s]));
  const peers = new Map<string, Set<string>>([...withCertificate.keys()].map(id => [id, new Set([withCertificate.get(id)!.namespace])]));
  for (const service of withCertificate.values()) {
    for (const call of service.calls) {
      const target = call.kind === 'service' ? withCertificate.get(call.targetId) : undefined;
      if (target) {
        peers.get(service.id)!.add(target.namespace);
        peers.get(target.id)!.add(service.namespace);
      }
    }
  }
  return Object.fromEntries([...peers].map(([id, namespaces]) => [id, [...namespaces].sort().map(namespace => ({ namespace, bundle }))]));
}

/**
 * Certificates the meshes issue to their workloads from the identity CA emitted here:
 * - Linkerd: 24h proxy certificates (`identity.issuer.issuanceLifetime`, linkerd/linkerd2
 *   charts/linkerd-control-plane/values.yaml), refreshed at 70% of their lifetime
 *   (linkerd/linkerd2-proxy linkerd/proxy/identity-client/src/certify.rs); proxies trust
 *   the anchors of `linkerd-identity-trust-roots` in the control-plane namespace.
 * - Istio with istio-csr: certificates of at most 1h (`app.server.maxCertificateDuration`,
 *   cert-manager/istio-csr deploy/charts/istio-csr values), renewed by istio-agent at half
 *   their lifetime (istio/istio `SECRET_GRACE_PERIOD_RATIO` 0.5), signed by the
 *   intermediate's ClusterIssuer; trust comes from the `istio-root-ca` Bundle.
 */
function meshWorkloads(model: ResolvedCatalog, manifests: ReadonlyArray<any>): MeshWorkloadCertificates[] {
  const has = (kind: string, name: string, namespace?: string) =>
    manifests.some(m => m?.kind === kind && m.metadata?.name === name && m.metadata?.namespace === namespace);
  const out: MeshWorkloadCertificates[] = [];
  const linkerdNs = model.linkerd.controlPlaneNamespace;
  if (has('Certificate', LINKERD_ISSUER_NAME, linkerdNs)) {
    out.push({
      name: 'Linkerd proxy certificates',
      signer: `${linkerdNs}/${LINKERD_ISSUER_NAME}`,
      lifetimeMs: 24 * HOUR,
      renewAtFraction: 0.7,
      consumers: [{ namespace: linkerdNs, bundle: LINKERD_TRUST_ROOTS }],
    });
  }
  if (has('Bundle', ISTIO_CSR_ROOTS)) {
    out.push({
      name: 'Istio workload certificates (istio-csr)',
      signer: `ClusterIssuer/${model.certificates.caName}-ca`,
      lifetimeMs: HOUR,
      renewAtFraction: 0.5,
      consumers: [{ namespace: model.certificates.caNamespace, bundle: ISTIO_CSR_ROOTS }],
    });
  }
  return out;
}

/** Years as milliseconds (365-day years), for `--years`. */
export function years(n: number): number {
  return n * YEAR;
}
