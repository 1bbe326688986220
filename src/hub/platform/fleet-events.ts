import { Logger } from '@nestjs/common';

/** Things that change what clusters should run, announced after their transaction commits. */
export type FleetEvent =
  | {
      type: 'revision-detected';
      repositoryId: string;
      previous: string | null;
      revision: string;
      paths: string[] | null;
    }
  | { type: 'cluster-labels-changed'; clusterId: string }
  | { type: 'cluster-registered'; clusterId: string }
  /** A cluster was deleted (generators of applications per cluster drop its applications). */
  | { type: 'cluster-deleted'; clusterId: string }
  /** The API versions a cluster serves changed (its agent reported a CRD installed or removed). */
  | { type: 'cluster-capabilities-changed'; clusterId: string }
  /**
   * A staged rollout of the application completed: clusters that joined while it ran (it held
   * them back) are due a rollout of their own.
   */
  | { type: 'rollout-completed'; applicationId: string };

/**
 * An in-process bus between features that must not import each other (repositories and
 * clusters announce; applications listen). Handlers run after the announcing transaction has
 * committed; a failing handler is logged and does not affect the announcer.
 */
export class FleetEvents {
  private readonly log = new Logger('fleet-events');
  private readonly handlers: ((e: FleetEvent) => Promise<void>)[] = [];
  private pending = new Set<Promise<void>>();

  /** `fault` is a test hook only (see HubConfig.testFleetEventFault). */
  constructor(private readonly fault: 'drop' | 'fail' | null = null) {}

  subscribe(handler: (e: FleetEvent) => Promise<void>): void {
    this.handlers.push(handler);
  }

  /** Runs every handler in the background; {@link settled} waits for them (tests, shutdown). */
  emit(event: FleetEvent): void {
    if (this.fault === 'drop') {
      this.log.warn(`test fault: ${event.type} dropped`);
      return;
    }
    for (const h of this.handlers) {
      const run = this.fault === 'fail' ? Promise.reject(new Error('test fault: handler failed')) : h(event);
      const p = run
        .catch((e: Error) => this.log.error(`handler for ${event.type} failed: ${e.message}`, e.stack))
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  /** Resolves when every handler started so far has finished. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}

/** Injection token of the process-wide {@link FleetEvents}. */
export const FLEET_EVENTS = Symbol('FLEET_EVENTS');
