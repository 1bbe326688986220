/**
 * Keeps the hub's lease on the jobs the agent holds: from the moment a job is received (it may
 * wait behind another job of its application) until its result is handed to the report buffer,
 * the lease is renewed every third of its length, so a sync that waits on health-gated waves
 * or hooks longer than the lease is not handed out again. The length comes with the job
 * (`leaseSeconds`) and is timed on the agent's own clock, so hub and agent clocks need not
 * agree. A hub that does not send it has no renewal: nothing is sent.
 */
import type { Logger } from 'pino';
import type { JobV1 } from '../protocol/v1/agent-protocol.js';
import { HubRejectedError, type HubClient } from './hub-client.js';

/** A job's lease being kept; `stop` ends the renewals. */
export interface KeptLease {
  stop(): void;
}

/** Renewals never come closer together than this, whatever the lease. */
const MIN_INTERVAL_MS = 1000;

/** Renews the leases of held jobs; see the module comment. */
export class LeaseKeeper {
  constructor(
    private readonly hub: Pick<HubClient, 'renewLease'>,
    private readonly logger: Logger,
  ) {}

  /** Starts renewing the job's lease (nothing when the hub sent no lease length). */
  keep(job: JobV1): KeptLease {
    if (!job.leaseSeconds || job.leaseSeconds <= 0) return { stop: () => undefined };
    const every = Math.max(MIN_INTERVAL_MS, (job.leaseSeconds * 1000) / 3);
    let stopped = false;
    let inFlight = false;
    const timer = setInterval(() => {
      if (stopped || inFlight) return;
      inFlight = true;
      this.hub
        .renewLease(job.id)
        .catch((e: unknown) => {
          // Refused (finished, taken back, not ours, a hub without the route): no later renewal
          // can succeed. The work goes on; its result is still taken by the hub.
          if (e instanceof HubRejectedError) {
            this.logger.warn({ jobId: job.id, err: e.message }, 'job lease not renewed; renewals stop');
            stop();
          } else this.logger.debug({ jobId: job.id, err: (e as Error).message }, 'lease renewal failed');
        })
        .finally(() => (inFlight = false));
    }, every);
    // A held job never keeps the process alive on its own.
    timer.unref();
    const stop = () => {
      stopped = true;
      clearInterval(timer);
    };
    return { stop };
  }
}
