/**
 * The registry of lint rules: every manifest rule and every catalog rule, in report order.
 * A new rule goes in its topic module and is listed here.
 */
import { caOutlivesLeaves, CERTIFICATE_LINT_RULES, certificateRenewalWindow } from './certificate-rules';
import { exposedAllPorts, exposedWithoutRoutes, metricsPortExposed, unusedPeer, worldCaller } from './exposure-rules';
import { ciliumWithoutMutualAuth, hostCallInBaseline, meshMtlsNotStrict, peerWithoutIdentity, versionCallsSharedIdentity } from './phase-rules';
import { faultWithRetriesOrTimeout, implicitDefaultRetries, maxRetriesCapsRouteRetries, retryBudgetExceedsTimeout, retryNonIdempotent } from './retry-rules';
import {
  faultWithRetriesOrTimeoutRoute, retriesOnNonIdempotentRoute, retriesWithoutPerTryTimeout, retryBudgetOverTimeout, routeWithoutTimeout,
} from './route-rules';
import { CatalogLintRule, LintRule } from './rule';

/** Every rule, in report order. Later issues add theirs here. */
export const LINT_RULES: ReadonlyArray<LintRule> = [
  implicitDefaultRetries,
  retryNonIdempotent,
  faultWithRetriesOrTimeout,
  retryBudgetExceedsTimeout,
  maxRetriesCapsRouteRetries,
];

/** The catalog rules, in report order. */
export const CATALOG_LINT_RULES: ReadonlyArray<CatalogLintRule> = [
  retriesOnNonIdempotentRoute,
  retriesWithoutPerTryTimeout,
  retryBudgetOverTimeout,
  routeWithoutTimeout,
  faultWithRetriesOrTimeoutRoute,
  certificateRenewalWindow,
  caOutlivesLeaves,
  exposedWithoutRoutes,
  exposedAllPorts,
  worldCaller,
  metricsPortExposed,
  unusedPeer,
  peerWithoutIdentity,
  versionCallsSharedIdentity,
  meshMtlsNotStrict,
  ciliumWithoutMutualAuth,
  hostCallInBaseline,
  ...CERTIFICATE_LINT_RULES,
];
