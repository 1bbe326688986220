/**
 * Group → role rules of single sign-on (`FLOTILLA_OIDC_ROLES`): which global role or project role
 * a member of an identity provider's group gets. Pure: parsed once at start, resolved per login.
 */

/** Roles, least privileged first (the same three as API tokens). */
export const SSO_ROLES = ['viewer', 'operator', 'admin'] as const;
export type SsoRole = (typeof SSO_ROLES)[number];

/** One rule: members of `group` get `role`, globally (project null) or in one project. */
export interface SsoRoleRule {
  group: string;
  project: string | null;
  role: SsoRole;
}

/** What a set of groups grants: the highest global role (null: none) and the highest role per project. */
export interface SsoGrant {
  role: SsoRole | null;
  projects: Record<string, SsoRole>;
}

/** Thrown for a malformed mapping, naming the entry at fault. */
export class SsoRoleMappingError extends Error {}

const PROJECT = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Parses `group=role` and `group=project:role` entries separated by commas, e.g.
 * `platform=admin,team-a-devs=team-a:operator,everyone=viewer`. A group may appear in several
 * entries (one global role, several projects); the same group and project twice is refused,
 * since which one wins would be a guess. Group names are taken verbatim (trimmed): providers
 * use slashes, spaces and colons in them; the last `=` separates the role.
 */
export function parseSsoRoleMapping(text: string): SsoRoleRule[] {
  const rules: SsoRoleRule[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const eq = entry.lastIndexOf('=');
    if (eq <= 0) throw new SsoRoleMappingError(`"${entry}" is not group=role or group=project:role`);
    const group = entry.slice(0, eq).trim();
    const target = entry.slice(eq + 1).trim();
    const colon = target.indexOf(':');
    const project = colon < 0 ? null : target.slice(0, colon).trim();
    const role = (colon < 0 ? target : target.slice(colon + 1)).trim();
    if (!group) throw new SsoRoleMappingError(`"${entry}" has no group name`);
    if (!(SSO_ROLES as readonly string[]).includes(role))
      throw new SsoRoleMappingError(`"${entry}": role must be one of ${SSO_ROLES.join(', ')}, got "${role}"`);
    if (project !== null && !PROJECT.test(project))
      throw new SsoRoleMappingError(
        `"${entry}": project must be a project name (lowercase letters, digits, '-'), got "${project}"`,
      );
    const key = `${group}\u0000${project ?? ''}`;
    if (seen.has(key))
      throw new SsoRoleMappingError(
        `group "${group}" is mapped twice ${project === null ? 'globally' : `in project ${project}`}`,
      );
    seen.add(key);
    rules.push({ group, project, role: role as SsoRole });
  }
  if (rules.length === 0)
    throw new SsoRoleMappingError('no entries: give at least one group=role or group=project:role');
  return rules;
}

function higher(a: SsoRole | null | undefined, b: SsoRole): SsoRole {
  return a && SSO_ROLES.indexOf(a) >= SSO_ROLES.indexOf(b) ? a : b;
}

/** The roles a user in `groups` holds: the most privileged rule wins, per project and globally. */
export function resolveSsoGrant(rules: readonly SsoRoleRule[], groups: readonly string[]): SsoGrant {
  const member = new Set(groups);
  const grant: SsoGrant = { role: null, projects: {} };
  for (const r of rules) {
    if (!member.has(r.group)) continue;
    if (r.project === null) grant.role = higher(grant.role, r.role);
    else grant.projects[r.project] = higher(grant.projects[r.project], r.role);
  }
  return grant;
}

/** True when a grant gives no role at all: such a user is refused at login. */
export function grantsNothing(g: SsoGrant): boolean {
  return g.role === null && Object.keys(g.projects).length === 0;
}
