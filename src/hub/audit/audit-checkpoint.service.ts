import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { checkpointDue, signCheckpoint } from '../../domain/audit-checkpoint.js';
import { decodeCursor, encodeCursor } from '../../domain/cursor.js';
import { InvalidInputError } from '../../domain/errors.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { AUDIT_KEYS, type AuditKeys } from '../platform/audit-keys.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { runPeriodically } from '../platform/periodic.js';
import { AuditCheckpointRepository } from './audit-checkpoint.repository.js';
import { AuditRepository } from './audit.repository.js';
import { AuditVerifyService } from './audit-verify.service.js';

/** A checkpoint as the API shows it. */
export interface AuditCheckpointView {
  seq: string;
  hash: string;
  createdAt: string;
  signature: string;
  keyId: string;
}

/** The key that verifies checkpoint signatures. */
export interface CheckpointPublicKey {
  algorithm: 'Ed25519';
  keyId: string;
  /** SPKI, PEM-encoded. */
  publicKey: string;
}

/**
 * Publishes the audit chain head: every few events or minutes one replica (whichever takes the
 * lease) verifies the events since the last checkpoint, signs the head with the Ed25519 key
 * derived from the audit key, stores it and writes it to the log, from where it can be shipped
 * somewhere the database owner cannot reach.
 */
@Injectable()
export class AuditCheckpointService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('audit');
  private stop: (() => void) | null = null;

  constructor(
    @Inject(AuditCheckpointRepository) private readonly checkpoints: AuditCheckpointRepository,
    @Inject(AuditRepository) private readonly events: AuditRepository,
    @Inject(AuditVerifyService) private readonly verifier: AuditVerifyService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AUDIT_KEYS) private readonly keys: AuditKeys,
    @Inject(HUB_CONFIG)
    private readonly config: Pick<HubConfig, 'auditCheckpointEvery' | 'auditCheckpointIntervalSeconds'>,
  ) {}

  onApplicationBootstrap(): void {
    const intervalMs = this.config.auditCheckpointIntervalSeconds * 1000;
    if (intervalMs <= 0) return;
    // Ticks are cheap (a try-lock and two indexed reads): tick often enough to honour `every`.
    this.stop = runPeriodically(
      Math.min(intervalMs, 30_000),
      () => this.tick(),
      (e) => this.log.warn(`audit checkpoint failed: ${e.message}`),
    );
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  /** Takes a checkpoint when one is due (or `force`d and the head moved); returns it, else null. */
  async tick(force = false): Promise<AuditCheckpointView | null> {
    return this.uow.run(async (tx) => {
      if (!(await this.checkpoints.tryLease(tx))) return null;
      const last = await this.checkpoints.latest(tx);
      const head = await this.events.head(tx);
      const now = this.clock.now();
      const policy = {
        every: force ? 1 : this.config.auditCheckpointEvery,
        intervalMs: this.config.auditCheckpointIntervalSeconds * 1000,
      };
      const lastSeq = last ? { seq: Number(last.seq), createdAt: last.createdAt } : null;
      if (!head || !checkpointDue(policy, Number(head.seq), lastSeq, now)) return null;
      const broken = await this.verifier.verifySince(last, head.seq);
      if (broken) {
        this.log.error(
          `audit chain broken at seq ${broken.brokenAt} (${broken.reason}): no checkpoint signed`,
        );
        return null;
      }
      const signed = signCheckpoint(this.keys.signingKey, {
        seq: Number(head.seq),
        hash: head.hash,
        createdAt: now,
      });
      const row = {
        seq: head.seq,
        hash: head.hash,
        createdAt: now,
        signature: signed.signature,
        keyId: this.keys.keyId,
      };
      await this.checkpoints.insert(tx, row);
      const view = toView(row);
      this.log.log({ msg: 'audit checkpoint', auditCheckpoint: view });
      return view;
    });
  }

  /** Newest first; `cursor` continues from the previous page. */
  async list(
    limit: number,
    cursor?: string,
  ): Promise<{ items: AuditCheckpointView[]; nextCursor: string | null }> {
    let before: string | undefined;
    if (cursor) {
      const [seq] = decodeCursor(cursor, ['string'] as const);
      if (!/^\d{1,19}$/.test(seq)) throw new InvalidInputError('cursor: not a cursor returned by this API');
      before = seq;
    }
    const rows = await this.checkpoints.page(limit + 1, before);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toView),
      nextCursor: rows.length > limit && last ? encodeCursor([last.seq]) : null,
    };
  }

  /** The public key of checkpoint signatures. */
  publicKey(): CheckpointPublicKey {
    return {
      algorithm: 'Ed25519',
      keyId: this.keys.keyId,
      publicKey: this.keys.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    };
  }
}

function toView(c: {
  seq: string;
  hash: string;
  createdAt: Date;
  signature: string;
  keyId: string;
}): AuditCheckpointView {
  return {
    seq: c.seq,
    hash: c.hash,
    createdAt: c.createdAt.toISOString(),
    signature: c.signature,
    keyId: c.keyId,
  };
}
