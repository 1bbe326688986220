/**
 * Who may do what: a caller holds a global role, roles within projects, or both; a request needs
 * a role, either fleet-wide (clusters, repositories, tokens, projects) or within one project
 * (everything about one application). One pure decision for the guard and every service.
 */

/** API roles, from least to most privileged. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** True when `have` is at least as privileged as `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** What a caller was granted. */
export interface Grants {
  /** Holds in every project and over fleet-wide resources; null: project roles only. */
  role: Role | null;
  /** Role within each project, by project name. */
  projects: Readonly<Record<string, Role>>;
}

/**
 * Whether `grants` allow an action needing `need` within `project`, or fleet-wide when `project`
 * is null (only a global role counts there). Within a project the better of the global role and
 * the project role counts.
 */
export function authorize(grants: Grants, need: Role, project: string | null): boolean {
  if (grants.role !== null && roleAllows(grants.role, need)) return true;
  if (project === null) return false;
  const inProject = Object.prototype.hasOwnProperty.call(grants.projects, project)
    ? grants.projects[project]
    : undefined;
  return inProject !== undefined && roleAllows(inProject, need);
}

/**
 * The projects in which `grants` allow `need`: `'all'` for a sufficient global role, else the
 * project names (possibly none). What list endpoints filter by.
 */
export function projectsAllowing(grants: Grants, need: Role): 'all' | string[] {
  if (grants.role !== null && roleAllows(grants.role, need)) return 'all';
  return Object.entries(grants.projects)
    .filter(([, r]) => roleAllows(r, need))
    .map(([p]) => p)
    .sort();
}

/** Whether `grants` allow `need` anywhere at all: the guard's first cut on project routes. */
export function allowsSomewhere(grants: Grants, need: Role): boolean {
  const p = projectsAllowing(grants, need);
  return p === 'all' || p.length > 0;
}

/** `admin`, or `operator in team-a, viewer in team-b`: how a caller's grants read in a refusal. */
export function describeGrants(grants: Grants): string {
  const parts = Object.entries(grants.projects)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([p, r]) => `${r} in ${p}`);
  if (grants.role !== null) parts.unshift(`${grants.role} (global)`);
  return parts.join(', ') || 'no role';
}
