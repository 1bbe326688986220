/**
 * Report ids fixed by what they report on, so an answer re-sent after a restart or a lost
 * acknowledgement is recorded once by the hub (every report is idempotent by `reportId`).
 */
import { createHash } from 'node:crypto';
import type { JobV1, PreviewJobV1 } from '../protocol/v1/agent-protocol.js';

/** A name-based UUID (version 5 layout over SHA-256) of `text`. */
function stableUuid(text: string): string {
  const h = createHash('sha256').update(text).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The result of a job's attempt. */
export function resultReportId(job: JobV1): string {
  return stableUuid(`flotilla-result/${job.id}/${job.attempt}`);
}

/** The answer to a preview job (one per job: a preview has no attempts). */
export function previewReportId(job: Pick<PreviewJobV1, 'id'>): string {
  return stableUuid(`flotilla-preview/${job.id}`);
}
