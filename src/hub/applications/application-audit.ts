import { type ApplicationEntity } from './application.entity.js';

/** What the audit trail records of an application (no secrets: applications hold none). */
export function describeApplication(a: ApplicationEntity): Record<string, unknown> {
  return {
    name: a.name,
    repositoryId: a.repositoryId,
    path: a.path,
    revision: a.revision,
    targets: a.targets,
    syncPolicy: a.syncPolicy,
    ignoreDifferences: a.ignoreDifferences,
  };
}
