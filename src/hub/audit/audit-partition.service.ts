import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { signCheckpoint } from '../../domain/audit-checkpoint.js';
import { SYSTEM_ACTOR } from '../../domain/audit-chain.js';
import {
  addMonths,
  expiredPartitions,
  partitionName,
  partitionRange,
} from '../../domain/audit-partitions.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { AUDIT_KEYS, type AuditKeys } from '../platform/audit-keys.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { runPeriodically } from '../platform/periodic.js';
import { AuditCheckpointRepository } from './audit-checkpoint.repository.js';
import { AuditPartitionRepository } from './audit-partition.repository.js';
import { AuditService } from './audit.service.js';
import { AuditVerifyService } from './audit-verify.service.js';

/** Action of the audit event that records a month leaving the trail. */
export const PARTITION_DETACHED_ACTION = 'audit.partition.detached';

/** What one retention pass did to one month. */
export interface DetachedMonth {
  partition: string;
  events: number;
  /** seq and hash of the month's last event: the signed checkpoint the kept chain starts from. */
  lastSeq: string | null;
  lastHash: string | null;
}

/**
 * Keeps the monthly partitions of the audit trail: at start and periodically, makes sure the
 * current month and the next ones exist (any replica; the database function is idempotent and
 * locks), and, when `FLOTILLA_AUDIT_RETENTION_MONTHS` is set, detaches the months older than the
 * window (one replica, under a lease). Before a month goes, the chain up to its last event is
 * verified and a signed checkpoint is stored there, so `verify` starts from it afterwards; the
 * detachment is itself an audit event, in the same transaction.
 */
@Injectable()
export class AuditPartitionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('audit');
  private stop: (() => void) | null = null;

  constructor(
    @Inject(AuditPartitionRepository) private readonly partitions: AuditPartitionRepository,
    @Inject(AuditCheckpointRepository) private readonly checkpoints: AuditCheckpointRepository,
    @Inject(AuditVerifyService) private readonly verifier: AuditVerifyService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AUDIT_KEYS) private readonly keys: AuditKeys,
    @Inject(HUB_CONFIG)
    private readonly config: Pick<
      HubConfig,
      'auditPartitionsAhead' | 'auditRetentionMonths' | 'auditMaintenanceIntervalSeconds'
    >,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureAhead();
    const intervalMs = this.config.auditMaintenanceIntervalSeconds * 1000;
    if (intervalMs > 0)
      this.stop = runPeriodically(
        intervalMs,
        () => this.maintain(),
        (e) => this.log.warn(`audit partition maintenance failed: ${e.message}`),
      );
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  /** One maintenance pass: partitions ahead, then retention. */
  async maintain(): Promise<DetachedMonth[]> {
    await this.ensureAhead();
    return this.applyRetention();
  }

  /** Makes the current month's partition and the next `auditPartitionsAhead` months'. */
  async ensureAhead(): Promise<number> {
    const now = this.clock.now();
    const months = Array.from({ length: this.config.auditPartitionsAhead + 1 }, (_, i) => addMonths(now, i));
    const made = await this.partitions.ensure(now, months[months.length - 1]);
    this.audit.partitionsReady(months.map(partitionName));
    if (made > 0) this.log.log(`audit: made ${made} monthly partition(s) ahead`);
    return made;
  }

  /** Detaches the months older than the retention window, oldest first; off when 0. */
  async applyRetention(months = this.config.auditRetentionMonths): Promise<DetachedMonth[]> {
    const expired = expiredPartitions(await this.partitions.attached(), months, this.clock.now());
    const done: DetachedMonth[] = [];
    for (const name of expired) {
      const d = await this.detachOne(name, months);
      if (!d) break;
      done.push(d);
    }
    return done;
  }

  private detachOne(name: string, months: number): Promise<DetachedMonth | null> {
    const range = partitionRange(name)!;
    return this.uow.run(async (tx) => {
      if (!(await this.partitions.tryLease(tx))) return null;
      const stats = await this.partitions.rangeStats(tx, range.from, range.to);
      if (stats.last) {
        const known = await this.checkpoints.atOrBefore(stats.last.seq, tx);
        if (known?.seq !== stats.last.seq) {
          const broken = await this.verifier.verifySince(known, stats.last.seq);
          if (broken) {
            this.log.error(
              `audit chain broken at seq ${broken.brokenAt} (${broken.reason}): ${name} is not detached`,
            );
            return null;
          }
          const createdAt = this.clock.now();
          const signed = signCheckpoint(this.keys.signingKey, {
            seq: Number(stats.last.seq),
            hash: stats.last.hash,
            createdAt,
          });
          await this.checkpoints.insert(tx, {
            seq: stats.last.seq,
            hash: stats.last.hash,
            createdAt,
            signature: signed.signature,
            keyId: this.keys.keyId,
          });
        }
      }
      const detached: DetachedMonth = {
        partition: name,
        events: stats.events,
        lastSeq: stats.last?.seq ?? null,
        lastHash: stats.last?.hash ?? null,
      };
      // First the event (it takes the chain lock), then the table lock of the detach.
      await this.audit.record(tx, {
        actor: SYSTEM_ACTOR,
        action: PARTITION_DETACHED_ACTION,
        details: {
          ...detached,
          firstSeq: stats.first?.seq ?? null,
          from: range.from.toISOString(),
          to: range.to.toISOString(),
          retentionMonths: months,
        },
      });
      await this.partitions.detach(tx, name);
      this.log.log({ msg: 'audit partition detached', auditPartition: detached });
      return detached;
    });
  }
}
