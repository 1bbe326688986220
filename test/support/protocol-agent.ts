import { randomUUID } from 'node:crypto';
import { parseCanonicalBundle } from '../../src/domain/render/render.js';
import type { KubeObject } from '../../src/domain/render/render.types.js';
import type {
  JobResultV1,
  JobsResponseV1,
  JobV1,
  PreviewJobV1,
  PreviewObjectV1,
  PreviewResultV1,
  RegisterResponseV1,
  StatusReportV1,
} from '../../src/protocol/v1/agent-protocol.js';

/**
 * A small agent that speaks the real v1 protocol over HTTP, for hub-side tests and load
 * generation: it registers, long-polls, fetches bundles and reports. It applies nothing.
 */
export class ProtocolAgent {
  credential: string | null = null;
  clusterId: string | null = null;

  /** The hub it calls; a fleet re-points it when that hub goes away. */
  constructor(public hubUrl: string) {}

  async register(
    registrationToken: string,
  ): Promise<{ status: number; body: RegisterResponseV1 & { message?: string } }> {
    const res = await fetch(`${this.hubUrl}/api/v1/agent/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ registrationToken, agentVersion: 'test-0.1', kubernetesVersion: 'v1.37.2' }),
    });
    const body = (await res.json()) as RegisterResponseV1 & { message?: string };
    if (res.status === 201 || res.status === 200) {
      this.credential = body.credential;
      this.clusterId = body.clusterId;
    }
    return { status: res.status, body };
  }

  /** Raw call with this agent's credential; returns status and parsed body. */
  async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: any; bytes: Buffer; headers: Headers }> {
    const res = await fetch(`${this.hubUrl}/api/v1/agent${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.credential}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    let parsed: unknown = null;
    try {
      parsed = bytes.length ? JSON.parse(bytes.toString('utf8')) : null;
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed, bytes, headers: res.headers };
  }

  async poll(waitSeconds = 0, limit = 10): Promise<JobV1[]> {
    const res = await this.call('GET', `/jobs?waitSeconds=${waitSeconds}&limit=${limit}`);
    if (res.status !== 200) throw new Error(`poll failed: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as JobsResponseV1).jobs;
  }

  /** A poll's whole answer: jobs and preview jobs. */
  async pollAll(waitSeconds = 0, limit = 10): Promise<Required<JobsResponseV1>> {
    const res = await this.call('GET', `/jobs?waitSeconds=${waitSeconds}&limit=${limit}`);
    if (res.status !== 200) throw new Error(`poll failed: ${res.status} ${JSON.stringify(res.body)}`);
    const body = res.body as JobsResponseV1;
    return { jobs: body.jobs, previews: body.previews ?? [] };
  }

  /** Answers a preview job: every object of its bundle as `action`, or the given objects. */
  async answerPreview(
    job: PreviewJobV1,
    objects?: PreviewObjectV1[],
    reportId = randomUUID(),
  ): Promise<{ status: number; body: any }> {
    const listed =
      objects ??
      (await this.bundle(job.bundleDigest)).map((o) => ({ id: idOf(o), action: 'create' as const }));
    return this.call('POST', `/previews/${job.id}/result`, {
      reportId,
      outcome: 'completed',
      objects: listed,
    } satisfies PreviewResultV1);
  }

  async bundle(digest: string): Promise<KubeObject[]> {
    const res = await this.call('GET', `/bundles/${encodeURIComponent(digest)}`);
    if (res.status !== 200) throw new Error(`bundle fetch failed: ${res.status}`);
    return parseCanonicalBundle(res.bytes);
  }

  /** Reports every object of the job's bundle as applied (created) and the job succeeded. */
  async succeed(job: JobV1, reportId = randomUUID()): Promise<{ status: number; body: any }> {
    const objects = job.bundleDigest ? await this.bundle(job.bundleDigest) : [];
    const ids = objects.map(idOf);
    const result: JobResultV1 = {
      reportId,
      outcome: 'succeeded',
      resources: job.kind === 'remove' ? [] : ids.map((id) => ({ id, action: 'created', health: 'Current' })),
      inventory: job.kind === 'remove' ? [] : ids,
    };
    return this.call('POST', `/jobs/${job.id}/result`, result);
  }

  async fail(job: JobV1, message: string, retryable: boolean): Promise<{ status: number; body: any }> {
    return this.call('POST', `/jobs/${job.id}/result`, {
      reportId: randomUUID(),
      outcome: 'failed',
      retryable,
      message,
      resources: [],
      inventory: [],
    } satisfies JobResultV1);
  }

  async status(
    report: Omit<StatusReportV1, 'reportId'>,
    reportId = randomUUID(),
  ): Promise<{ status: number; body: any }> {
    return this.call('POST', '/status', { reportId, ...report });
  }
}

/** `group/Kind/namespace/name` of an object, as the protocol names resources. */
export function idOf(o: KubeObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${group}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
