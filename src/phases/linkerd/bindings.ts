/**
 * The bindings the linkerd phase emits with, each at the apiVersion the targeted Linkerd
 * release (and the Gateway API it installs) serves: src/model/releases.ts says which.
 */
import * as gw from '../../../imports/gateway.networking.k8s.io';
import * as l5d from '../../../imports/policy.linkerd.io';
import { PhaseCapabilityError } from '../../emit/common';
import { bindingAt } from '../../emit/plain-api-object';
import { gatewayApiInstall, linkerdGrpcRouteWatched, servedVersions, TargetPlatform } from '../../model/releases';

/** The linkerd phase's binding classes at the targeted platform. */
export interface LinkerdBindings {
  readonly Server: typeof l5d.ServerV1Beta3;
  readonly AuthorizationPolicy: typeof l5d.AuthorizationPolicy;
  readonly MeshTlsAuthentication: typeof l5d.MeshTlsAuthentication;
  readonly NetworkAuthentication: typeof l5d.NetworkAuthentication;
  /** policy.linkerd.io HTTPRoute (inbound, route-level authorization). */
  readonly PolicyHttpRoute: typeof l5d.HttpRouteV1Beta3;
  /** gateway.networking.k8s.io HTTPRoute (outbound: canaries, retries, timeouts). */
  readonly HttpRoute: typeof gw.HttpRoute;
  readonly GrpcRoute: typeof gw.GrpcRoute;
}

/** Each binding is looked up when first used: a kind the platform does not serve fails only if emitted. */
export function linkerdBindings(platform: TargetPlatform): LinkerdBindings {
  return {
    get Server() { return bindingAt(platform, 'Server.policy.linkerd.io', l5d.ServerV1Beta3); },
    get AuthorizationPolicy() { return bindingAt(platform, 'AuthorizationPolicy.policy.linkerd.io', l5d.AuthorizationPolicy); },
    get MeshTlsAuthentication() { return bindingAt(platform, 'MeshTLSAuthentication.policy.linkerd.io', l5d.MeshTlsAuthentication); },
    get NetworkAuthentication() { return bindingAt(platform, 'NetworkAuthentication.policy.linkerd.io', l5d.NetworkAuthentication); },
    get PolicyHttpRoute() { return bindingAt(platform, 'HTTPRoute.policy.linkerd.io', l5d.HttpRouteV1Beta3); },
    get HttpRoute() { return bindingAt(platform, 'HTTPRoute.gateway.networking.k8s.io', gw.HttpRoute); },
    get GrpcRoute() {
      const watched = linkerdGrpcRouteWatched(platform);
      if (watched !== undefined && !servedVersions(platform, 'GRPCRoute.gateway.networking.k8s.io').includes(watched)) {
        const install = gatewayApiInstall(platform);
        throw new PhaseCapabilityError(`Linkerd ${platform.linkerd}'s policy controller reads GRPCRoute ${watched}, which Gateway API ${install.release} (${install.channel} channel, platform.gatewayApi) `
          + 'does not serve: its gRPC routes would not apply. Target Linkerd 2.18, or a Gateway API that serves GRPCRoute v1alpha2 (the experimental channel up to 1.1, or Linkerd\'s own bundle: unset platform.gatewayApi).');
      }
      return bindingAt(platform, 'GRPCRoute.gateway.networking.k8s.io', gw.GrpcRoute);
    },
  };
}
