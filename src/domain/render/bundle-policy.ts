/**
 * A rendered bundle against an object policy: which objects it refuses and why, in the words
 * both the hub (at render) and the agent (before applying) report. Pure: the caller says how a
 * kind's scope is known (the hub from the bundle, the agent from its API server's discovery).
 */
import { checkBoth, type ObjectPolicy, type PolicyRule, type PolicySubject } from '../object-policy.js';
import { ScopeResolver } from './cluster-scoped-kinds.js';
import { apiGroupOf, formatObjectId } from './object-identity.js';
import { type KubeObject, type RenderedBundle } from './render.types.js';

/** One object a policy refuses. */
export interface PolicyRefusal {
  /** `group/Kind/namespace/name`, the resource id of results and the audit trail. */
  resource: string;
  rule: PolicyRule;
  message: string;
}

/** Decides whether a group/kind is cluster-scoped. */
export type IsClusterScoped = (group: string, kind: string) => boolean;

/** The policy subject of a rendered object. */
export function policySubjectOf(o: KubeObject, isClusterScoped: IsClusterScoped): PolicySubject {
  const group = apiGroupOf(o.apiVersion);
  return {
    group,
    kind: o.kind,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    clusterScoped: isClusterScoped(group, o.kind),
  };
}

/** True when `policy` lets every object through, so checking can be skipped. */
export function isOpenPolicy(policy: ObjectPolicy): boolean {
  return (
    policy.allowSecrets &&
    policy.deniedKinds.length === 0 &&
    policy.namespaces.includes('*') &&
    policy.allowedKinds.some((k) => k.group === '*' && k.kind === '*')
  );
}

/**
 * Every object of `objects` refused by `first` or (when given) `second`, in bundle order.
 * `isClusterScoped` defaults to the hub's view: built-in kinds plus the bundle's own CRDs.
 */
export function checkBundle(
  first: ObjectPolicy,
  second: ObjectPolicy | undefined,
  objects: readonly KubeObject[],
  isClusterScoped?: IsClusterScoped,
): PolicyRefusal[] {
  if (isOpenPolicy(first) && (!second || isOpenPolicy(second))) return [];
  let scoped = isClusterScoped;
  if (!scoped) {
    const resolver = new ScopeResolver(objects);
    scoped = (group, kind) => resolver.isClusterScoped(group, kind);
  }
  const refused: PolicyRefusal[] = [];
  for (const o of objects) {
    const s = policySubjectOf(o, scoped);
    const d = checkBoth(first, second, s);
    if (!d.allowed) refused.push({ resource: formatObjectId(s), rule: d.rule, message: d.message });
  }
  return refused;
}

/**
 * The hub's check of rendered bundles against one policy, memoised by digest: clusters that
 * render alike (most of a fleet) share one bundle and so one verdict.
 */
export function bundleChecker(policy: ObjectPolicy): (bundle: RenderedBundle) => PolicyRefusal[] {
  const verdicts = new Map<string, PolicyRefusal[]>();
  return (bundle) => {
    let refusals = verdicts.get(bundle.digest);
    if (!refusals) verdicts.set(bundle.digest, (refusals = checkBundle(policy, undefined, bundle.objects)));
    return refusals;
  };
}

/** Most refusals quoted in one message or audit event; the rest are counted. */
export const MAX_QUOTED_REFUSALS = 20;

/** One line naming the refused objects and their rules, bounded. */
export function describeRefusals(refusals: readonly PolicyRefusal[], max = MAX_QUOTED_REFUSALS): string {
  const quoted = refusals.slice(0, max).map((r) => r.message);
  const more = refusals.length > max ? `; and ${refusals.length - max} more` : '';
  return `policy refused ${refusals.length} object(s): ${quoted.join('; ')}${more}`;
}
