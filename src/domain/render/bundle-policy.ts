/**
 * A rendered bundle against an object policy: which objects it refuses and why, in the words
 * both the hub (at render) and the agent (before applying) report. Pure: the caller says how a
 * kind's scope is known (the hub from the bundle, the agent from its API server's discovery).
 */
import {
  checkBoth,
  clusterGuardrailPolicy,
  type ClusterGuardrail,
  type ObjectPolicy,
  type PolicyRule,
  type PolicySubject,
} from '../object-policy.js';
import { isSopsDocument } from '../secrets/sops-document.js';
import { ScopeResolver } from './cluster-scoped-kinds.js';
import { apiGroupOf, formatObjectId, objectId } from './object-identity.js';
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
    ...(isSopsDocument(o) ? { encrypted: true } : {}),
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
 * With `files` (each object's file, in order) a refusal's message starts with its file.
 */
export function checkBundle(
  first: ObjectPolicy,
  second: ObjectPolicy | undefined,
  objects: readonly KubeObject[],
  isClusterScoped?: IsClusterScoped,
  files?: readonly string[],
): PolicyRefusal[] {
  if (isOpenPolicy(first) && (!second || isOpenPolicy(second))) return [];
  let scoped = isClusterScoped;
  if (!scoped) {
    const resolver = new ScopeResolver(objects);
    scoped = (group, kind) => resolver.isClusterScoped(group, kind);
  }
  const refused: PolicyRefusal[] = [];
  objects.forEach((o, i) => {
    const s = policySubjectOf(o, scoped);
    const d = checkBoth(first, second, s);
    const file = files?.[i];
    if (!d.allowed)
      refused.push({
        resource: formatObjectId(s),
        rule: d.rule,
        message: file ? `${file}: ${d.message}` : d.message,
      });
  });
  return refused;
}

/**
 * The ids of the plain core Secrets among `objects`: a SOPS file is encrypted, not plain. What a
 * project's `plainSecrets: warn` warns about.
 */
export function plainSecretIds(objects: readonly KubeObject[]): string[] {
  return objects
    .filter((o) => o.apiVersion === 'v1' && o.kind === 'Secret' && !isSopsDocument(o))
    .map((o) => formatObjectId(objectId(o)));
}

/** A cluster's guardrail for the hub's check: its policy, and a key equal for equal guardrails. */
export interface GuardrailCheck {
  key: string;
  policy: ObjectPolicy;
}

/**
 * The hub's check of rendered bundles against a project's rules and, when a cluster registered
 * one, that cluster's guardrail (checked first, as its agent does), memoised by digest and
 * guardrail: clusters that render alike under the same guardrail (most of a fleet) share one
 * verdict (and name the same files: one checker serves one application's revision).
 */
export function bundleChecker(
  policy: ObjectPolicy,
): (bundle: RenderedBundle, guardrail?: GuardrailCheck | null) => PolicyRefusal[] {
  const verdicts = new Map<string, PolicyRefusal[]>();
  return (bundle, guardrail) => {
    const key = guardrail ? `${bundle.digest}\n${guardrail.key}` : bundle.digest;
    let refusals = verdicts.get(key);
    if (!refusals)
      verdicts.set(
        key,
        (refusals = guardrail
          ? checkBundle(guardrail.policy, policy, bundle.objects, undefined, bundle.files)
          : checkBundle(policy, undefined, bundle.objects, undefined, bundle.files)),
      );
    return refusals;
  };
}

/**
 * Registered guardrails as {@link GuardrailCheck}s, each distinct guardrail read once. A guardrail
 * that cannot be read (a denied kind stored before validation tightened) gives null: the hub
 * skips its pre-check, and the agent still enforces it.
 */
export function guardrailChecks(): (g: ClusterGuardrail | null | undefined) => GuardrailCheck | null {
  const byKey = new Map<string, GuardrailCheck | null>();
  return (g) => {
    if (!g) return null;
    const key = JSON.stringify([g.allowedNamespaces, g.allowClusterScoped, g.deniedKinds]);
    let hit = byKey.get(key);
    if (hit === undefined) {
      try {
        hit = { key, policy: clusterGuardrailPolicy(g) };
      } catch {
        hit = null;
      }
      byKey.set(key, hit);
    }
    return hit;
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
