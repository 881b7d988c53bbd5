/**
 * Catalog rules on what one phase makes of the catalog (all warnings):
 * - `peer-without-identity`: mesh phases: a meshed, labelled peer without serviceAccount
 *   can only be authorized by namespace;
 * - `version-calls-shared-identity`: mesh phases: a version with calls of its own shares
 *   its service account with other pods, which then get the mesh grant too;
 * - `mtls-not-strict`: mesh phases in permissive mode (a migration step, not an end state);
 * - `cilium-without-mutual-auth`: compliance mTLS asked for, cilium.mutualAuth off;
 * - `host-call-in-baseline`: a DNS-name call that NetworkPolicy can only allow by address.
 */
import { CatalogLintRule } from './rule';
import { isMeshPhase } from '../../model/phase';

export const peerWithoutIdentity: CatalogLintRule = {
  id: 'peer-without-identity',
  severity: 'warning',
  description: 'a meshed peer selected by pod labels has no serviceAccount: mesh phases can only authorize its namespace(s), not its pods',
  check(ctx) {
    if (!isMeshPhase(ctx.phase)) {
      return [];
    }
    return ctx.catalog.services.flatMap(s => s.callers.filter(c => {
      const p = c.peer;
      return c.source !== 'split' && p.kind === 'pods' && p.meshed && p.serviceAccount === undefined
        && Object.keys(p.selector).length > 0 && p.namespaceSelector === undefined;
    }).map(c => {
      const p = c.peer;
      const labels = Object.entries(p.selector).map(([k, v]) => `${k}=${v}`).join(',');
      const scope = p.namespace !== undefined ? `every workload in namespace ${p.namespace}` : 'every meshed workload of the cluster';
      return {
        rule: this.id,
        severity: this.severity,
        subject: `service ${s.id} caller ${p.name}`,
        service: s.id,
        message: `peer ${p.name} is the pods labelled ${labels}${p.namespace !== undefined ? ` in ${p.namespace}` : ''}, but mesh identity is per service account: the ${ctx.phase} phase authorizes ${scope}, `
          + 'and only the L4 layer below narrows it to the labels',
        fix: p.namespace !== undefined
          ? `give the peer's service account (peers: [{ name: ${p.name}, namespace: ${p.namespace}, serviceAccount: ... }])`
          : 'give the peer a namespace and its service account, or keep an L4 layer under the mesh',
      };
    }));
  },
};

export const versionCallsSharedIdentity: CatalogLintRule = {
  id: 'version-calls-shared-identity',
  severity: 'warning',
  description: 'a canary version calls services on its own but shares its service account with other versions: mesh authorization (per identity) grants those calls to them too',
  check(ctx) {
    if (!isMeshPhase(ctx.phase)) {
      return [];
    }
    return ctx.catalog.services.flatMap(s => s.versions.filter(v => v.calls.some(c => c.kind === 'service')).flatMap(v => {
      const sharing = s.versions.filter(o => o !== v && o.backend === undefined && o.serviceAccount === v.serviceAccount).map(o => o.name);
      if (sharing.length === 0) {
        return [];
      }
      const callees = [...new Set(v.calls.flatMap(c => (c.kind === 'service' ? [c.targetId] : [])))].sort();
      return [{
        rule: this.id,
        severity: this.severity,
        subject: `service ${s.id} version ${v.name}`,
        service: s.id,
        message: `version ${v.name} alone calls ${callees.join(', ')}, but runs as service account ${v.serviceAccount} like version(s) ${sharing.join(', ')}: `
          + `the ${ctx.phase} phase authorizes the identity, so their pods may make those calls too as far as the mesh is concerned (the L4 layer below still separates them by labels)`,
        fix: `give the version its own service account (versions: [{ name: ${v.name}, serviceAccount: ${s.name}-${v.name} }])`,
      }];
    }));
  },
};

export const meshMtlsNotStrict: CatalogLintRule = {
  id: 'mtls-not-strict',
  // A warning: permissive mode is a legitimate migration step (mesh-ladder plan uses it).
  severity: 'warning',
  description: 'a mesh phase in permissive mode: plaintext accepted and authorization only audited (a migration step, not an end state)',
  check(ctx) {
    if (!isMeshPhase(ctx.phase)) {
      return [];
    }
    const mode = ctx.phase === 'linkerd' ? ctx.catalog.linkerd.mode : ctx.catalog.istio.mode;
    if (mode !== 'permissive') {
      return [];
    }
    const namespaces = [...new Set(ctx.catalog.services.map(s => s.namespace))].sort();
    return namespaces.map(ns => ({
      rule: this.id,
      severity: this.severity,
      subject: `namespace ${ns}`,
      message: `${ctx.phase}.mode is permissive: pods in ${ns} accept plaintext and authorization is ${ctx.phase === 'istio' ? 'dry-run' : 'audited'}, not enforced`,
      fix: `set ${ctx.phase}.mode: enforced once the permissive step shows no denials (mesh-ladder plan does this in order)`,
    }));
  },
};

export const ciliumWithoutMutualAuth: CatalogLintRule = {
  id: 'cilium-without-mutual-auth',
  severity: 'warning',
  description: 'the catalog needs compliance mTLS but the cilium phase does not require mutual authentication',
  check(ctx) {
    if (ctx.phase !== 'cilium' || ctx.catalog.cilium.mutualAuth || !ctx.catalog.readiness.complianceMtls) {
      return [];
    }
    return [...new Set(ctx.catalog.services.map(s => s.namespace))].sort().map(ns => ({
      rule: this.id,
      severity: this.severity,
      subject: `namespace ${ns}`,
      message: 'readiness.complianceMtls is set but cilium.mutualAuth is off: workloads are not mutually authenticated',
      fix: 'set cilium.mutualAuth: true (needs SPIRE; encryption comes from WireGuard or IPsec), or move on to a mesh phase',
    }));
  },
};

export const hostCallInBaseline: CatalogLintRule = {
  id: 'host-call-in-baseline',
  severity: 'warning',
  description: 'a call to a DNS name in the baseline phase, which can only allow the addresses the catalog lists for it',
  check(ctx) {
    if (ctx.phase !== 'baseline') {
      return [];
    }
    return ctx.catalog.services.flatMap(s => s.calls.flatMap(c => (c.kind === 'host' ? [{
      rule: this.id,
      severity: this.severity,
      subject: `service ${s.id} call ${c.host}`,
      service: s.id,
      message: `calls ${c.host}: NetworkPolicy only allows its listed addresses (${c.cidrs.join(', ') || 'none'}); when the provider moves the name, the call silently fails`,
      fix: 'keep the cidrs in sync with the provider\'s published ranges, or use the cilium phase (toFQDNs matches the name)',
    }] : [])));
  },
};
