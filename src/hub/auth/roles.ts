import { SetMetadata } from '@nestjs/common';

/** API roles, from least to most privileged. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `have` is at least as privileged as `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export const ROLE_KEY = 'flotilla:role';
export const PUBLIC_KEY = 'flotilla:public';

/** The least role a route needs (routes without it need `viewer`). */
export const RequireRole = (role: Role) => SetMetadata(ROLE_KEY, role);

/** A route that needs no token (health, metrics, the OpenAPI document). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const ANY_PRINCIPAL_KEY = 'flotilla:any-principal';

/**
 * A route any authenticated caller may use, whatever its roles (also one holding project roles
 * only): who am I, log out.
 */
export const AnyPrincipal = () => SetMetadata(ANY_PRINCIPAL_KEY, true);
