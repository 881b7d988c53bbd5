/**
 * What a phase needs on the pod templates of the workloads it governs, applied by the
 * `Mesh` to the cdk8s-plus workloads it was given (the user never copies an annotation).
 */
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ResolvedService } from '../model/resolved';
import { PortProtocol } from '../model/types';
import { IstioPhase } from '../phases/istio';
import { LinkerdPhase } from '../phases/linkerd';

/**
 * Linkerd: ports on which the proxy skips protocol detection (linkerd2 edge-20.12.4 added
 * the pod annotation; edge-21.11.4 made Server `proxyProtocol: opaque` supersede it). The
 * phase's Servers mark TCP and TLS ports opaque; the pod says the same, so a proxy that
 * reads only the annotation agrees.
 */
export const LINKERD_OPAQUE_PORTS_ANNOTATION = 'config.linkerd.io/opaque-ports';
/**
 * Istio: per-pod injection switch. The injector injects a pod when either this label or the
 * namespace's `istio-injection` label is enabled and neither is disabled (istio.io docs
 * setup/additional-setup/sidecar-injection, "Controlling the injection policy"), so pods in
 * namespaces the catalog does not own (no labelled Namespace object) get sidecars too.
 */
export const ISTIO_INJECT_LABEL = 'sidecar.istio.io/inject';
/**
 * Istio: rewrite kubelet HTTP and gRPC probes to go through the sidecar's agent, so they
 * keep working under STRICT mTLS (istio.io docs ops/configuration/mesh/app-health-check).
 * On by default since Istio 1.10; set explicitly so a mesh-wide override cannot break
 * the probes of these pods.
 */
export const ISTIO_REWRITE_PROBES_ANNOTATION = 'sidecar.istio.io/rewriteAppHTTPProbers';

/** The pod template labels and annotations a phase's backend needs for a service's pods. */
export interface PodTemplatePatch {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** What `backend` needs on the pods of `service`; empty for phases without a mesh. */
export function podTemplatePatch(backend: Construct, service: ResolvedService): PodTemplatePatch {
  if (backend instanceof LinkerdPhase) {
    const annotations = { ...backend.podTemplateAnnotations(service.id) };
    const opaque = [...new Set(service.ports
      .filter(p => p.protocol === PortProtocol.TCP || p.protocol === PortProtocol.TLS)
      .map(p => p.targetPort))].sort((a, b) => a - b);
    if (opaque.length > 0) {
      annotations[LINKERD_OPAQUE_PORTS_ANNOTATION] = opaque.join(',');
    }
    return { labels: {}, annotations };
  }
  if (backend instanceof IstioPhase) {
    return { labels: { [ISTIO_INJECT_LABEL]: 'true' }, annotations: { [ISTIO_REWRITE_PROBES_ANNOTATION]: 'true' } };
  }
  return { labels: {}, annotations: {} };
}

/** Applies a patch to a workload's pod template (idempotent). */
export function applyPodTemplatePatch(workload: kplus.Workload, patch: PodTemplatePatch): void {
  for (const [key, value] of Object.entries(patch.labels)) {
    workload.podMetadata.addLabel(key, value);
  }
  for (const [key, value] of Object.entries(patch.annotations)) {
    workload.podMetadata.addAnnotation(key, value);
  }
}

/**
 * Whether a backend warning asks the user to put on a service's pod templates what the
 * mesh has just put there (LinkerdPhase: "namespace ... is not owned, so nothing injects
 * its pods; add to the pod template these annotations: ...").
 */
export function appliedByPatch(warning: string, serviceId: string): boolean {
  return warning.startsWith(`${serviceId}: namespace `) && warning.includes(' is not owned, so nothing injects its pods; add to the pod template ');
}
