import { Inject, Injectable } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { OPEN_ROLLOUT_STATES } from '../../domain/rollout/rollout-gate.js';
import { clusterProgress } from '../../domain/rollout/rollout-progress.js';
import { type ApplicationEntity } from '../applications/application.entity.js';
import { ApplicationService } from '../applications/application.service.js';
import { type Principal } from '../auth/principal.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { type RolloutDto, type RolloutListDto, toRolloutDto } from './rollout.dto.js';
import { RolloutMoves } from './rollout-moves.service.js';
import { RolloutRepository } from './rollout.repository.js';
import { RolloutRunner } from './rollout-runner.service.js';
import { RolloutService } from './rollout.service.js';
import { type RolloutEntity } from './rollout.entity.js';

/** What an operator can do to a rollout. */
export type RolloutCommand = 'promote' | 'pause' | 'resume' | 'abort' | 'retry';

/**
 * Reading rollouts and steering them (issue 16): each command runs in one transaction under the
 * rollout's row lock, is audited with its actor and reason, and makes the rollout look again at
 * once. A command that does not apply to the rollout's state is a 409 naming the state.
 */
@Injectable()
export class RolloutCommandsService {
  constructor(
    @Inject(ApplicationService) private readonly apps: ApplicationService,
    @Inject(RolloutRepository) private readonly rollouts: RolloutRepository,
    @Inject(RolloutService) private readonly engine: RolloutService,
    @Inject(RolloutMoves) private readonly moves: RolloutMoves,
    @Inject(RolloutRunner) private readonly runner: RolloutRunner,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
  ) {}

  /** The application's latest rollout (or the one named), with every cluster's progress. */
  async status(key: string, principal: Principal, rolloutId?: string): Promise<RolloutDto> {
    const app = await this.apps.requireAs(key, principal, 'viewer');
    const r = rolloutId
      ? await this.rollouts.find(app.id, rolloutId)
      : await this.rollouts.latest(undefined, app.id);
    if (!r) throw new NotFoundError('rollout', rolloutId ?? `of application ${app.name}`);
    return toRolloutDto(
      app.name,
      r,
      await this.rollouts.clusters(undefined, r),
      this.engine.nextStep.bind(this.engine),
    );
  }

  /** The application's rollouts, newest first (without their clusters). */
  async list(key: string, principal: Principal): Promise<RolloutListDto> {
    const app = await this.apps.requireAs(key, principal, 'viewer');
    const items = await this.rollouts.list(app.id, 50);
    return { items: items.map((r) => toRolloutDto(app.name, r, null, null)) };
  }

  /** Carries out a command on the application's open rollout. */
  async run(
    command: RolloutCommand,
    key: string,
    principal: Principal,
    actor: Actor,
    reason: string | undefined,
  ): Promise<RolloutDto> {
    const app = await this.apps.requireAs(key, principal, 'operator');
    const id = await this.uow.run(async (tx) => {
      const r = await this.rollouts.latest(tx, app.id, true);
      if (!r || !OPEN_ROLLOUT_STATES.includes(r.state))
        throw new ConflictError(
          r
            ? `the latest rollout of ${app.name} is ${r.state}: there is nothing to ${command}`
            : `${app.name} has no rollout`,
        );
      const views = await this.rollouts.clusters(tx, r);
      const why = reason ? { reason } : {};
      switch (command) {
        case 'pause':
          if (r.state === 'paused') throw conflict(app, r, command);
          r.state = 'paused';
          r.reason = `paused by ${actor.name}${reason ? `: ${reason}` : ''}`;
          await this.engine.event(tx, app, r, actor, 'rollout.paused', { ...why, by: 'operator' });
          break;
        case 'resume':
          if (r.state !== 'paused') throw conflict(app, r, command, 'promote it to pass an approval gate');
          r.state = 'progressing';
          r.reason = null;
          await this.engine.event(tx, app, r, actor, 'rollout.resumed', why);
          break;
        case 'abort':
          await this.engine.end(tx, app, r, 'aborted', reason ?? `aborted by ${actor.name}`, actor);
          break;
        case 'promote': {
          // Past whatever holds it: the approval gate of the stage it stands at, and the clusters
          // that failed so far (they stay failed, and no longer count against the budget).
          const stage = r.position.stage;
          const gate = r.plan[stage]?.requireApproval && !r.position.approved.includes(stage);
          const failed = views
            .filter((v) => !(r.position.accepted ?? []).includes(v.clusterId))
            .filter((v) => clusterProgress(v).state === 'failed');
          if (!gate && failed.length === 0 && r.state === 'progressing') throw conflict(app, r, command);
          r.position = {
            ...r.position,
            approved: gate ? [...r.position.approved, stage] : r.position.approved,
            accepted: [...(r.position.accepted ?? []), ...failed.map((v) => v.clusterId)],
          };
          r.state = 'progressing';
          r.reason = null;
          await this.engine.event(tx, app, r, actor, 'rollout.promoted', {
            ...why,
            ...(gate ? { stage } : {}),
            ...(failed.length ? { clusters: failed.map((v) => v.clusterName) } : {}),
          });
          break;
        }
        case 'retry': {
          const failed = views.filter((v) => clusterProgress(v).state === 'failed');
          if (failed.length === 0)
            throw new ConflictError(`no cluster of the rollout of ${app.name} has failed`);
          await this.moves.resend(tx, app, r, failed, actor);
          if (r.state === 'paused') {
            r.state = 'progressing';
            r.reason = null;
          }
          await this.engine.event(tx, app, r, actor, 'rollout.retried', {
            ...why,
            clusters: failed.map((v) => v.clusterName),
          });
          break;
        }
      }
      return r.id;
    });
    this.runner.kick([app.id]);
    return this.status(app.id, principal, id);
  }
}

function conflict(app: ApplicationEntity, r: RolloutEntity, command: RolloutCommand, hint?: string) {
  return new ConflictError(
    `the rollout of ${app.name} is ${r.state}: ${command} does not apply${hint ? ` (${hint})` : ''}`,
  );
}
