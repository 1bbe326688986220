import {
  dependentsOf,
  describeCycle,
  findCycle,
  MAX_DEPENDENCIES,
} from '../../domain/application-dependencies.js';
import { ConflictError, DomainError, InvalidInputError } from '../../domain/errors.js';
import { type Tx } from '../database/data-source.js';
import { type ApplicationEntity } from './application.entity.js';
import { type ApplicationRepository } from './application.repository.js';

/** `dependsOn` as stored: each name once, in the order first given. */
export function storedDependsOn(names: readonly string[] | undefined): string[] {
  return [...new Set(names ?? [])];
}

/**
 * Refuses dependencies that cannot hold, in the transaction that stores them: a name that is not
 * an application of the same project (404, naming it: one of another project is not told apart,
 * so its existence does not leak), or a cycle (409, naming it: `a → b → a`). An application that
 * moves to another project while others still depend on it is refused too (409, naming them).
 */
export async function assertDependencies(
  apps: ApplicationRepository,
  tx: Tx,
  app: Pick<ApplicationEntity, 'id' | 'name' | 'projectId' | 'dependsOn'>,
  projectName: string,
): Promise<void> {
  await apps.lockDependencies(tx);
  if (app.dependsOn.length > MAX_DEPENDENCIES)
    throw new InvalidInputError(`dependsOn: at most ${MAX_DEPENDENCIES} applications`, {
      field: 'dependsOn',
    });
  const peers = (await apps.inProject(app.projectId, tx)).filter((a) => a.id !== app.id);
  const known = new Set([...peers.map((a) => a.name), app.name]);
  const unknown = app.dependsOn.find((n) => !known.has(n));
  // 404 like an unknown repositoryId: the request is well formed, what it names is missing
  if (unknown !== undefined)
    throw new DomainError(
      'not-found',
      `dependsOn: no application named '${unknown}' in project '${projectName}'`,
      { field: 'dependsOn' },
    );
  const graph = new Map<string, readonly string[]>(peers.map((a) => [a.name, a.dependsOn]));
  graph.set(app.name, app.dependsOn);
  const cycle = findCycle(graph, app.name);
  if (cycle)
    throw new ConflictError(`dependsOn: dependency cycle ${describeCycle(cycle)}`, {
      field: 'dependsOn',
    });
  const outside = (await apps.dependentsOf(app.name, tx)).filter((a) => a.projectId !== app.projectId);
  if (outside.length)
    throw new ConflictError(
      `application '${app.name}' cannot leave its project while ${outside.map((a) => `'${a.name}'`).join(', ')} depend(s) on it`,
    );
}

/**
 * Refuses (409, naming them) deleting an application others depend on: they are removed first
 * (or stop depending on it), so removal runs in reverse order of dependency. A dependent whose
 * own deletion is under way still counts until its removal finished.
 */
export async function assertNoDependents(
  apps: ApplicationRepository,
  tx: Tx,
  app: Pick<ApplicationEntity, 'name'>,
): Promise<void> {
  await apps.lockDependencies(tx);
  const rows = await apps.dependentsOf(app.name, tx);
  const names = dependentsOf(app.name, rows);
  if (names.length === 0) return;
  const deleting = rows.filter((r) => r.deleting).map((r) => r.name);
  throw new ConflictError(
    `application '${app.name}' is a dependency of ${names.map((n) => `'${n}'`).join(', ')}: ` +
      (deleting.length === names.length
        ? 'wait until their removal finishes'
        : 'delete them first or remove it from their dependsOn'),
    { dependents: names },
  );
}
