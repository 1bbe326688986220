import { type ApplicationDto } from './application.dto.js';
import { type ApplicationEntity } from './application.entity.js';

/** An application as the API shows it, in the project named `project`. */
export function applicationDto(a: ApplicationEntity, project: string): ApplicationDto {
  return {
    id: a.id,
    name: a.name,
    project,
    repositoryId: a.repositoryId,
    path: a.path,
    revision: a.revision,
    source: a.source,
    targets: a.targets,
    rollout: a.rollout,
    syncPolicy: a.syncPolicy,
    ignoreDifferences: a.ignoreDifferences,
    dependsOn: a.dependsOn,
    healthChecks: a.healthChecks,
    suspended: a.suspended,
    deleting: a.deleting,
    generatedBy: a.generatedBy,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}
