/**
 * The PrometheusRule of the certificates (not part of the jsii API): per certificate,
 * not ready, renewal failing, expiring soon; and the mesh identity CAs, whose proxies'
 * certificates live a day, with a tighter renewal alert.
 *
 * cert-manager labels its certificate metrics `name` and `namespace` (plus issuer_*:
 * cert-manager/cert-manager pkg/metrics/metrics.go, v1.21.1). Scraped through a
 * ServiceMonitor or PodMonitor, Prometheus renames the metric's `namespace` to
 * `exported_namespace` because the target carries its own `namespace` (cert-manager's);
 * the rules copy whichever holds the certificate's namespace into `certificate_namespace`.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { checkedName } from './pki';
import * as prom from '../../imports/monitoring.coreos.com';
import { MANAGED_BY_LABELS } from '../emit/common';
import { bindingAt } from '../emit/plain-api-object';
import { formatDuration } from '../model/duration';
import { DEFAULT_PLATFORM } from '../model/releases';

const NS = 'certificate_namespace';
const SUBJECT = `{{ $labels.${NS} }}/{{ $labels.name }}`;
/** cert-manager's first retry of a failed issuance (CertificateRequestMinimumBackoffDuration, v1.21.1). */
const FIRST_RETRY_S = 3600;
/** A mesh identity CA renewal more than this late is critical: proxies' certificates live 24h. */
const MESH_IDENTITY_LATE_S = 600;

export interface CertificateAlertProps {
  readonly name: string;
  readonly namespace: string;
  readonly groupName: string;
  readonly alertBeforeMs: number;
  /** Where docs/certificates.md is served (anchors are appended). */
  readonly runbookUrl: string;
  /** Mesh identity CA Certificates, `namespace/name`. */
  readonly meshIdentity: readonly string[];
}

/** The metric with the certificate's namespace in `certificate_namespace`, whichever label Prometheus kept it in. */
function withCertificateNamespace(metric: string): string {
  return `label_replace(label_replace(${metric}, "${NS}", "$1", "namespace", "(.*)"), "${NS}", "$1", "exported_namespace", "(.+)")`;
}

const expr = (text: string) => prom.PrometheusRuleSpecGroupsRulesExpr.fromString(text);

export function certificateAlertRule(scope: Construct, id: string, props: CertificateAlertProps): ApiObject {
  const seconds = Math.round(props.alertBeforeMs / 1000);
  const runbook = (anchor: string) => `${props.runbookUrl}#${anchor}`;
  const renewal = withCertificateNamespace('certmanager_certificate_renewal_timestamp_seconds');
  const expiry = withCertificateNamespace('certmanager_certificate_expiration_timestamp_seconds');
  const meshRules = props.meshIdentity.map(ref => {
    const [namespace, name] = ref.split('/');
    return {
      alert: 'MeshIdentityIssuerRenewalFailing',
      expr: expr(`time() - ${withCertificateNamespace(`certmanager_certificate_renewal_timestamp_seconds{name="${name}"}`)} > ${MESH_IDENTITY_LATE_S}`),
      for: '5m',
      labels: { severity: 'critical', mesh_identity: 'true' },
      annotations: {
        summary: `Mesh identity CA ${namespace}/${name} is not being renewed`,
        description: `The mesh identity CA ${SUBJECT} was due for renewal {{ $value | humanizeDuration }} ago. Workload certificates it signs live a day: when it expires, new proxies get no identity and mTLS between them fails.`,
        runbook_url: runbook('mesh-identity-ca-not-renewed'),
      },
    };
  });
  // monitoring.coreos.com/v1 on every prometheus-operator release (src/model/releases.ts).
  const PrometheusRule = bindingAt(DEFAULT_PLATFORM, 'PrometheusRule.monitoring.coreos.com', prom.PrometheusRule);
  return new PrometheusRule(scope, id, {
    metadata: { name: checkedName(props.name), namespace: props.namespace, labels: { ...MANAGED_BY_LABELS } },
    spec: {
      groups: [{
        name: props.groupName,
        rules: [
          {
            alert: 'CertificateNotReady',
            expr: expr(`${withCertificateNamespace('certmanager_certificate_ready_status{condition="False"}')} == 1`),
            for: '10m',
            labels: { severity: 'critical' },
            annotations: {
              summary: `Certificate ${SUBJECT} is not ready`,
              description: `Certificate ${SUBJECT} has not been Ready for 10 minutes; check its CertificateRequests and its issuer (kubectl -n {{ $labels.${NS} }} describe certificate {{ $labels.name }}).`,
              runbook_url: runbook('certificate-not-ready'),
            },
          },
          {
            // Due for renewal and still not renewed after cert-manager's first retry.
            alert: 'CertificateRenewalFailing',
            expr: expr(`time() - ${renewal} > ${FIRST_RETRY_S}`),
            for: '15m',
            labels: { severity: 'warning' },
            annotations: {
              summary: `Certificate ${SUBJECT} is not being renewed`,
              description: `Certificate ${SUBJECT} was due for renewal {{ $value | humanizeDuration }} ago; cert-manager retries with backoff (1h doubling up to 32h).`,
              runbook_url: runbook('certificate-renewal-failing'),
            },
          },
          {
            // Within the alert window AND past its renewal time: a certificate whose normal
            // renewal window is shorter than the alert window (a mesh identity CA) does not
            // fire while cert-manager has not yet tried.
            alert: 'CertificateExpiringSoon',
            expr: expr(`(${expiry} - time() < ${seconds}) and on(name, ${NS}) (time() > ${renewal})`),
            for: '5m',
            labels: { severity: 'critical' },
            annotations: {
              summary: `Certificate ${SUBJECT} expires soon`,
              description: `Certificate ${SUBJECT} expires in {{ $value | humanizeDuration }} (alert window ${formatDuration(props.alertBeforeMs)}) and cert-manager has not renewed it.`,
              runbook_url: runbook('certificate-expiring-soon'),
            },
          },
          ...meshRules,
        ],
      }],
    },
  });
}
