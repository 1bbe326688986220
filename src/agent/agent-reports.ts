import { randomUUID } from 'node:crypto';
import { scrubValues } from '../domain/apply/redaction.js';
import {
  MAX_DIFF_CHARS_V1,
  type ResourceResultV1,
  type StatusReportV1,
} from '../protocol/v1/agent-protocol.js';
import type { ReconcileOutcome } from './apply/apply.types.js';
import type { DriftNotice } from './drift-watcher.js';

/**
 * The agent's reports to the hub, built from what it saw: a job's outcome with secret values cut
 * out of every message, the objects' health after a job, a drift notice.
 */

/** The outcome with each of `values` (longest first) cut out of every message it carries. */
export function scrubOutcome(outcome: ReconcileOutcome, values: string[]): ReconcileOutcome {
  if (values.length === 0) return outcome;
  const scrub = (text: string | undefined) => (text === undefined ? text : scrubValues(text, values));
  return {
    ...outcome,
    message: scrub(outcome.message),
    resources: outcome.resources.map((r) => ({
      ...r,
      message: scrub(r.message),
      healthMessage: scrub(r.healthMessage),
    })),
    ...(outcome.hooks ? { hooks: outcome.hooks.map((h) => ({ ...h, message: scrub(h.message) })) } : {}),
  };
}

/** The health of a job's objects (those that have one) and any events, as one status report. */
export function statusReport(
  applicationId: string,
  resources: ResourceResultV1[],
  events: StatusReportV1['events'],
): StatusReportV1 {
  return {
    reportId: randomUUID(),
    resources: resources
      .filter((r) => r.health)
      .map((r) => ({
        applicationId,
        resource: r.id,
        health: r.health!,
        healthMessage: r.healthMessage?.slice(0, 4000),
        drifted: false,
      })),
    events,
  };
}

/** A drift detected or corrected: the object's status row and the event, with the diff cut to the hub's limit. */
export function driftReport(type: 'drift.detected' | 'drift.corrected', n: DriftNotice): StatusReportV1 {
  const drifted = type === 'drift.detected';
  return {
    reportId: randomUUID(),
    resources: [
      {
        applicationId: n.applicationId,
        resource: n.resource,
        health: n.health.status,
        healthMessage: n.health.message.slice(0, 4000),
        drifted,
        ...(drifted ? { diff: clip(n.diff, MAX_DIFF_CHARS_V1) } : {}),
      },
    ],
    events: [
      {
        type,
        applicationId: n.applicationId,
        resource: n.resource,
        revision: n.revision,
        diff: clip(n.diff, MAX_DIFF_CHARS_V1),
        ...(n.deleted ? { message: 'object deleted' } : {}),
        time: new Date().toISOString(),
      },
    ],
  };
}

/** How many resources a job result has per action. */
export function countActions(resources: readonly ResourceResultV1[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of resources) out[r.action] = (out[r.action] ?? 0) + 1;
  return out;
}

/** A diff cut to the hub's limit, saying so. */
function clip(diff: string, max: number): string {
  const note = '\n… (diff cut)';
  return diff.length <= max ? diff : diff.slice(0, max - note.length) + note;
}
