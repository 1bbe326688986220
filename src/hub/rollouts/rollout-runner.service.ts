import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { JobDispatchService } from '../dispatch/job-dispatch.service.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { FLEET_EVENTS, type FleetEvents } from '../platform/fleet-events.js';
import { runPeriodically } from '../platform/periodic.js';
import { RolloutRepository } from './rollout.repository.js';
import { RolloutService } from './rollout.service.js';

/** Rollouts one periodic look advances at most (the rest wait for the next). */
const BATCH = 200;
/** Steps one rollout may take in one look (an empty stage, then a batch, ...). */
const MAX_STEPS = 8;

/**
 * Moves progressing rollouts on, on any replica: periodically (every rollout due: no known wait,
 * or its bake time over) and at once when one of its clusters reports a job result. Each step
 * takes the rollout's row lock or skips it, so replicas never both act on one rollout; the
 * periodic look is what makes a missed kick (another replica held the lock, a crash) harmless.
 */
@Injectable()
export class RolloutRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('rollout-runner');
  private stop: (() => void) | null = null;
  /** One look at a time on this replica; kicks during a look queue one more. */
  private running: Promise<void> = Promise.resolve();
  private kicked = new Set<string>();

  constructor(
    @Inject(RolloutRepository) private readonly rollouts: RolloutRepository,
    @Inject(RolloutService) private readonly engine: RolloutService,
    @Inject(JobDispatchService) private readonly dispatch: JobDispatchService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'rolloutIntervalMs'>,
    @Inject(FLEET_EVENTS) private readonly events: FleetEvents,
  ) {}

  onApplicationBootstrap(): void {
    this.dispatch.onResults((ids) => this.kick(ids));
    if (this.config.rolloutIntervalMs > 0)
      this.stop = runPeriodically(
        this.config.rolloutIntervalMs,
        () => this.sweep(),
        (e) => this.log.warn(`rollout sweep failed: ${e.message}`),
      );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop?.();
    await this.running.catch(() => undefined);
  }

  /** Looks at the open rollouts of these applications soon (after the current look). */
  kick(applicationIds: string[]): void {
    for (const id of applicationIds) this.kicked.add(id);
    this.running = this.running
      .then(() => this.drainKicks())
      .catch((e: Error) => {
        this.log.warn(`rollout kick failed: ${e.message}`);
      });
  }

  /** Resolves when this replica's looks so far (kicks included) are done. For tests and shutdown. */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Advances every due rollout; returns how many steps were taken. Exposed for tests. */
  async sweep(): Promise<number> {
    const run = this.running.then(async () => {
      let steps = 0;
      for (const r of await this.rollouts.due(this.clock.now(), BATCH))
        steps += await this.advance(r.id, r.applicationId);
      return steps;
    });
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async drainKicks(): Promise<void> {
    const apps = [...this.kicked];
    this.kicked.clear();
    if (apps.length === 0) return;
    // one query for every application whose jobs reported meanwhile
    for (const r of await this.rollouts.progressingFor(apps)) await this.advance(r.id, r.applicationId);
  }

  /** Steps a rollout until it waits (or stops); a step that failed is retried by the next look. */
  private async advance(id: string, applicationId: string): Promise<number> {
    let steps = 0;
    try {
      for (; steps < MAX_STEPS; steps++) {
        const step = await this.engine.advance(id);
        // the clusters it held back because they joined meanwhile get a rollout of their own
        if (step?.kind === 'complete') this.events.emit({ type: 'rollout-completed', applicationId });
        if (!step || step.kind !== 'start-batch') break;
      }
    } catch (e) {
      this.log.warn(`rollout ${id}: ${(e as Error).message}`);
    }
    return steps;
  }
}
