import { randomUUID } from 'node:crypto';
import type { StatusReportV1 } from '../protocol/v1/agent-protocol.js';
import type { HealthChange } from './drift-watcher.js';

/** How long health changes are gathered before one report carries them. */
const HEALTH_REPORT_DELAY_MS = 1_000;
/** Objects per health report (the hub's status report limit is larger). */
const MAX_HEALTH_PER_REPORT = 500;

/**
 * Health changes without drift (a rollout progressing) are gathered for a moment and sent as
 * few status reports: a Deployment's rollout moves its status many times a second, and only
 * the newest health of each object matters.
 */
export class HealthBatcher {
  private readonly pending = new Map<string, HealthChange>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly send: (reports: StatusReportV1[]) => void) {}

  add(change: HealthChange): void {
    this.pending.set(`${change.applicationId}\n${change.resource}`, change);
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), HEALTH_REPORT_DELAY_MS);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = null;
    const changes = [...this.pending.values()];
    this.pending.clear();
    const reports: StatusReportV1[] = [];
    for (let i = 0; i < changes.length; i += MAX_HEALTH_PER_REPORT)
      reports.push({
        reportId: randomUUID(),
        resources: changes.slice(i, i + MAX_HEALTH_PER_REPORT).map((h) => ({
          applicationId: h.applicationId,
          resource: h.resource,
          health: h.health.status,
          healthMessage: h.health.message.slice(0, 4000),
          drifted: false,
        })),
        events: [],
      });
    this.send(reports);
  }
}
