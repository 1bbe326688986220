import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { RepositoriesRepository } from './repository.repository.js';
import { sealContext, type SealedField } from './repository.service.js';

/** What one re-seal pass did. */
export interface ResealOutcome {
  resealed: number;
  /** Values no configured key opens; left as they are, so polls report them (logged). */
  unreadable: number;
}

const FIELDS: readonly [SealedField, 'credentialsSealed' | 'webhookSecretSealed'][] = [
  ['credentials', 'credentialsSealed'],
  ['webhookSecret', 'webhookSecretSealed'],
];

/**
 * Brings every sealed repository value to the current format and key when the hub starts:
 * values from before row binding (no key id, no additional data) and values under a key
 * named in FLOTILLA_SECRET_KEY_PREVIOUS are opened and sealed again, bound to their row.
 * Done at start rather than on read so that, once a hub has started, no unbound value is
 * left in the database and the previous key can be removed from the configuration.
 */
@Injectable()
export class RepositoryResealService {
  private readonly log = new Logger('secrets');

  constructor(
    @Inject(RepositoriesRepository) private readonly repos: RepositoriesRepository,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
  ) {}

  /** Re-seals what needs it; safe to run on several replicas at once (each row is locked). */
  async resealAll(): Promise<ResealOutcome> {
    const outcome: ResealOutcome = { resealed: 0, unreadable: 0 };
    const candidates = (await this.repos.findSealed()).filter((r) =>
      FIELDS.some(([, column]) => r[column] !== null && this.secrets.needsReseal(r[column])),
    );
    for (const candidate of candidates) {
      await this.uow.run(async (tx) => {
        const row = await this.repos.findByIdOrName(candidate.id, tx, true);
        if (!row) return;
        const next = {
          credentialsSealed: row.credentialsSealed,
          webhookSecretSealed: row.webhookSecretSealed,
        };
        let changed = false;
        for (const [field, column] of FIELDS) {
          const sealed = row[column];
          if (sealed === null || !this.secrets.needsReseal(sealed)) continue;
          const context = sealContext(row.id, field);
          try {
            next[column] = this.secrets.seal(this.secrets.openLegacy(sealed, context), context);
            changed = true;
            outcome.resealed++;
          } catch (e) {
            outcome.unreadable++;
            this.log.error(`repository ${row.name}: cannot re-seal its ${field}: ${(e as Error).message}`);
          }
        }
        if (changed) await this.repos.updateSealed(tx, row.id, next);
      });
    }
    if (outcome.resealed)
      this.log.log(`re-sealed ${outcome.resealed} stored secret(s) under the current key`);
    return outcome;
  }
}
