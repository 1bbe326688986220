import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type {
  JobLeaseV1,
  JobResultV1,
  JobV1,
  ReportAckV1,
  StatusReportV1,
} from '../protocol/v1/agent-protocol.js';
import { Agent, resultReportId } from './agent.js';
import type { ClusterClient } from './cluster/cluster-client.js';
import {
  HubRejectedError,
  HubThrottledError,
  HubUnavailableError,
  retryAfterMs,
  type HubClient,
} from './hub-client.js';
import { createAgentMetrics } from './metrics-server.js';
import { ReportBuffer, type PendingReport } from './report-buffer.js';
import type { StateStore } from './state-store.js';

/**
 * A hub that records reports the way the real one does: once per reportId. It can be down,
 * lose the acknowledgement of a report it recorded, refuse reports, or hold a send open.
 */
class RecordingHub implements HubClient {
  /** Every reportId the hub accepted, in the order it recorded them. */
  readonly recorded: string[] = [];
  /** Every send attempt, duplicates included. */
  readonly attempts: string[] = [];
  down = false;
  /** reportIds whose first send is recorded but answered as if the connection dropped. */
  readonly loseAck = new Set<string>();
  /** reportIds refused with 404 (job deleted on the hub). */
  readonly refuse = new Set<string>();
  /** When set, the next send is answered 429 with this Retry-After (ms). */
  throttleNext = 0;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  /** Holds the next sends open until `release()`. */
  hold(): void {
    this.gate = new Promise((r) => (this.openGate = r));
  }
  release(): void {
    this.openGate?.();
    this.gate = null;
  }

  private async accept(reportId: string): Promise<ReportAckV1> {
    this.attempts.push(reportId);
    if (this.gate) await this.gate;
    if (this.down) throw new HubUnavailableError('connect ECONNREFUSED');
    if (this.throttleNext) {
      const ms = this.throttleNext;
      this.throttleNext = 0;
      throw new HubThrottledError(ms, 'HTTP 429');
    }
    if (this.refuse.has(reportId)) throw new HubRejectedError(404, 'job not found');
    const fresh = !this.recorded.includes(reportId);
    if (fresh) this.recorded.push(reportId);
    if (this.loseAck.delete(reportId)) throw new HubUnavailableError('socket hang up');
    return { recorded: fresh };
  }

  result(_jobId: string, result: JobResultV1): Promise<ReportAckV1> {
    return this.accept(result.reportId);
  }
  status(report: StatusReportV1): Promise<ReportAckV1> {
    return this.accept(report.reportId);
  }
  register(): never {
    throw new Error('not used');
  }
  jobs(): never {
    throw new Error('not used');
  }
  previewResult(): never {
    throw new Error('not used');
  }
  bundle(): never {
    throw new Error('not used');
  }
  heartbeat(): Promise<void> {
    return Promise.resolve();
  }
  renewLease(): Promise<JobLeaseV1> {
    return Promise.resolve({ leaseExpiresAt: new Date().toISOString(), leaseSeconds: 120 });
  }
  setCredential(): void {}
}

const status = (): PendingReport => ({
  type: 'status',
  body: { reportId: randomUUID(), resources: [], events: [] },
});
const idOf = (r: PendingReport) => r.body.reportId;

describe('ReportBuffer', () => {
  it('a 429 keeps every report, sends nothing until Retry-After has passed, then resumes by itself', async () => {
    const hub = new RecordingHub();
    const waits: number[] = [];
    const buffer = new ReportBuffer(hub, 10, { throttled: (ms) => waits.push(ms) });
    const reports = [status(), status(), status()];
    hub.throttleNext = 300;
    for (const r of reports) buffer.push(r);
    expect(await buffer.flush()).toBe(false);
    expect(waits).toEqual([300]);
    expect(buffer.size).toBe(3);
    const attempts = hub.attempts.length;
    expect(await buffer.flush()).toBe(false); // paused: not even tried
    expect(hub.attempts.length).toBe(attempts);
    await new Promise((r) => setTimeout(r, 500));
    expect(buffer.size).toBe(0);
    expect(hub.recorded).toEqual(reports.map(idOf));
  });

  it.each<[string | null, number]>([
    ['7', 7000],
    ['0', 0],
    [null, 10_000],
    ['soon', 10_000],
    ['99999', 3_600_000],
    [new Date(Date.UTC(2030, 0, 1, 0, 0, 5)).toUTCString(), 5000],
  ])('Retry-After %j is %d ms', (header, ms) => {
    expect(retryAfterMs(header, Date.UTC(2030, 0, 1))).toBe(ms);
  });

  it('is bounded: the oldest reports are dropped and counted, the rest flushed in order once the hub is back', async () => {
    const hub = new RecordingHub();
    const dropped: string[] = [];
    const totals: number[] = [];
    const buffer = new ReportBuffer(hub, 3, {
      dropped: (r, total) => (dropped.push(idOf(r)), totals.push(total)),
    });
    hub.down = true;
    const reports = Array.from({ length: 5 }, status);
    for (const r of reports) {
      buffer.push(r);
      expect(await buffer.flush()).toBe(false);
    }
    expect(buffer.size).toBe(3);
    expect(buffer.droppedTotal).toBe(2);
    expect(dropped).toEqual(reports.slice(0, 2).map(idOf));
    expect(totals).toEqual([1, 2]);
    expect(hub.recorded).toEqual([]);

    hub.down = false;
    expect(await buffer.flush()).toBe(true);
    expect(buffer.size).toBe(0);
    expect(hub.recorded).toEqual(reports.slice(2).map(idOf));
  });

  it('a report whose acknowledgement was lost is re-sent with the same id and recorded once', async () => {
    const hub = new RecordingHub();
    const buffer = new ReportBuffer(hub, 10);
    const [a, b] = [status(), status()];
    hub.loseAck.add(idOf(a));
    buffer.push(a);
    buffer.push(b);
    expect(await buffer.flush()).toBe(false);
    expect(hub.recorded).toEqual([idOf(a)]);
    expect(await buffer.flush()).toBe(true);
    expect(hub.attempts).toEqual([idOf(a), idOf(a), idOf(b)]);
    expect(hub.recorded).toEqual([idOf(a), idOf(b)]);
  });

  it('concurrent flushes send each report once, in order', async () => {
    const hub = new RecordingHub();
    const buffer = new ReportBuffer(hub, 10);
    const reports = Array.from({ length: 4 }, status);
    for (const r of reports) buffer.push(r);
    const results = await Promise.all([buffer.flush(), buffer.flush(), buffer.flush()]);
    expect(results).toEqual([true, true, true]);
    expect(hub.attempts).toEqual(reports.map(idOf));
  });

  it('a report in flight when the buffer overflows is neither dropped nor mistaken for the next one', async () => {
    const hub = new RecordingHub();
    const dropped: string[] = [];
    const buffer = new ReportBuffer(hub, 2, { dropped: (r) => dropped.push(idOf(r)) });
    const [a, b, c, d] = [status(), status(), status(), status()];
    buffer.push(a);
    buffer.push(b);
    hub.hold();
    const flushing = buffer.flush(); // `a` is now on the wire
    await Promise.resolve();
    buffer.push(c);
    buffer.push(d); // over capacity: `b`, the oldest report still waiting, goes
    hub.release();
    expect(await flushing).toBe(true);
    expect(dropped).toEqual([idOf(b)]);
    expect(hub.recorded).toEqual([idOf(a), idOf(c), idOf(d)]);
  });

  it('a report the hub refuses for good is dropped and the rest keep flowing', async () => {
    const hub = new RecordingHub();
    const rejected: string[] = [];
    const buffer = new ReportBuffer(hub, 10, { rejected: (r) => rejected.push(idOf(r)) });
    const [a, b] = [status(), status()];
    hub.refuse.add(idOf(a));
    buffer.push(a);
    buffer.push(b);
    expect(await buffer.flush()).toBe(true);
    expect(rejected).toEqual([idOf(a)]);
    expect(hub.recorded).toEqual([idOf(b)]);
  });
});

describe('the agent report buffer', () => {
  it('counts drops in flotilla_agent_reports_dropped_total and logs a warning with the total', async () => {
    const hub = new RecordingHub();
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      }),
    );
    const metrics = createAgentMetrics();
    const agent = new Agent({
      client: {} as ClusterClient,
      hub,
      store: {} as StateStore,
      logger,
      metrics,
      agentVersion: 'test',
      namespace: 'flotilla-system',
      registrationToken: null,
      pollWaitSeconds: 1,
      heartbeatSeconds: 1,
      concurrency: 1,
      reportBufferSize: 2,
    });
    hub.down = true;
    const job = { id: randomUUID(), attempt: 1 } as JobV1;
    const result: PendingReport = {
      type: 'result',
      jobId: job.id,
      body: { reportId: resultReportId(job), outcome: 'succeeded', resources: [], inventory: [] },
    };
    const reports = [status(), status(), status(), result];
    for (const r of reports) agent.buffer.push(r);

    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^flotilla_agent_reports_dropped_total 2$/m);
    expect(text).toMatch(/^flotilla_agent_reports_buffered 2$/m);
    const warnings = lines.filter((l) => l.msg === 'report buffer full: oldest report dropped');
    expect(warnings.map((w) => [w.level, w.droppedTotal])).toEqual([
      [40, 1],
      [40, 2],
    ]);

    hub.down = false;
    expect(await agent.buffer.flush()).toBe(true);
    expect(hub.recorded).toEqual([idOf(reports[2]), resultReportId(job)]);
    expect(await metrics.registry.metrics()).toMatch(/^flotilla_agent_reports_buffered 0$/m);
  });

  it('the result report id is fixed by job and attempt, so a result re-sent after a restart counts once', () => {
    const id = randomUUID();
    expect(resultReportId({ id, attempt: 1 } as JobV1)).toBe(resultReportId({ id, attempt: 1 } as JobV1));
    expect(resultReportId({ id, attempt: 1 } as JobV1)).not.toBe(resultReportId({ id, attempt: 2 } as JobV1));
    expect(resultReportId({ id, attempt: 1 } as JobV1)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
