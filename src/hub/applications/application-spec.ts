import { ForbiddenError, InvalidInputError } from '../../domain/errors.js';
import { checkSource, checkTargetSelector } from '../../domain/project-rules.js';
import { type ProjectEntity } from '../projects/project.entity.js';
import { storedRollout } from '../rollouts/rollout.dto.js';
import { type CreateApplicationDto } from './application.dto.js';
import { type ApplicationEntity } from './application.entity.js';
import { assertValidHealthChecks } from '../health-checks/health-check.service.js';

/** What a checked creation request resolved: its repository, path, source and project. */
export interface CheckedCreation {
  repo: { id: string; name: string };
  path: string;
  source: ApplicationEntity['source'];
  project: ProjectEntity;
}

/** The row of a new application (stored by a creation, kept in memory by a preview of one). */
export function newApplication(
  input: CreateApplicationDto,
  checked: CheckedCreation,
  id: string,
): Omit<ApplicationEntity, 'createdAt' | 'updatedAt'> {
  return {
    id,
    name: input.name,
    repositoryId: checked.repo.id,
    projectId: checked.project.id,
    path: checked.path,
    revision: input.revision ?? null,
    source: checked.source,
    targets: input.targets,
    rollout: storedRollout(input.rollout),
    syncPolicy: input.syncPolicy,
    ignoreDifferences: input.ignoreDifferences ?? [],
    dependsOn: input.dependsOn ?? [],
    healthChecks: assertValidHealthChecks(input.healthChecks ?? [], 'healthChecks'),
    suspended: false,
    deleting: false,
    generation: 1,
    reconciledRevision: null,
    reconcileFailures: 0,
    reconcileRetryAt: null,
    reconcileLeaseUntil: null,
    renderWarnings: [],
    generatedBy: null,
  };
}

/** `apps/web/`, `/apps/web` → `apps/web`; `.` or `/` → `` (the root). */
export function normalisePath(p: string): string {
  const s = p.trim().replace(/^\/+|\/+$/g, '');
  if (s === '.') return '';
  if (s.split('/').some((seg) => seg === '..' || seg === '')) {
    if (s !== '')
      throw new InvalidInputError(
        'path must be a relative path inside the repository, without ".." or empty segments',
        { field: 'path' },
      );
  }
  return s;
}

/**
 * Refuses (403, naming the rule) an application whose repository and path are not among its
 * project's sources, or one of whose targets could reach a cluster outside the project's selector.
 */
export function assertWithinProject(
  project: ProjectEntity,
  repositoryName: string,
  path: string,
  targets: readonly { clusterSelector: string }[],
): void {
  const refusal =
    checkSource(project.name, project.sources, repositoryName, path) ??
    targets
      .map((t, i) =>
        checkTargetSelector(
          project.name,
          project.clusterSelector,
          t.clusterSelector,
          `targets[${i}].clusterSelector`,
        ),
      )
      .find((r) => r !== null);
  if (refusal) throw new ForbiddenError(refusal.message);
}
