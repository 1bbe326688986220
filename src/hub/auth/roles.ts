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
