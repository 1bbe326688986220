/**
 * Which Kubernetes objects a set of rules lets through: the object half of a project's rules
 * (checked by the hub at render) and of an agent's install-time guardrail (checked by the agent
 * before it applies). One pure function for both, so the two layers cannot disagree on what a
 * rule means.
 */

/** A group and kind; `*` in either matches anything. The core group is `''`. */
export interface GroupKind {
  group: string;
  kind: string;
}

/** The rules an object must satisfy. */
export interface ObjectPolicy {
  /**
   * Namespaces namespaced objects may land in: exact names, or globs where `*` matches any run of
   * characters (`team-a-*`, `*`). A Namespace object's own name must match too. Empty: none.
   */
  namespaces: string[];
  /**
   * Kinds allowed. Empty: every namespaced kind. A cluster-scoped kind is allowed only when an
   * entry here matches it (`*`/`*` included): cluster-scoped kinds are denied unless listed.
   */
  allowedKinds: GroupKind[];
  /** Kinds refused whatever else says; wins over `allowedKinds`. */
  deniedKinds: GroupKind[];
  /** Whether plain core `Secret` objects may be deployed (encrypted ones, SOPS files, always may). */
  allowSecrets: boolean;
}

/** What a project does with a plain (unencrypted) `v1/Secret`: refuse it, warn about it, or allow it. */
export type PlainSecretsMode = 'deny' | 'warn' | 'allow';

/** Every {@link PlainSecretsMode}, for validation. */
export const PLAIN_SECRETS_MODES: readonly PlainSecretsMode[] = ['deny', 'warn', 'allow'];

/**
 * The object rules a project's renders and jobs are checked against: its own, with plain Secrets
 * refused when its `plainSecrets` is `deny` — so the agent refuses them too, like any rule.
 */
export function projectObjectPolicy(objects: ObjectPolicy, plainSecrets: PlainSecretsMode): ObjectPolicy {
  return plainSecrets === 'deny' && objects.allowSecrets ? { ...objects, allowSecrets: false } : objects;
}

/** The policy that lets everything through: the `default` project's, today's behaviour. */
export const OPEN_POLICY: ObjectPolicy = Object.freeze({
  namespaces: ['*'],
  allowedKinds: [{ group: '*', kind: '*' }],
  deniedKinds: [],
  allowSecrets: true,
});

/** What the policy is asked about: an object's identity and whether its kind is cluster-scoped. */
export interface PolicySubject {
  group: string;
  kind: string;
  /** `''` when the object has none. */
  namespace: string;
  name: string;
  clusterScoped: boolean;
  /**
   * True for an object whose values are encrypted in the bundle and only decrypted by the agent
   * (a SOPS file): a Secret so delivered is not a plain Secret.
   */
  encrypted?: boolean;
}

/** The rule an object broke. */
export type PolicyRule = 'namespaces' | 'allowedKinds' | 'deniedKinds' | 'clusterScoped' | 'allowSecrets';

/** The decision on one object; a refusal names the rule and says why in words. */
export type PolicyDecision = { allowed: true } | { allowed: false; rule: PolicyRule; message: string };

/** `group/Kind` as people write it (`Secret` for the core group). */
export function formatGroupKind(gk: GroupKind): string {
  return gk.group ? `${gk.group}/${gk.kind}` : gk.kind;
}

/** True when `pattern` (with `*` wildcards) matches the whole of `value`. */
export function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*');
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!value.startsWith(first) || value.length < first.length + last.length) return false;
  if (!value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

function kindMatches(rule: GroupKind, subject: GroupKind): boolean {
  return globMatches(rule.group, subject.group) && globMatches(rule.kind, subject.kind);
}

function describe(s: PolicySubject): string {
  const where = s.namespace ? `${s.namespace}/` : '';
  return `${formatGroupKind(s)} ${where}${s.name}`;
}

/** Decides whether one object may be deployed under `policy`. */
export function checkObject(policy: ObjectPolicy, s: PolicySubject): PolicyDecision {
  const what = describe(s);
  const denied = policy.deniedKinds.find((d) => kindMatches(d, s));
  if (denied)
    return {
      allowed: false,
      rule: 'deniedKinds',
      message: `${what}: kind ${formatGroupKind(s)} is denied (rule deniedKinds: ${formatGroupKind(denied)})`,
    };
  if (s.group === '' && s.kind === 'Secret' && !policy.allowSecrets && !s.encrypted)
    return {
      allowed: false,
      rule: 'allowSecrets',
      message: `${what}: plain Secrets are not allowed in this project: encrypt it (SOPS) or change the project's plainSecrets/allowSecrets`,
    };
  const listed = policy.allowedKinds.some((a) => kindMatches(a, s));
  if (s.clusterScoped && !listed)
    return {
      allowed: false,
      rule: 'clusterScoped',
      message: `${what}: cluster-scoped kind ${formatGroupKind(s)} is not listed in allowedKinds`,
    };
  if (!s.clusterScoped && policy.allowedKinds.length > 0 && !listed)
    return {
      allowed: false,
      rule: 'allowedKinds',
      message: `${what}: kind ${formatGroupKind(s)} is not in allowedKinds`,
    };
  // the namespace an object lands in; a Namespace object "is" the namespace it names
  const namespace = s.group === '' && s.kind === 'Namespace' ? s.name : s.clusterScoped ? null : s.namespace;
  if (namespace !== null && !policy.namespaces.some((p) => globMatches(p, namespace)))
    return {
      allowed: false,
      rule: 'namespaces',
      message: namespace
        ? `${what}: namespace ${namespace} is not allowed (rule namespaces: ${policy.namespaces.join(', ') || 'none'})`
        : `${what}: a namespaced object needs a namespace under this policy`,
    };
  return { allowed: true };
}

/** Every refusal among `subjects`, in their order. */
export function checkObjects(
  policy: ObjectPolicy,
  subjects: Iterable<PolicySubject>,
): Array<{ subject: PolicySubject; rule: PolicyRule; message: string }> {
  const refused: Array<{ subject: PolicySubject; rule: PolicyRule; message: string }> = [];
  for (const subject of subjects) {
    const d = checkObject(policy, subject);
    if (!d.allowed) refused.push({ subject, rule: d.rule, message: d.message });
  }
  return refused;
}

/**
 * The stricter of two policies, for an agent holding both its install-time guardrail and the
 * rules a job carries: an object must pass both, so check both rather than merging them.
 */
export function checkBoth(a: ObjectPolicy, b: ObjectPolicy | undefined, s: PolicySubject): PolicyDecision {
  const first = checkObject(a, s);
  if (!first.allowed || !b) return first;
  return checkObject(b, s);
}

/** An agent's install-time guardrail as its options give it. */
export interface GuardrailSettings {
  /** Namespaces (globs) objects may land in; null: any. */
  allowedNamespaces: string[] | null;
  /** Whether cluster-scoped kinds may be applied; null: only when no namespaces are given. */
  allowClusterScoped: boolean | null;
  deniedKinds: GroupKind[];
}

/**
 * The guardrail as a policy. Without options it lets everything through (an agent installed
 * before guardrails existed keeps working); naming namespaces also shuts out cluster-scoped
 * kinds unless they are allowed explicitly, since a ClusterRoleBinding reaches every namespace.
 */
export function guardrailPolicy(s: GuardrailSettings): ObjectPolicy {
  const clusterScoped = s.allowClusterScoped ?? s.allowedNamespaces === null;
  return {
    namespaces: s.allowedNamespaces ?? ['*'],
    allowedKinds: clusterScoped ? [{ group: '*', kind: '*' }] : [],
    deniedKinds: s.deniedKinds,
    allowSecrets: true,
  };
}

const GROUP_PATTERN = /^(\*|[a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;
const KIND_PATTERN = /^(\*|[A-Za-z][A-Za-z0-9]*)$/;
const NAMESPACE_GLOB = /^[a-z0-9*]([-a-z0-9*]*)?$/;

/**
 * `group/Kind` as people write it: `Secret` (core group), `rbac.authorization.k8s.io/*`,
 * `*` / `*` wildcards. @throws Error naming the entry when it is not one.
 */
export function parseGroupKind(text: string): GroupKind {
  const slash = text.lastIndexOf('/');
  const group = slash < 0 ? '' : text.slice(0, slash);
  const kind = slash < 0 ? text : text.slice(slash + 1);
  if ((slash >= 0 && !GROUP_PATTERN.test(group)) || !KIND_PATTERN.test(kind))
    throw new Error(
      `"${text}" is not a group/Kind (e.g. Secret, rbac.authorization.k8s.io/ClusterRoleBinding)`,
    );
  return { group, kind };
}

/** True when `text` is a namespace name or a glob of them (`team-a`, `team-a-*`, `*`). */
export function isNamespacePattern(text: string): boolean {
  return text.length <= 63 && NAMESPACE_GLOB.test(text);
}

/**
 * The guardrail a cluster is registered with, as the hub stores it and puts in the agent's
 * join manifest: exact namespaces (its RBAC becomes Roles in them), whether cluster-scoped
 * kinds are allowed (then its RBAC stays cluster-wide) and the denied `group/Kind`s.
 */
export interface ClusterGuardrail {
  allowedNamespaces: string[];
  allowClusterScoped: boolean;
  deniedKinds: string[];
}

/**
 * A registered guardrail as the policy its agent enforces: the same options the join manifest
 * gives the agent, read by the same {@link guardrailPolicy}, so the hub's pre-check at render and
 * the agent's check before applying refuse the same objects. No namespaces (not registrable, but
 * tolerated): any, as an agent given an empty list would.
 * @throws Error naming the entry when a denied kind is not a group/Kind.
 */
export function clusterGuardrailPolicy(g: ClusterGuardrail): ObjectPolicy {
  return guardrailPolicy({
    allowedNamespaces: g.allowedNamespaces.length ? g.allowedNamespaces : null,
    allowClusterScoped: g.allowClusterScoped,
    deniedKinds: g.deniedKinds.map(parseGroupKind),
  });
}
