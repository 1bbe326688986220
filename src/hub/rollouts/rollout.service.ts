import { Inject, Injectable, Logger } from '@nestjs/common';
import { SYSTEM_ACTOR, type Actor } from '../../domain/audit-chain.js';
import { gateChanges, OPEN_ROLLOUT_STATES, type RolloutState } from '../../domain/rollout/rollout-gate.js';
import { planRollout, type PlannedStage } from '../../domain/rollout/rollout-plan.js';
import { clusterProgress } from '../../domain/rollout/rollout-progress.js';
import { rolloutStep, type RolloutStep } from '../../domain/rollout/rollout-step.js';
import { type ApplicationEntity } from '../applications/application.entity.js';
import { ApplicationRepository } from '../applications/application.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { type Tx } from '../database/data-source.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { RolloutMoves } from './rollout-moves.service.js';
import { type RolloutClusterView, RolloutRepository } from './rollout.repository.js';
import { type RolloutEntity, type RolloutHistoryEntry } from './rollout.entity.js';

/** A cluster whose bundle changed in a re-render of an application with a strategy. */
export interface GateCandidate {
  cluster: { id: string; name: string; labels: Record<string, string> };
  digest: string;
  /** The desired state in force before (what a rollback returns to). */
  before: { bundleDigest: string | null; revision: string | null; revisionDisplay: string | null } | null;
}

/** Entries a rollout's timeline keeps (the audit trail keeps them all). */
const MAX_HISTORY = 500;
/** Cluster names one audit entry lists; the rest are counted. */
const MAX_NAMED = 50;

/**
 * Staged rollouts (issue 16), the engine: holds an application's changes back in a rollout when
 * it is re-rendered ({@link gate}), and moves a rollout on ({@link advance}) — a batch at a time,
 * as the pure {@link rolloutStep} decides from the plan, the rollout's position and each
 * cluster's status. Every step runs in one transaction under the rollout's row lock, so any
 * replica may take it and a hub killed halfway leaves the rollout where its last commit put it.
 */
@Injectable()
export class RolloutService {
  private readonly log = new Logger('rollouts');

  constructor(
    @Inject(RolloutRepository) private readonly rollouts: RolloutRepository,
    @Inject(RolloutMoves) private readonly moves: RolloutMoves,
    @Inject(ApplicationRepository) private readonly apps: ApplicationRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Decides, in the re-render's transaction, which changed clusters go out now (returned) and
   * which a rollout holds (see `rollout-gate.ts` for the rules); starts a rollout when one is due.
   * Only for an application with a strategy. `targeted`: every cluster it targets now.
   */
  async gate(
    tx: Tx,
    app: ApplicationEntity,
    revision: { id: string; display: string },
    candidates: GateCandidate[],
    actor: Actor,
    targeted: ReadonlySet<string>,
  ): Promise<Set<string>> {
    const latest = await this.rollouts.latest(tx, app.id, true);
    const open = latest !== null && OPEN_ROLLOUT_STATES.includes(latest.state);
    // a cluster that left the application's targets is no longer the rollout's: it neither waits
    // for its batch nor holds one (one it already moved gets its removal job from the re-render)
    if (open) await this.rollouts.dropOthers(tx, latest.id, [...targeted]);
    if (candidates.length === 0) return new Set();
    const held = latest ? await this.rollouts.targets(tx, latest.id) : new Map();
    const decision = gateChanges(
      revision.id,
      candidates.map((c) => ({ clusterId: c.cluster.id, digest: c.digest })),
      latest ? { state: latest.state, revision: latest.revision, clusters: held } : null,
    );
    if (latest) await this.rollouts.retarget(tx, latest.id, decision.retarget);
    if (decision.start) {
      const starting = new Set(decision.start.map((c) => c.clusterId));
      const chosen = candidates.filter((c) => starting.has(c.cluster.id));
      const plan = planRollout(
        app.rollout!,
        chosen.map((c) => c.cluster),
      );
      // Every changed cluster outside the strategy's stages: they keep what they run, and no
      // rollout is started for nothing.
      if (plan.stages.some((s) => s.batches.length > 0)) {
        let waitFor: string[] = [];
        if (decision.supersede && latest) {
          const views = await this.rollouts.clusters(tx, latest);
          waitFor = views.filter((v) => v.startedAt && v.jobUnfinished).map((v) => v.clusterId);
          await this.end(tx, app, latest, 'superseded', `superseded by revision ${revision.display}`, actor);
        }
        await this.start(tx, app, revision, chosen, plan, waitFor, actor);
      }
    }
    return new Set(decision.now);
  }

  /**
   * Ends the application's open rollout, if any, as superseded, in the caller's transaction: its
   * strategy was removed, so its changes now reach every cluster at once.
   */
  async strategyRemoved(tx: Tx, app: ApplicationEntity, actor: Actor): Promise<void> {
    const latest = await this.rollouts.latest(tx, app.id, true);
    if (latest && OPEN_ROLLOUT_STATES.includes(latest.state))
      await this.end(
        tx,
        app,
        latest,
        'superseded',
        'the application no longer has a rollout strategy',
        actor,
      );
  }

  /**
   * One step of a progressing rollout, under its row lock (skipped when another replica holds
   * it). Returns the step taken, or null when the rollout was not progressing or was held.
   */
  async advance(rolloutId: string): Promise<RolloutStep | null> {
    return this.uow.run(async (tx) => {
      const r = await this.rollouts.lockOpen(tx, rolloutId);
      if (!r || r.state !== 'progressing') return null;
      const app = await this.apps.findByIdOrName(r.applicationId, tx);
      if (!app || app.deleting) {
        if (app) await this.end(tx, app, r, 'aborted', 'the application is being deleted', SYSTEM_ACTOR);
        return null;
      }
      const views = await this.rollouts.clusters(tx, r);
      if (r.waitFor.length) {
        if (await this.rollouts.anyUnfinished(tx, r.applicationId, r.waitFor)) {
          await this.wait(tx, r, null, 'the running batch of the rollout it superseded is finishing');
          return { kind: 'wait', reason: 'superseded batch finishing' } as const;
        }
        r.waitFor = [];
      }
      const step = this.nextStep(r, views);
      await this.take(tx, app, r, views, step, SYSTEM_ACTOR);
      return step;
    });
  }

  /** The step the rollout's plan, position and clusters call for now. */
  nextStep(r: RolloutEntity, views: RolloutClusterView[]): RolloutStep {
    const byId = new Map(views.map((v) => [v.clusterId, v]));
    return rolloutStep(
      presentPlan(r.plan, byId),
      r.position,
      (id) => clusterProgress(byId.get(id)!),
      this.clock.now(),
    );
  }

  /** Carries out a step: the writes, the timeline and the audit entries, in the caller's transaction. */
  async take(
    tx: Tx,
    app: ApplicationEntity,
    r: RolloutEntity,
    views: RolloutClusterView[],
    step: RolloutStep,
    actor: Actor,
  ): Promise<void> {
    const plan = r.plan;
    const names = new Map(views.map((v) => [v.clusterId, v.clusterName]));
    // Leaving a started batch for a later one, an approval gate or the end: that batch baked.
    if (step.kind === 'start-batch' || step.kind === 'await-approval' || step.kind === 'complete') {
      const { stage, batch } = r.position;
      if (batch >= 0 && stage < plan.length && !(step.kind === 'await-approval' && step.stage === stage))
        await this.event(tx, app, r, actor, 'rollout.batch.healthy', { stage, batch });
    }
    switch (step.kind) {
      case 'wait':
        await this.wait(tx, r, step.until ?? null, step.reason);
        return;
      case 'start-batch': {
        const moving = views.filter((v) => step.clusters.includes(v.clusterId));
        await this.moves.move(tx, app, r, moving, actor);
        r.position = { ...r.position, stage: step.stage, batch: step.batch };
        r.reason = null;
        r.checkAt = null;
        await this.event(tx, app, r, actor, 'rollout.batch.started', {
          stage: step.stage,
          batch: step.batch,
          clusters: step.clusters.map((c) => names.get(c) ?? c),
        });
        return;
      }
      case 'await-approval':
        r.position = { ...r.position, stage: step.stage, batch: -1 };
        r.state = 'awaiting-approval';
        r.reason = `stage ${plan[step.stage].name} needs approval: promote the rollout to start it`;
        await this.event(tx, app, r, actor, 'rollout.paused', { stage: step.stage, reason: r.reason });
        return;
      case 'stop': {
        const failed = step.failed.map((c) => names.get(c) ?? c);
        if (r.onFailure === 'rollback') {
          const moved = views.filter((v) => v.startedAt && !v.rolledBackAt);
          await this.moves.moveBack(tx, app, r, moved, actor);
          await this.end(tx, app, r, 'rolled-back', step.reason, actor, { failed });
        } else {
          r.state = 'paused';
          r.reason = step.reason;
          await this.event(tx, app, r, actor, 'rollout.paused', {
            stage: step.stage,
            reason: step.reason,
            failed,
          });
        }
        return;
      }
      case 'complete':
        r.position = { ...r.position, stage: plan.length, batch: -1 };
        await this.end(tx, app, r, 'completed', null, actor);
        return;
    }
  }

  /** Ends a rollout in a final state, audited. */
  async end(
    tx: Tx,
    app: ApplicationEntity,
    r: RolloutEntity,
    state: Extract<RolloutState, 'completed' | 'aborted' | 'rolled-back' | 'superseded'>,
    reason: string | null,
    actor: Actor,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    r.state = state;
    r.reason = reason;
    r.endedAt = this.clock.now();
    r.checkAt = null;
    await this.event(tx, app, r, actor, `rollout.${state}`, { reason, ...extra });
  }

  /** Appends to the timeline, audits, and writes the rollout. */
  async event(
    tx: Tx,
    app: ApplicationEntity,
    r: RolloutEntity,
    actor: Actor,
    action: string,
    what: {
      stage?: number;
      batch?: number;
      clusters?: string[];
      reason?: string | null;
      [k: string]: unknown;
    },
  ): Promise<void> {
    const entry: RolloutHistoryEntry = { at: this.clock.now().toISOString(), action, actor: actor.name };
    if (what.stage !== undefined) entry.stage = what.stage;
    if (what.batch !== undefined) entry.batch = what.batch;
    if (what.reason) entry.reason = what.reason;
    r.history = [...r.history, entry].slice(-MAX_HISTORY);
    await this.rollouts.update(tx, r);
    const stage = what.stage !== undefined ? r.plan[what.stage] : undefined;
    const { clusters, ...rest } = what;
    await this.audit.record(tx, {
      actor,
      action,
      applicationId: app.id,
      revision: r.revision,
      details: {
        ...rest,
        application: app.name,
        rollout: r.id,
        display: r.revisionDisplay,
        ...(stage ? { stage: stage.name } : {}),
        ...(what.batch !== undefined && stage ? { batch: `${what.batch + 1}/${stage.batches.length}` } : {}),
        ...(clusters ? { clusterCount: clusters.length, clusters: clusters.slice(0, MAX_NAMED) } : {}),
      },
    });
  }

  private async start(
    tx: Tx,
    app: ApplicationEntity,
    revision: { id: string; display: string },
    chosen: GateCandidate[],
    plan: ReturnType<typeof planRollout>,
    waitFor: string[],
    actor: Actor,
  ): Promise<void> {
    const r: RolloutEntity = {
      id: this.secrets.uuid(),
      applicationId: app.id,
      revision: revision.id,
      revisionDisplay: revision.display,
      state: 'progressing',
      onFailure: app.rollout!.onFailure,
      plan: plan.stages,
      position: { stage: 0, batch: -1, approved: [], accepted: [] },
      reason: null,
      waitFor,
      history: [],
      startedBy: actor.name,
      checkAt: null,
      createdAt: this.clock.now(),
      updatedAt: this.clock.now(),
      endedAt: null,
    };
    const { createdAt: _c, updatedAt: _u, ...row } = r;
    await this.rollouts.insert(tx, row);
    const where = new Map<string, { stage: number; batch: number }>();
    plan.stages.forEach((s, stage) =>
      s.batches.forEach((b, batch) => b.forEach((c) => where.set(c, { stage, batch }))),
    );
    await this.rollouts.insertClusters(
      tx,
      chosen.map((c) => ({
        rolloutId: r.id,
        clusterId: c.cluster.id,
        // outside every stage: held, shown, never started
        stage: where.get(c.cluster.id)?.stage ?? -1,
        batch: where.get(c.cluster.id)?.batch ?? -1,
        bundleDigest: c.digest,
        previousDigest: c.before?.bundleDigest ?? null,
        previousRevision: c.before?.revision ?? null,
        previousRevisionDisplay: c.before?.revisionDisplay ?? null,
        startedAt: null,
        rolledBackAt: null,
      })),
    );
    await this.event(tx, app, r, actor, 'rollout.started', {
      stages: plan.stages.map((s) => `${s.name} (${s.batches.flat().length})`),
      clusterCount: chosen.length,
      outside: plan.outside.length,
    });
    this.log.log(`${app.name}: rollout of ${revision.display} to ${chosen.length} clusters started`);
  }

  private async wait(tx: Tx, r: RolloutEntity, until: Date | null, reason: string): Promise<void> {
    if (r.reason === reason && (r.checkAt?.getTime() ?? null) === (until?.getTime() ?? null)) return;
    r.reason = reason;
    r.checkAt = until;
    await this.rollouts.update(tx, r);
  }
}

/** The plan without clusters deleted since it was made (a deleted cluster holds nothing back). */
function presentPlan(plan: PlannedStage[], present: ReadonlyMap<string, unknown>): PlannedStage[] {
  return plan.map((s) => ({ ...s, batches: s.batches.map((b) => b.filter((c) => present.has(c))) }));
}
