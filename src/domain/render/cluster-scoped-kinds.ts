import { apiGroupOf, isMapping } from './object-identity.js';
import { type KubeObject } from './render.types.js';

/**
 * Built-in kinds that live outside any namespace, as `group/Kind` (core group `''`). Keyed by group
 * as well as kind so that a custom resource that happens to be called `Namespace` or `Node` in its
 * own group is not mistaken for the built-in one.
 */
const BUILT_IN_CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'storage.k8s.io/VolumeAttributesClass',
  'scheduling.k8s.io/PriorityClass',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress',
  'networking.k8s.io/ServiceCIDR',
  'node.k8s.io/RuntimeClass',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'certificates.k8s.io/CertificateSigningRequest',
  'certificates.k8s.io/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'resource.k8s.io/DeviceClass',
  'resource.k8s.io/ResourceSlice',
]);

/**
 * Decides whether a group/kind is cluster-scoped: built-in kinds from a fixed list, custom kinds
 * only when a CustomResourceDefinition in the same bundle declares `spec.scope: Cluster` for that
 * group and kind. Everything else is namespaced — the common case, and the safe default since a
 * namespace on a cluster-scoped object is an apply error the agent reports rather than a silent
 * misplacement.
 */
export class ScopeResolver {
  private readonly customClusterScoped: ReadonlySet<string>;

  /** Reads the CRDs among `objects` (already substituted, so a templated `spec.group` counts). */
  constructor(objects: Iterable<KubeObject>) {
    const custom = new Set<string>();
    for (const o of objects) {
      if (o.kind !== 'CustomResourceDefinition' || apiGroupOf(o.apiVersion) !== 'apiextensions.k8s.io')
        continue;
      const spec = o.spec;
      if (!isMapping(spec) || spec.scope !== 'Cluster' || !isMapping(spec.names)) continue;
      if (typeof spec.group === 'string' && typeof spec.names.kind === 'string') {
        custom.add(`${spec.group}/${spec.names.kind}`);
      }
    }
    this.customClusterScoped = custom;
  }

  /** True when objects of this group/kind have no namespace. */
  isClusterScoped(group: string, kind: string): boolean {
    const key = `${group}/${kind}`;
    return BUILT_IN_CLUSTER_SCOPED.has(key) || this.customClusterScoped.has(key);
  }
}
