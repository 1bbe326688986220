import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Agent } from '../../../src/agent/agent.js';
import {
  HubRejectedError,
  HubUnavailableError,
  type HubClient,
  type JobsAnswer,
} from '../../../src/agent/hub-client.js';
import { createAgentMetrics, type AgentMetrics } from '../../../src/agent/metrics-server.js';
import type { StateStore } from '../../../src/agent/state-store.js';
import { bundleDigest } from '../../../src/domain/render/render.js';
import type {
  JobLeaseV1,
  JobResultV1,
  JobV1,
  PreviewJobV1,
  PreviewResultV1,
  RegisterResponseV1,
  ReportAckV1,
  StatusReportV1,
} from '../../../src/protocol/v1/agent-protocol.js';
import { canonicalJson } from '../../../src/domain/canonical-json.js';
import type { LiveObject } from '../../../src/domain/health/health.types.js';
import { ConfigMapInventoryStore } from '../../../src/agent/apply/inventory-store.js';
import { Applier } from '../../../src/agent/apply/applier.js';
import type { ReconcileRequest } from '../../../src/agent/apply/apply.types.js';
import { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import { Http2KubeTransport } from '../../../src/agent/cluster/kube-h2-transport.js';
import {
  loadKubeConfig,
  type KubeRequestOptions,
  type KubeResponse,
  type KubeTransport,
} from '../../../src/agent/cluster/kube-transport.js';

/** Wraps a transport and counts requests; `writes` excludes reads and dry-runs. */
export class CountingTransport implements KubeTransport {
  requests: string[] = [];
  constructor(private readonly inner: KubeTransport) {}
  get writes(): string[] {
    return this.requests.filter((r) => !r.startsWith('GET ') && !r.includes('dryRun=All'));
  }
  reset(): void {
    this.requests = [];
  }
  request(method: string, path: string, options?: KubeRequestOptions): Promise<KubeResponse> {
    this.requests.push(`${method} ${path}`);
    return this.inner.request(method, path, options);
  }
  stream(path: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    return this.inner.stream(path, onLine, signal);
  }
  close(): void {
    this.inner.close();
  }
}

/** A client over a counting transport for a kubeconfig, on the agent's transport (HTTP/2). */
export function countingClient(kubeconfig: string): {
  client: KubeClusterClient;
  counter: CountingTransport;
} {
  const counter = new CountingTransport(new Http2KubeTransport(loadKubeConfig({ kubeconfig })));
  return { client: new KubeClusterClient(counter), counter };
}

/** Canonical bundle bytes of objects (order does not matter to the agent). */
export function bundleOf(objects: readonly object[]): Buffer {
  return Buffer.from(objects.map((o) => `${canonicalJson(o)}\n`).join(''), 'utf8');
}

export const uniq = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

export const configMap = (
  namespace: string,
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
  data,
});

export const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export const deployment = (ns: string, name: string, image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
  },
});

/** An applier for one application, with a helper to sync bundles. */
export function applierFor(client: KubeClusterClient, stateNamespace: string, applicationId: string) {
  const applier = new Applier(client, new ConfigMapInventoryStore(client, stateNamespace));
  const run = (objects: readonly object[], extra: Partial<ReconcileRequest> = {}) =>
    applier.reconcile({
      applicationId,
      applicationName: 'test-app',
      kind: 'sync',
      prune: true,
      force: false,
      fetchBundle: () => Promise.resolve(bundleOf(objects)),
      ...extra,
    });
  return { applier, run };
}

export type { LiveObject };

/**
 * A hub for in-process agents: hands out the jobs the test queues (long-polling otherwise),
 * serves their bundles and records reports once per reportId. `down` makes every call fail
 * as an unreachable hub would.
 */
export class ScriptedHub implements HubClient {
  down = false;
  credentialSet: string | null = null;
  registrations = 0;
  readonly results: { jobId: string; result: JobResultV1 }[] = [];
  readonly statuses: StatusReportV1[] = [];
  private readonly queued: JobV1[] = [];
  private readonly queuedPreviews: PreviewJobV1[] = [];
  /** Preview answers, once per reportId. */
  readonly previewResults: { previewId: string; result: PreviewResultV1 }[] = [];
  /** Status the next preview answers get instead of being recorded (a 409/404 hub). */
  refusePreviews: number | null = null;
  private readonly bundles = new Map<string, Buffer>();
  private readonly seen = new Set<string>();

  constructor(private readonly credential = `fltagent_${randomBytes(8).toString('hex')}`) {}

  /** Queues a sync job for a bundle and returns it. */
  queueSync(applicationId: string, objects: readonly object[], extra: Partial<JobV1> = {}): JobV1 {
    const bytes = bundleOf(objects);
    const digest = bundleDigest(bytes);
    this.bundles.set(digest, bytes);
    const job = syncJob(applicationId, digest, extra);
    this.queued.push(job);
    return job;
  }

  /** Queues a preview job for a bundle and returns it. */
  queuePreview(
    applicationId: string | null,
    objects: readonly object[],
    extra: Partial<PreviewJobV1> = {},
  ): PreviewJobV1 {
    const bytes = bundleOf(objects);
    const digest = bundleDigest(bytes);
    this.bundles.set(digest, bytes);
    const job: PreviewJobV1 = {
      id: randomUUID(),
      applicationId,
      applicationName: 'test-app',
      revision: randomBytes(20).toString('hex'),
      revisionDisplay: 'r-preview',
      bundleDigest: digest,
      prune: true,
      ignoreDifferences: [],
      force: false,
      expiresAt: new Date(Date.now() + 300_000).toISOString(),
      ...extra,
    };
    this.queuedPreviews.push(job);
    return job;
  }

  previewResult(previewId: string, result: PreviewResultV1): Promise<ReportAckV1> {
    this.check();
    if (this.refusePreviews !== null)
      return Promise.reject(new HubRejectedError(this.refusePreviews, `preview ${previewId}`));
    const fresh = !this.seen.has(result.reportId);
    this.seen.add(result.reportId);
    if (fresh) this.previewResults.push({ previewId, result });
    return Promise.resolve({ recorded: fresh });
  }

  private check(): void {
    if (this.down) throw new HubUnavailableError('connect ECONNREFUSED (hub down in this test)');
  }

  register(): Promise<RegisterResponseV1> {
    this.check();
    this.registrations++;
    return Promise.resolve({ clusterId: 'c1', clusterName: 'c1', credential: this.credential });
  }

  async jobs(waitSeconds: number, limit: number, signal?: AbortSignal): Promise<JobsAnswer> {
    this.check();
    if (this.queued.length === 0 && this.queuedPreviews.length === 0)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(waitSeconds, 1) * 1000);
        signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    this.check();
    return { jobs: this.queued.splice(0, limit), previews: this.queuedPreviews.splice(0) };
  }

  bundle(digest: string): Promise<Buffer> {
    this.check();
    const b = this.bundles.get(digest);
    return b ? Promise.resolve(b) : Promise.reject(new HubRejectedError(404, `bundle ${digest}`));
  }

  result(jobId: string, result: JobResultV1): Promise<ReportAckV1> {
    this.check();
    const fresh = !this.seen.has(result.reportId);
    this.seen.add(result.reportId);
    if (fresh) this.results.push({ jobId, result });
    return Promise.resolve({ recorded: fresh });
  }

  status(report: StatusReportV1): Promise<ReportAckV1> {
    this.check();
    const fresh = !this.seen.has(report.reportId);
    this.seen.add(report.reportId);
    if (fresh) this.statuses.push(report);
    return Promise.resolve({ recorded: fresh });
  }

  heartbeat(): Promise<void> {
    this.check();
    return Promise.resolve();
  }

  /** Job ids whose lease the agent renewed, once per renewal. */
  readonly renewals: string[] = [];

  renewLease(jobId: string): Promise<JobLeaseV1> {
    this.check();
    this.renewals.push(jobId);
    return Promise.resolve({
      leaseExpiresAt: new Date(Date.now() + 120_000).toISOString(),
      leaseSeconds: 120,
    });
  }

  setCredential(credential: string): void {
    this.credentialSet = credential;
  }

  /** drift.* events recorded so far. */
  events(type: string): StatusReportV1['events'] {
    return this.statuses.flatMap((s) => s.events).filter((e) => e.type === type);
  }
}

/** A sync job as the hub would hand it out. */
export function syncJob(applicationId: string, bundleDigest: string, extra: Partial<JobV1> = {}): JobV1 {
  return {
    id: randomUUID(),
    kind: 'sync',
    applicationId,
    applicationName: 'test-app',
    revision: randomBytes(20).toString('hex'),
    revisionDisplay: 'r1',
    bundleDigest,
    prune: true,
    selfHeal: true,
    ignoreDifferences: [],
    force: false,
    attempt: 1,
    leaseExpiresAt: new Date(Date.now() + 120_000).toISOString(),
    ...extra,
  };
}

/** An in-process agent against a real API server; logs are kept for assertions. */
export function testAgent(opts: {
  client: KubeClusterClient;
  hub: HubClient;
  store: StateStore;
  namespace: string;
  registrationToken?: string | null;
}): { agent: Agent; logs: Record<string, unknown>[]; metrics: AgentMetrics } {
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    }),
  );
  const metrics = createAgentMetrics();
  const agent = new Agent({
    client: opts.client,
    hub: opts.hub,
    store: opts.store,
    logger,
    metrics,
    agentVersion: 'test',
    namespace: opts.namespace,
    registrationToken: opts.registrationToken ?? null,
    pollWaitSeconds: 1,
    heartbeatSeconds: 1,
    concurrency: 4,
    reportBufferSize: 100,
  });
  return { agent, logs, metrics };
}

/** Polls `fn` every `intervalMs` (50 ms) until it returns a truthy value or the time is up. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T> | T,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
