/**
 * The agent process's brain: registers once, enforces the stored desired state (hub or no
 * hub), long-polls for jobs, runs them through the applier one application at a time, watches
 * for drift, and reports — through a bounded buffer, so reports made while the hub is away
 * arrive once it is back.
 */
import { DEFAULT_SOPS_KEY_SECRET, SopsDecryptor, type SopsKeyRef } from './secrets/sops.js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { backoffDelay } from '../domain/retry-backoff.js';
import { MemoryReclaim } from './memory-reclaim.js';
import { redactedValuesOf, redactionKeyOf } from '../domain/apply/redaction.js';
import { OPEN_POLICY, type ObjectPolicy } from '../domain/object-policy.js';
import { bundleDigest, parseCanonicalBundle } from '../domain/render/canonical-bundle.js';
import { type JobV1, type ResourceResultV1, type StatusReportV1 } from '../protocol/v1/agent-protocol.js';
import { Applier } from './apply/applier.js';
import type { ReconcileOutcome } from './apply/apply.types.js';
import { ConfigMapInventoryStore } from './apply/inventory-store.js';
import type { ClusterClient } from './cluster/cluster-client.js';
import { DriftWatcher, type DriftNotice } from './drift-watcher.js';
import { HealthBatcher } from './health-batcher.js';
import { HealthChecks } from './health-checks.js';
import { failed } from './apply/reconcile-outcomes.js';
import { runHeartbeats } from './heartbeats.js';
import { HubRejectedError, type HubClient } from './hub-client.js';
import { LeaseKeeper } from './lease-keeper.js';
import type { AgentMetrics } from './metrics-server.js';
import { countActions, driftReport, scrubOutcome, statusReport } from './agent-reports.js';
import { ReportBuffer } from './report-buffer.js';
import { AgentSealing } from './sealing/agent-sealing.js';
import { AgentPreviews } from './preview/agent-previews.js';
import { resultReportId } from './report-ids.js';
import type { DesiredState, StateStore } from './state-store.js';

/** What the agent is made of; every outside call sits behind one of these. */
export interface AgentDeps {
  client: ClusterClient;
  hub: HubClient;
  store: StateStore;
  logger: Logger;
  metrics: AgentMetrics;
  agentVersion: string;
  namespace: string;
  registrationToken: string | null;
  pollWaitSeconds: number;
  heartbeatSeconds: number;
  concurrency: number;
  reportBufferSize: number;
  /** The cluster owner's install-time guardrail; absent: everything allowed. */
  guardrail?: ObjectPolicy;
  /** Default time an object (or hook) of a gated wave may take to become Current. */
  healthTimeoutMs?: number;
  /** The Secret holding the SOPS age key; default `flotilla-sops-age` in the agent's namespace. */
  sopsKeySecret?: SopsKeyRef;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** First retry of a stored state that could not be enforced; doubles up to the maximum. */
const ENFORCE_RETRY_MS = 5_000;
const ENFORCE_RETRY_MAX_MS = 300_000;

/** Kept here for callers of an earlier layout; defined in report-ids.ts. */
export { resultReportId };

/** See the module comment. */
export class Agent {
  private readonly applier: Applier;
  private readonly leases: LeaseKeeper;
  private readonly watcher: DriftWatcher;
  readonly buffer: ReportBuffer;
  private readonly desired = new Map<string, DesiredState>();
  private readonly reclaim = new MemoryReclaim();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly bundles = new Map<string, Buffer>();
  private readonly healthChecks = new HealthChecks();
  /** When the hub last answered a long-poll: heartbeats are skipped while that is recent. */
  private lastPollAnswerMs = 0;
  private readonly abort = new AbortController();
  /** Failed retryable enforcements of the stored state, per application (for the backoff). */
  private readonly enforceAttempts = new Map<string, number>();
  private kubernetesVersion = 'unknown';
  /** Health changes without drift, sent a second later in few reports. */
  private readonly health = new HealthBatcher((reports) => {
    for (const body of reports) this.buffer.push({ type: 'status', body });
    void this.buffer.flush();
  });
  /**
   * Key of the hashes that stand in for redacted values in drift reports; derived from the
   * credential once known, so markers stay comparable across restarts (random until then).
   */
  private redactionKey: Uint8Array = randomBytes(32);
  /** Sealed secrets: the cluster's age identities, unsealing, values to scrub. */
  private readonly sealing: AgentSealing;
  /** Preview jobs: their own small queue, no application lock (they write nothing). */
  private readonly previews: AgentPreviews;
  ready = false;

  constructor(private readonly d: AgentDeps) {
    this.sealing = new AgentSealing(d.logger);
    const inventory = new ConfigMapInventoryStore(d.client, d.namespace);
    const sops = new SopsDecryptor(
      d.client,
      d.sopsKeySecret ?? { namespace: d.namespace, name: DEFAULT_SOPS_KEY_SECRET },
    );
    this.applier = new Applier(d.client, inventory, {
      concurrency: d.concurrency,
      guardrail: d.guardrail,
      healthTimeoutMs: d.healthTimeoutMs,
      sops,
    });
    this.previews = new AgentPreviews({
      client: d.client,
      inventory,
      guardrail: d.guardrail ?? OPEN_POLICY,
      sops,
      unseal: (objects) => this.sealing.unsealOnly(objects),
      concurrency: d.concurrency,
      hub: d.hub,
      logger: d.logger,
      bundle: (digest) => this.bundleBytes(digest, null),
      signal: this.abort.signal,
    });
    this.leases = new LeaseKeeper(d.hub, d.logger);
    this.watcher = new DriftWatcher(
      d.client,
      {
        detected: (n) => this.onDrift('drift.detected', n),
        corrected: (n) =>
          this.onDrift('drift.corrected', { ...n, health: { status: 'Current', message: 'corrected' } }),
        failed: (n, e) => {
          d.metrics.drift.inc({ event: 'failed' });
          d.logger.warn({ resource: n.resource, err: (e as Error).message }, 'self-heal failed');
        },
        watchError: (kind, e) => d.logger.warn({ kind, err: (e as Error).message }, 'watch restarting'),
        healthChanged: (c) => this.health.add(c),
      },
      () => this.redactionKey,
    );
    this.buffer = new ReportBuffer(d.hub, d.reportBufferSize, {
      dropped: (_r, total) => {
        d.metrics.reportsDropped.inc();
        d.logger.warn({ droppedTotal: total }, 'report buffer full: oldest report dropped');
      },
      rejected: (r, e) => d.logger.error({ type: r.type, err: e.message }, 'hub refused a report; dropped'),
      sizeChanged: (n) => d.metrics.reportsBuffered.set(n),
    });
  }

  /** Starts everything; resolves once stored state is being enforced and polling has begun. */
  async start(): Promise<void> {
    const { client, logger } = this.d;
    this.kubernetesVersion = await this.untilOk('kubernetes version', () => client.serverVersion());
    await client
      .apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.d.namespace } })
      .catch((e: Error) => logger.warn({ err: e.message }, 'cannot ensure the agent namespace'));
    const stored = await this.untilOk('stored credential', () => this.d.store.loadCredential());
    if (stored) this.redactionKey = redactionKeyOf(stored);
    await this.untilOk('age identity', () => this.sealing.load(this.d.store));
    for (const state of await this.untilOk('stored state', () => this.d.store.listDesired())) {
      // `desired` holds what is in force; a pending job is not, until it succeeds.
      if (!state.pending || state.pending.id !== state.job.id)
        this.desired.set(state.job.applicationId, { job: state.job });
      this.enqueue(state.job.applicationId, () => this.enforce(state));
    }
    logger.info({ applications: this.desired.size }, 'enforcing stored desired state');
    void this.connect().then(() => {
      void this.pollLoop();
      void runHeartbeats({
        client: this.d.client,
        hub: this.d.hub,
        logger: this.d.logger,
        agentVersion: this.d.agentVersion,
        kubernetesVersion: () => this.kubernetesVersion,
        intervalSeconds: this.d.heartbeatSeconds,
        connected: (ok) => this.connected(ok),
        ageRecipient: () => this.sealing.recipient,
        answered: (answer) => this.sealing.answered(answer),
        lastContactMs: () => this.lastPollAnswerMs,
        quietSeconds: this.d.pollWaitSeconds + this.d.heartbeatSeconds,
        signal: this.abort.signal,
      });
    });
    this.ready = true;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.reclaim.stop();
    this.watcher.stop();
    await Promise.allSettled([...this.queues.values()]);
    await this.buffer.flush().catch(() => false);
  }

  /** Number of objects under drift watch. */
  get managedObjects(): number {
    return this.watcher.objectCount;
  }

  private async untilOk<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (this.abort.signal.aborted) throw e;
        const wait = backoffDelay({ baseMs: 1000, maxMs: 10_000 }, attempt, Math.random());
        this.d.logger.warn({ err: (e as Error).message, retryInMs: wait }, `${what}: retrying`);
        await sleep(wait, this.abort.signal);
      }
    }
  }

  /** Loads the credential, registering with the token on first start. */
  private async connect(): Promise<void> {
    let credential = await this.d.store.loadCredential();
    if (!credential) {
      if (!this.d.registrationToken) throw new Error('no stored credential and no --registration-token');
      const res = await this.untilOk('registration', async () => {
        try {
          return await this.d.hub.register(
            this.d.registrationToken!,
            this.d.agentVersion,
            this.kubernetesVersion,
            this.sealing.recipient,
          );
        } catch (e) {
          if (e instanceof HubRejectedError) {
            this.d.logger.fatal({ err: e.message }, 'registration refused');
            process.exitCode = 2;
            this.abort.abort();
          }
          throw e;
        }
      });
      credential = res.credential;
      await this.d.store.saveCredential(credential);
      this.d.logger.info({ clusterId: res.clusterId, clusterName: res.clusterName }, 'registered');
    }
    this.d.hub.setCredential(credential);
    this.redactionKey = redactionKeyOf(credential);
  }

  private connected(ok: boolean): void {
    this.d.metrics.hubConnected.set(ok ? 1 : 0);
    if (ok && this.buffer.size > 0) void this.buffer.flush();
  }

  private async pollLoop(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        const { jobs, previews } = await this.d.hub.jobs(this.d.pollWaitSeconds, 10, this.abort.signal);
        this.connected(true);
        this.lastPollAnswerMs = Date.now();
        failures = 0;
        for (const preview of previews) this.previews.submit(preview);
        for (const job of jobs) {
          this.d.logger.info(
            {
              jobId: job.id,
              kind: job.kind,
              application: job.applicationName,
              revision: job.revisionDisplay,
            },
            'job received',
          );
          // The lease is kept from now: the job may first wait behind another of its application.
          const lease = this.leases.keep(job);
          this.enqueue(job.applicationId, () => this.runJob(job).finally(() => lease.stop()));
        }
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.connected(false);
        // jittered: every agent lost the hub at the same moment when it restarted
        const wait = backoffDelay({ baseMs: 1000, maxMs: 10_000 }, failures++, Math.random());
        this.d.logger.warn({ err: (e as Error).message, retryInMs: wait }, 'polling the hub failed');
        await sleep(wait, this.abort.signal);
      }
    }
  }

  /** Runs work for one application after the previous work for it, never two at once. */
  private enqueue(applicationId: string, work: () => Promise<unknown>): void {
    const next = (this.queues.get(applicationId) ?? Promise.resolve())
      .then(async () => void (await work()))
      .catch((e: Error) => this.d.logger.error({ applicationId, err: e.message }, 'work failed'));
    this.queues.set(applicationId, next);
  }

  /**
   * A bundle: memory, then the state store, then the copy its job carries, then the hub; always
   * digest-checked. Stored for the application of a job; a preview (`applicationId` null) stores
   * and caches nothing.
   */
  private async bundleBytes(digest: string, applicationId: string | null, carried?: string): Promise<Buffer> {
    const held = this.bundles.get(digest) ?? (await this.d.store.loadBundle(digest));
    if (held && bundleDigest(held) === digest) return held;
    // a carried copy that does not match is ignored: the hub's own answer decides
    const copy = carried === undefined ? null : Buffer.from(carried, 'utf8');
    const bytes = copy && bundleDigest(copy) === digest ? copy : await this.d.hub.bundle(digest);
    if (bytes !== copy && bundleDigest(bytes) !== digest)
      throw new Error(`bundle ${digest}: digest mismatch`);
    if (applicationId) await this.d.store.saveBundle(applicationId, digest, bytes);
    return bytes;
  }

  /** The bundle of a job (see {@link bundleBytes}), kept in memory while it is in force. */
  private async bundle(job: JobV1): Promise<Buffer> {
    const digest = job.bundleDigest!;
    const bytes = await this.bundleBytes(digest, job.applicationId, job.bundle);
    // Only the current bundle of each application is worth keeping in memory.
    this.bundles.set(digest, bytes);
    const live = new Set([...this.desired.values()].map((s) => s.job.bundleDigest).concat(digest));
    for (const key of this.bundles.keys()) if (!live.has(key)) this.bundles.delete(key);
    return bytes;
  }

  private async reconcile(job: JobV1): Promise<ReconcileOutcome> {
    const checks = job.kind === 'sync' ? this.healthChecks.of(job) : { ok: true as const, health: undefined };
    if (!checks.ok) return failed(checks.message, false, [], []);
    return this.applier.reconcile({
      applicationId: job.applicationId,
      applicationName: job.applicationName,
      kind: job.kind,
      prune: job.prune,
      force: job.force,
      fetchBundle: () => this.bundle(job),
      policy: job.policy,
      unseal: this.sealing.unsealFor(job.applicationId),
      health: checks.health,
    });
  }

  /** After a start: resume an interrupted job, or re-apply the last desired state. */
  private async enforce(state: DesiredState): Promise<void> {
    if (state.pending) {
      // Its lease may still be ours (a quick restart); if not, the hub refuses and renewals stop.
      const lease = this.leases.keep(state.pending);
      const resumed = await this.runJob(state.pending).finally(() => lease.stop());
      if (resumed.outcome === 'succeeded' || state.pending.id === state.job.id) return;
      // The interrupted job cannot finish now (its bundle needs the hub, say): what was in
      // force before it still is, and is enforced and watched until the job is retried.
      this.d.logger.warn(
        { application: state.job.applicationName, message: resumed.message },
        'interrupted job failed; enforcing the previous desired state',
      );
      state = { job: state.job };
    }
    const busy = this.watcher.busy(state.job.applicationId);
    let outcome: ReconcileOutcome;
    try {
      outcome = await this.reconcile(state.job);
    } finally {
      busy.done();
    }
    this.d.logger.info(
      { application: state.job.applicationName, outcome: outcome.outcome, message: outcome.message },
      'stored desired state enforced',
    );
    const appId = state.job.applicationId;
    if (outcome.outcome === 'succeeded') {
      this.enforceAttempts.delete(appId);
      this.watch(state.job, outcome);
    } else if (outcome.retryable && !this.abort.signal.aborted) {
      const attempts = (this.enforceAttempts.get(appId) ?? 0) + 1;
      this.enforceAttempts.set(appId, attempts);
      const delay = Math.min(ENFORCE_RETRY_MS * 2 ** (attempts - 1), ENFORCE_RETRY_MAX_MS);
      this.d.logger.info({ application: state.job.applicationName, retryInMs: delay }, 'enforce: retrying');
      const timer = setTimeout(
        () =>
          this.enqueue(appId, async () => {
            // A job may have replaced this state meanwhile: re-applying the old one would undo it.
            if (this.desired.get(appId)?.job.id !== state.job.id) return;
            await this.enforce(state);
          }),
        delay,
      );
      timer.unref();
    }
    this.reportStatus(appId, outcome.resources, []);
  }

  private async runJob(job: JobV1): Promise<ReconcileOutcome> {
    const appId = job.applicationId;
    const previous = this.desired.get(appId);
    await this.d.store.saveDesired(appId, { job: previous?.job ?? job, pending: job });
    const busy = this.watcher.busy(appId);
    let outcome: ReconcileOutcome;
    try {
      outcome = this.scrubbed(job, await this.reconcile(job));
    } finally {
      busy.done();
    }
    this.d.metrics.reconciles.inc({ outcome: outcome.outcome });
    this.d.logger.info(
      {
        jobId: job.id,
        application: job.applicationName,
        kind: job.kind,
        outcome: outcome.outcome,
        message: outcome.message,
        counts: countActions(outcome.resources),
      },
      'job done',
    );
    if (job.kind === 'remove' && outcome.outcome === 'succeeded') {
      this.watcher.removeApplication(appId);
      this.desired.delete(appId);
      await this.d.store.removeDesired(appId);
    } else if (job.kind === 'sync' && outcome.outcome === 'succeeded') {
      this.watch(job, outcome);
      this.desired.set(appId, { job });
      await this.d.store.saveDesired(appId, { job });
    } else if (previous) {
      await this.d.store.saveDesired(appId, previous);
    } else await this.d.store.removeDesired(appId);
    this.buffer.push({
      type: 'result',
      jobId: job.id,
      body: {
        reportId: resultReportId(job),
        outcome: outcome.outcome,
        ...(outcome.outcome === 'failed' ? { retryable: outcome.retryable } : {}),
        ...(outcome.message ? { message: outcome.message.slice(0, 60_000) } : {}),
        resources: outcome.resources,
        inventory: outcome.inventory,
        ...(outcome.hooks ? { hooks: outcome.hooks } : {}),
      },
    });
    this.reclaim.afterJob(outcome.resources.length);
    // No status report follows: the hub takes the objects' health from the result and clears
    // their drift when it succeeded, so one would only repeat it.
    void this.buffer.flush();
    return outcome;
  }

  /**
   * The outcome with the bundle's secret values cut out of every message: an API server's
   * error can quote the value it refused (a malformed Secret), and messages go to the hub,
   * its audit trail and the log.
   */
  private scrubbed(job: JobV1, outcome: ReconcileOutcome): ReconcileOutcome {
    const bytes = job.bundleDigest ? this.bundles.get(job.bundleDigest) : undefined;
    const hasMessages =
      outcome.message ||
      outcome.resources.some((r) => r.message || r.healthMessage) ||
      outcome.hooks?.some((h) => h.message);
    if (!bytes || !hasMessages) return outcome;
    let values: string[];
    try {
      values = redactedValuesOf(parseCanonicalBundle(bytes));
    } catch {
      return outcome; // the applier already reported the malformed bundle
    }
    // what sealed secrets decrypted to is as secret as a plain Secret's values
    values = values.concat(this.sealing.valuesOf(job.applicationId)).sort((a, b) => b.length - a.length);
    return scrubOutcome(outcome, values);
  }

  private watch(job: JobV1, outcome: ReconcileOutcome): void {
    // compiled already when the job ran (kept by rule set)
    const checks = this.healthChecks.of(job);
    this.watcher.setDesired(
      {
        applicationId: job.applicationId,
        revision: job.revision,
        selfHeal: job.selfHeal,
        ignoreDifferences: job.ignoreDifferences,
        health: checks.ok ? checks.health : undefined,
      },
      outcome.applied,
    );
    this.d.metrics.managedObjects.set(this.watcher.objectCount);
  }

  private reportStatus(
    applicationId: string,
    resources: ResourceResultV1[],
    events: StatusReportV1['events'],
  ): void {
    const report = statusReport(applicationId, resources, events);
    if (report.resources.length === 0 && events.length === 0) return;
    this.buffer.push({ type: 'status', body: report });
    void this.buffer.flush();
  }

  private onDrift(type: 'drift.detected' | 'drift.corrected', n: DriftNotice): void {
    this.d.metrics.drift.inc({ event: type === 'drift.detected' ? 'detected' : 'corrected' });
    this.d.logger.info({ event: type, resource: n.resource, diff: n.diff }, type);
    this.buffer.push({ type: 'status', body: driftReport(type, n) });
    void this.buffer.flush();
  }
}
