import type { Actor } from '../../domain/audit-chain.js';
import { plainSecretIds } from '../../domain/render/bundle-policy.js';
import type { RenderedBundle } from '../../domain/render/render.types.js';
import type { AuditRecord } from '../audit/audit.service.js';
import type { ProjectEntity } from './project.entity.js';

/** Most Secrets one warning event names; the rest are counted. */
const MAX_NAMED = 50;

/**
 * What a project whose `plainSecrets` is `warn` says about plain Secrets in an application's
 * bundles (issue 17): the warnings shown on the application, and the audit event recorded once
 * per revision. Only object ids are named, never a value. Other modes warn about nothing: `deny`
 * refuses them through the project's object rules, `allow` lets them be.
 */
export function plainSecretsWarning(
  app: { id: string; name: string },
  project: Pick<ProjectEntity, 'id' | 'name' | 'plainSecrets'>,
  revision: { id: string; display: string } | null,
  actor: Actor,
  bundles: readonly (RenderedBundle | undefined)[],
): { warnings: string[]; event: AuditRecord | null } {
  if (project.plainSecrets !== 'warn') return { warnings: [], event: null };
  const ids = [...new Set(bundles.flatMap((b) => (b ? plainSecretIds(b.objects) : [])))].sort();
  if (ids.length === 0) return { warnings: [], event: null };
  const warnings = ids.map(
    (id) =>
      `plain Secret ${id} is committed in clear: encrypt it with SOPS (project ${project.name} warns about plain Secrets)`,
  );
  return {
    warnings,
    event: {
      actor,
      action: 'secret.plain',
      applicationId: app.id,
      projectId: project.id,
      revision: revision?.id ?? null,
      details: {
        application: app.name,
        project: project.name,
        display: revision?.display ?? null,
        secretCount: ids.length,
        secrets: ids.slice(0, MAX_NAMED),
      },
    },
  };
}
