import { SetMetadata } from '@nestjs/common';

import { type Role } from '../../domain/authorization.js';

export { ROLES, roleAllows, type Role } from '../../domain/authorization.js';

export const ROLE_KEY = 'flotilla:role';
export const PUBLIC_KEY = 'flotilla:public';

export const PROJECT_SCOPED_KEY = 'flotilla:project-scoped';

/**
 * The least role a route needs (routes without it need `viewer`). Fleet-wide unless the route is
 * also {@link ProjectScoped}: then a global role or that role within a project will do.
 */
export const RequireRole = (role: Role) => SetMetadata(ROLE_KEY, role);

/**
 * A route about applications (or lists that filter by project): the guard lets through callers
 * holding the role in at least one project, and the service decides on the project concerned
 * (or filters what the caller may not see).
 */
export const ProjectScoped = () => SetMetadata(PROJECT_SCOPED_KEY, true);

/** A route that needs no token (health, metrics, the OpenAPI document). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const ANY_PRINCIPAL_KEY = 'flotilla:any-principal';

/**
 * A route any authenticated caller may use, whatever its roles (also one holding project roles
 * only): who am I, log out.
 */
export const AnyPrincipal = () => SetMetadata(ANY_PRINCIPAL_KEY, true);
