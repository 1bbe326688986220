import 'reflect-metadata';
import { DataSource, type EntityManager } from 'typeorm';
import { InitialSchema1764170000000 } from '../../../migrations/1764170000000-initial-schema.js';
import { RepositoryPolling1764180000000 } from '../../../migrations/1764180000000-repository-polling.js';
import { ApplicationsAndDispatch1764190000000 } from '../../../migrations/1764190000000-applications-and-dispatch.js';
import { ClusterCredentialIndex1764210000000 } from '../../../migrations/1764210000000-cluster-credential-index.js';
import { TokenExpiry1764220000000 } from '../../../migrations/1764220000000-token-expiry.js';
import { AuditCheckpoints1764230000000 } from '../../../migrations/1764230000000-audit-checkpoints.js';
import { JobPolicy1764300000000 } from '../../../migrations/1764300000000-job-policy.js';
import { FleetStatus1764310000000 } from '../../../migrations/1764310000000-fleet-status.js';
import { LevelTriggeredReconcile1764320000000 } from '../../../migrations/1764320000000-level-triggered-reconcile.js';
import { Projects1764400000000 } from '../../../migrations/1764400000000-projects.js';
import { SsoSessions1764410000000 } from '../../../migrations/1764410000000-sso-sessions.js';
import { ObjectPolicy1764420000000 } from '../../../migrations/1764420000000-object-policy.js';
import { ProjectScopes1764430000000 } from '../../../migrations/1764430000000-project-scopes.js';
import { SessionUseRenderErrorRevision1764450000000 } from '../../../migrations/1764450000000-session-use-render-error-revision.js';
import { ApplicationSource1764460000000 } from '../../../migrations/1764460000000-application-source.js';
import { HelmRepositories1764470000000 } from '../../../migrations/1764470000000-helm-repositories.js';
import { ClusterApiVersions1764480000000 } from '../../../migrations/1764480000000-cluster-api-versions.js';
import { Rollouts1764490000000 } from '../../../migrations/1764490000000-rollouts.js';
import { ClusterAgeRecipients1764500000000 } from '../../../migrations/1764500000000-cluster-age-recipients.js';
import { PlainSecrets1764510000000 } from '../../../migrations/1764510000000-plain-secrets.js';
import { Previews1764520000000 } from '../../../migrations/1764520000000-previews.js';
import { Notifications1764530000000 } from '../../../migrations/1764530000000-notifications.js';
import { AuditPartitions1764540000000 } from '../../../migrations/1764540000000-audit-partitions.js';
import { ApplicationDependencies1764560000000 } from '../../../migrations/1764560000000-application-dependencies.js';
import { Generators1764580000000 } from '../../../migrations/1764580000000-generators.js';
import { HealthChecks1764590000000 } from '../../../migrations/1764590000000-health-checks.js';
import { ApplicationEntity } from '../applications/application.entity.js';
import { AgentReportEntity } from '../dispatch/agent-report.entity.js';
import { BundleEntity } from '../dispatch/bundle.entity.js';
import { DeploymentEntity } from '../dispatch/deployment.entity.js';
import { DesiredStateEntity } from '../dispatch/desired-state.entity.js';
import { ReconcileJobEntity } from '../dispatch/reconcile-job.entity.js';
import { ResourceStatusEntity } from '../dispatch/resource-status.entity.js';
import { ApiTokenEntity } from '../auth/api-token.entity.js';
import { SsoSessionEntity } from '../auth/sso-session.entity.js';
import { AuditCheckpointEntity } from '../audit/audit-checkpoint.entity.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { ClusterEntity } from '../clusters/cluster.entity.js';
import { FleetStatusEntity } from '../fleet-status/fleet-status.entity.js';
import { ProjectEntity } from '../projects/project.entity.js';
import { RepositoryEntity } from '../repositories/repository.entity.js';
import { RolloutClusterEntity } from '../rollouts/rollout-cluster.entity.js';
import { PreviewClusterEntity } from '../previews/preview-cluster.entity.js';
import { GeneratorEntity } from '../generators/generator.entity.js';
import { HealthCheckEntity } from '../health-checks/health-check.entity.js';
import { PreviewEntity } from '../previews/preview.entity.js';
import { RolloutEntity } from '../rollouts/rollout.entity.js';
import { NotificationDeliveryEntity } from '../notifications/notification-delivery.entity.js';
import { NotificationOutboxEntity } from '../notifications/notification-outbox.entity.js';
import { NotificationSubscriptionEntity } from '../notifications/notification-subscription.entity.js';

/** Every entity of the hub, in one list so the data source and the schema check agree. */
export const ENTITIES = [
  ApiTokenEntity,
  ClusterEntity,
  RepositoryEntity,
  AuditEventEntity,
  AuditCheckpointEntity,
  ApplicationEntity,
  BundleEntity,
  DeploymentEntity,
  DesiredStateEntity,
  ReconcileJobEntity,
  ResourceStatusEntity,
  AgentReportEntity,
  FleetStatusEntity,
  ProjectEntity,
  SsoSessionEntity,
  RolloutEntity,
  RolloutClusterEntity,
  NotificationSubscriptionEntity,
  NotificationOutboxEntity,
  NotificationDeliveryEntity,
  PreviewEntity,
  PreviewClusterEntity,
  GeneratorEntity,
  HealthCheckEntity,
];

/** Every migration, oldest first. Listed explicitly: ESM builds cannot glob-require. */
export const MIGRATIONS = [
  InitialSchema1764170000000,
  RepositoryPolling1764180000000,
  ApplicationsAndDispatch1764190000000,
  ClusterCredentialIndex1764210000000,
  TokenExpiry1764220000000,
  AuditCheckpoints1764230000000,
  JobPolicy1764300000000,
  FleetStatus1764310000000,
  LevelTriggeredReconcile1764320000000,
  Projects1764400000000,
  SsoSessions1764410000000,
  ObjectPolicy1764420000000,
  ProjectScopes1764430000000,
  SessionUseRenderErrorRevision1764450000000,
  ApplicationSource1764460000000,
  HelmRepositories1764470000000,
  ClusterApiVersions1764480000000,
  Rollouts1764490000000,
  ClusterAgeRecipients1764500000000,
  PlainSecrets1764510000000,
  Previews1764520000000,
  Notifications1764530000000,
  AuditPartitions1764540000000,
  ApplicationDependencies1764560000000,
  Generators1764580000000,
  HealthChecks1764590000000,
];

/** Builds (but does not connect) the TypeORM data source for a Postgres URL. */
export function createDataSource(url: string, opts: { poolSize?: number } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: false,
    poolSize: opts.poolSize ?? 20,
    extra: {
      // Fail fast when Postgres is away, so the API answers 503 instead of hanging.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: 'flotilla-hub',
    },
  });
}

const MIGRATION_LOCK = 7_361_001;

/**
 * Runs pending migrations under a session advisory lock, so several hub replicas starting at
 * once apply each migration exactly once.
 */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const done = await ds.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * True when migrations are pending, without writing anything: a runtime role without DDL rights
 * can ask (TypeORM's own check would try to create the ledger table on an empty database).
 */
export async function hasPendingMigrations(ds: DataSource): Promise<boolean> {
  const [ledger] = await ds.query<{ t: string | null }[]>(`SELECT to_regclass('schema_migrations') AS t`);
  return ledger?.t ? ds.showMigrations() : true;
}

/** An open transaction, opaque outside repositories. */
export interface Tx {
  readonly __brand: 'Tx';
}

/** Unwraps a {@link Tx} into the entity manager it stands for (repositories only). */
export function managerOf(ds: DataSource, tx?: Tx): EntityManager {
  return tx ? (tx as unknown as EntityManager) : ds.manager;
}
