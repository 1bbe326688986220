import { auditedSource, auditedTargets } from './application-source.js';
import { type ApplicationEntity } from './application.entity.js';

/**
 * What the audit trail records of an application: no secrets (applications hold none), and inline
 * Helm values only as digests (see {@link auditedSource}).
 */
export function describeApplication(a: ApplicationEntity): Record<string, unknown> {
  return {
    name: a.name,
    repositoryId: a.repositoryId,
    path: a.path,
    revision: a.revision,
    source: auditedSource(a.source),
    targets: auditedTargets(a.targets),
    rollout: a.rollout,
    syncPolicy: a.syncPolicy,
    ignoreDifferences: a.ignoreDifferences,
    dependsOn: a.dependsOn,
    healthChecks: a.healthChecks,
  };
}
