import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SYSTEM_ACTOR } from '../../domain/audit-chain.js';
import { ApplicationRepository } from '../applications/application.repository.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { runPeriodically } from '../platform/periodic.js';
import { DependencyGate } from './dependency-gate.service.js';
import { DesiredStateRepository } from './desired-state.repository.js';
import { DesiredStateService } from './desired-state.service.js';
import { JobDispatchService } from './job-dispatch.service.js';

/** Held (application, cluster) pairs one look examines at most; the next look takes the rest. */
const BATCH = 500;

/**
 * Sends sync jobs held for their dependencies once those are ready (level-triggered): on any
 * replica, it looks at every held pair periodically and at once after a job result or a status
 * report committed (a dependency's sync or health may have changed), and after a hold committed
 * (one may have changed while the hold was decided). Where the rule now answers
 * differently than the stored reason, the application is recomputed, which sends the job to
 * the clusters now clear and records the reason on those still held. A missed kick (crash,
 * another replica) only delays a release to the next periodic look.
 */
@Injectable()
export class DependencyReleaser implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('dependencies');
  private stop: (() => void) | null = null;
  /** One look at a time on this replica; kicks during a look ask for one more after it. */
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    @Inject(DesiredStateRepository) private readonly desired: DesiredStateRepository,
    @Inject(ApplicationRepository) private readonly apps: ApplicationRepository,
    @Inject(DependencyGate) private readonly gate: DependencyGate,
    @Inject(DesiredStateService) private readonly desiredState: DesiredStateService,
    @Inject(JobDispatchService) private readonly dispatch: JobDispatchService,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'sweepIntervalMs'>,
  ) {}

  onApplicationBootstrap(): void {
    this.dispatch.onResults(() => this.kick());
    this.gate.onHeldCommitted(() => this.kick());
    if (this.config.sweepIntervalMs > 0)
      this.stop = runPeriodically(
        this.config.sweepIntervalMs,
        () => this.look(),
        (e) => this.log.warn(`dependency look failed: ${e.message}`),
      );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop?.();
    await this.running?.catch(() => undefined);
  }

  /** Looks again soon: some application's sync or health may have changed. */
  kick(): void {
    if (!this.gate.mayHaveHolds) return;
    void this.look().catch((e: Error) => this.log.warn(`dependency look failed: ${e.message}`));
  }

  /** One look at every held pair (coalescing calls made meanwhile into one more). For tests too. */
  look(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async () => {
      do {
        this.again = false;
        await this.releaseDue();
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  /** Returns how many applications it recomputed. */
  private async releaseDue(): Promise<number> {
    const since = this.gate.lookStarts();
    const held = await this.desired.held(BATCH);
    this.gate.looked(since, held.length);
    const byApp = new Map<string, typeof held>();
    for (const h of held) byApp.set(h.applicationId, [...(byApp.get(h.applicationId) ?? []), h]);
    let done = 0;
    for (const [applicationId, pairs] of byApp) {
      try {
        const app = await this.apps.findByIdOrName(applicationId);
        if (!app || app.deleting) continue;
        const now = await this.gate.holds(
          app,
          pairs.map((p) => ({ id: p.clusterId, name: p.clusterName })),
        );
        // nothing changed for it: no render, no write
        if (pairs.every((p) => now.get(p.clusterId) === p.waitingFor)) continue;
        await this.desiredState.reconcile(app, 'dependencies', SYSTEM_ACTOR, { dispatch: true });
        done++;
      } catch (e) {
        this.log.warn(`release of held jobs of ${applicationId} failed: ${(e as Error).message}`);
      }
    }
    return done;
  }
}
