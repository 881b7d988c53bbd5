/**
 * Cilium facts the cilium layer writes and the analysis reads: the labels Cilium gives a
 * pod's identity, the label sources a selector key may name, and the policy entities.
 * - entities: the `fromEntities`/`toEntities` enum of cilium/cilium
 *   pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml, the same at v1.14.18
 *   and v1.16.5 (from pkg/policy/api/entity.go, `Entity`);
 * - label keys: cilium/cilium pkg/k8s/apis/cilium.io/const.go (`PodNamespaceLabel`,
 *   `PodNamespaceMetaLabels`, `PolicyLabelServiceAccount`, `PolicyLabelCluster`), checked
 *   against one stored copy of that file (release not pinned);
 * - label sources and the API server's reserved label: cilium/cilium pkg/labels/labels.go
 *   (`LabelSource*`, `IDNameKubeAPIServer`).
 */

/** Label key Cilium derives from a pod's namespace. */
/** The API group of Cilium's policies (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy). */
export const CILIUM_GROUP = 'cilium.io';

export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
/**
 * Prefix of the labels Cilium copies from a pod's namespace
 * (`io.cilium.k8s.namespace.labels.<key>`).
 */
export const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';
/** Label key of a pod's service account. */
export const SERVICE_ACCOUNT_LABEL = 'io.cilium.k8s.policy.serviceaccount';
/** Label key of the cluster a pod runs in (`default` unless cluster mesh names it). */
export const CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';
/** Source of the labels Cilium takes from Kubernetes (`k8s:<key>` in a selector). */
export const K8S_LABEL_SOURCE = 'k8s';
/** Label sources a selector key may name as `<source>:<key>`; any other prefix is part of the key. */
export const LABEL_SOURCES: readonly string[] = ['k8s', 'any', 'reserved', 'container', 'unspec', 'cidr', 'fqdn', 'cilium-generated'];
/** The reserved label of the API server's identity (`reserved:kube-apiserver`). */
export const KUBE_APISERVER_LABEL = 'kube-apiserver';

/** Every entity a rule may name in `fromEntities`/`toEntities`. */
export const CILIUM_ENTITIES = ['all', 'world', 'cluster', 'host', 'init', 'ingress', 'unmanaged', 'remote-node', 'health', 'none', 'kube-apiserver'] as const;
/** A Cilium policy entity. */
export type CiliumEntity = typeof CILIUM_ENTITIES[number];
