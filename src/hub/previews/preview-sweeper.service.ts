import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NO_ANSWER_REASON } from '../../domain/preview-summary.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { runPeriodically } from '../platform/periodic.js';
import { PreviewRepository } from './preview.repository.js';

/**
 * Housekeeping of previews any replica may run: parts whose agent gave no answer before the
 * preview expired show unknown, and previews are deleted FLOTILLA_PREVIEW_TTL_SECONDS after
 * they were asked for. Both are single idempotent statements.
 */
@Injectable()
export class PreviewSweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('preview-sweeper');
  private stop: (() => void) | null = null;

  constructor(
    @Inject(PreviewRepository) private readonly previews: PreviewRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'sweepIntervalMs'>,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.sweepIntervalMs <= 0) return;
    this.stop = runPeriodically(
      this.config.sweepIntervalMs,
      () => this.sweep(),
      (e) => this.log.warn(`preview sweep failed: ${e.message}`),
    );
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  /** One pass: mark the unanswered parts of expired previews, delete the old previews. */
  async sweep(): Promise<{ unanswered: number; deleted: number }> {
    const now = this.clock.now();
    const unanswered = await this.previews.markUnanswered(now, NO_ANSWER_REASON);
    const deleted = await this.previews.deleteOld(now);
    return { unanswered, deleted };
  }
}
