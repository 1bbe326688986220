/**
 * The pure rules of a project about where its applications come from and go to: whether a
 * repository and path is one of its sources, and whether an application's target selector stays
 * inside the project's clusters. The object rules are in `object-policy.ts`.
 */
import { InvalidInputError } from './errors.js';
import { dns1123LabelProblem } from './kubernetes-names.js';
import {
  formatLabelSelector,
  parseLabelSelector,
  type LabelSelector,
  type Requirement,
} from './label-selector.js';
import { type GroupKind, type ObjectPolicy } from './object-policy.js';
import { type ProjectSource } from './project.js';

/** Why a request falls outside a project: the rule and a sentence naming it. */
export interface RuleRefusal {
  rule: 'sources' | 'clusterSelector';
  message: string;
}

/** `apps/web/`, `/apps/web` → `apps/web`; segments compared whole. */
function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

/** True when `path` is `prefix` or lies under it (whole segments: `apps/a` is not under `apps/ab`). */
export function pathUnder(path: string, prefix: string): boolean {
  const p = segments(path);
  const pre = segments(prefix);
  return pre.length <= p.length && pre.every((s, i) => p[i] === s);
}

/** `repo` or `repo:path/`: how a source is written in messages. */
export function formatSource(s: ProjectSource): string {
  return s.path ? `${s.repository}:${s.path}` : s.repository;
}

/** Whether `sources` name the repository (or `*`), whatever path: e.g. whose credentials a chart's dependencies may use. */
export function sourcesNameRepository(sources: readonly ProjectSource[], repositoryName: string): boolean {
  return sources.some((s) => s.repository === '*' || s.repository === repositoryName);
}

/** Whether an application deploying `path` of repository `repositoryName` is within `sources`. */
export function checkSource(
  project: string,
  sources: readonly ProjectSource[],
  repositoryName: string,
  path: string,
): RuleRefusal | null {
  const ok = sources.some(
    (s) => (s.repository === '*' || s.repository === repositoryName) && (!s.path || pathUnder(path, s.path)),
  );
  if (ok) return null;
  const where = path ? `${repositoryName}:${path}` : repositoryName;
  return {
    rule: 'sources',
    message: `project '${project}' does not allow deploying from ${where} (rule sources: ${
      sources.map(formatSource).join(', ') || 'none'
    })`,
  };
}

/** The values a requirement on `key` in `sel` allows, or null when it does not pin them down. */
function pinnedValues(sel: LabelSelector, key: string): string[] | null {
  let values: string[] | null = null;
  for (const r of sel) {
    if (r.key !== key) continue;
    const these = r.op === 'eq' ? [r.value] : r.op === 'in' ? r.values : null;
    if (these) values = values === null ? these : values.filter((v) => these.includes(v));
  }
  return values;
}

/** True when every label set `target` selects also satisfies `need` (read off the selector's text). */
function implies(target: LabelSelector, need: Requirement): boolean {
  const pinned = pinnedValues(target, need.key);
  const absent = target.some((r) => r.key === need.key && r.op === 'notexists');
  const excluded = (v: string) =>
    target.some(
      (r) =>
        r.key === need.key &&
        ((r.op === 'neq' && r.value === v) || (r.op === 'notin' && r.values.includes(v))),
    );
  switch (need.op) {
    case 'eq':
      return pinned !== null && pinned.every((v) => v === need.value);
    case 'in':
      return pinned !== null && pinned.every((v) => need.values.includes(v));
    case 'exists':
      return pinned !== null || target.some((r) => r.key === need.key && r.op === 'exists');
    case 'notexists':
      return absent;
    case 'neq':
      return absent || (pinned !== null && !pinned.includes(need.value)) || excluded(need.value);
    case 'notin':
      return (
        absent ||
        (pinned !== null && pinned.every((v) => !need.values.includes(v))) ||
        need.values.every((v) => excluded(v))
      );
  }
}

/**
 * Whether an application target's cluster selector stays inside a project's cluster selector:
 * every requirement of the project's selector must follow from the target's own requirements
 * (`team=a,env=prod` stays inside `team=a`; `env=prod` does not, whatever clusters exist today,
 * because a cluster labelled later would be reached). Judged on the selectors' text, so the
 * answer does not change as clusters come and go. The hub also deploys only to clusters matching
 * both, so a project whose selector is narrowed later still bounds its existing applications.
 */
export function checkTargetSelector(
  project: string,
  projectSelector: string,
  targetSelector: string,
  field: string,
): RuleRefusal | null {
  const need = parseLabelSelector(projectSelector, 'project clusterSelector');
  const target = parseLabelSelector(targetSelector, field);
  const missing = need.find((r) => !implies(target, r));
  if (!missing) return null;
  return {
    rule: 'clusterSelector',
    message: `${field} '${targetSelector}' reaches clusters outside project '${project}' (rule clusterSelector: ${projectSelector}; the selector must require ${formatLabelSelector([missing])})`,
  };
}

/** An API group in a kind rule (`''` the core group, globs allowed), as the API schema states it. */
export const GROUP_SOURCE = '^(\\*|[a-z0-9*]([-a-z0-9.*]*[a-z0-9*])?)?$';
/** A kind in a kind rule (globs allowed), as the API schema states it. */
export const KIND_SOURCE = '^(\\*|[A-Za-z0-9*]+)$';
const GROUP = new RegExp(GROUP_SOURCE);
const KIND = new RegExp(KIND_SOURCE);
/** A namespace name or a glob of one (`team-a-*`), as the API schema states it. */
export const NAMESPACE_GLOB_SOURCE = '^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$';
const NAMESPACE_GLOB = new RegExp(NAMESPACE_GLOB_SOURCE);
/** A project name (a DNS label), as the API schema states it. */
export const PROJECT_NAME_SOURCE = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

function validKinds(list: readonly GroupKind[], field: string): void {
  list.forEach((gk, i) => {
    if (!GROUP.test(gk.group) || gk.group.length > 253)
      throw new InvalidInputError(
        `${field}[${i}].group: '${gk.group}' is not an API group ('' for core, '*' for any)`,
      );
    if (!KIND.test(gk.kind) || gk.kind.length > 63)
      throw new InvalidInputError(
        `${field}[${i}].kind: '${gk.kind}' is not a kind (letters and digits, or '*')`,
      );
  });
}

/**
 * Checks the rules of a project beyond their JSON shape: source repository names and paths,
 * the cluster selector's grammar, namespace names or globs and kinds. Throws
 * {@link InvalidInputError} naming the field.
 */
export function validateProjectRules(rules: {
  sources?: readonly ProjectSource[];
  clusterSelector?: string;
  objects?: ObjectPolicy;
}): void {
  rules.sources?.forEach((s, i) => {
    if (s.repository !== '*' && dns1123LabelProblem(s.repository))
      throw new InvalidInputError(
        `sources[${i}].repository: '${s.repository}' is not a repository name or '*'`,
      );
    if (s.path !== undefined && segments(s.path).some((seg) => seg === '..'))
      throw new InvalidInputError(`sources[${i}].path: must be a path inside the repository, without '..'`);
  });
  if (rules.clusterSelector !== undefined) parseLabelSelector(rules.clusterSelector, 'clusterSelector');
  const o = rules.objects;
  if (!o) return;
  o.namespaces.forEach((ns, i) => {
    const exact = !ns.includes('*');
    if (!NAMESPACE_GLOB.test(ns) || ns.length > 63 || (exact && dns1123LabelProblem(ns)))
      throw new InvalidInputError(
        `objects.namespaces[${i}]: '${ns}' is not a namespace name or a glob of one (team-a, team-a-*, *)`,
      );
  });
  validKinds(o.allowedKinds, 'objects.allowedKinds');
  validKinds(o.deniedKinds, 'objects.deniedKinds');
}
