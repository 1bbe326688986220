import { Inject, Injectable } from '@nestjs/common';
import { UnauthenticatedError } from '../../domain/errors.js';
import type { RegisterResponseV1 } from '../../protocol/v1/agent-protocol.js';
import { type AuditRecord, AuditService } from '../audit/audit.service.js';
import { ClusterRepository } from '../clusters/cluster.repository.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { GroupCommit, type Settled } from '../platform/group-commit.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { agentActor } from './agent-presence.service.js';
import { type RegisterRequestDto } from './agent.dto.js';

/**
 * Registrations written at once. A fleet joining together otherwise commits one registration
 * per turn of the audit chain's lock; in batches it pays that turn, the status refresh and the
 * commit once per batch.
 */
const REGISTER_BATCH = { maxBatch: 50, maxConcurrent: 2 };

/** An agent's registration: its one-time registration token for a credential of its own. */
@Injectable()
export class AgentRegistrationService {
  private readonly registrations = new GroupCommit<RegisterRequestDto, RegisterResponseV1>(
    (items) => this.writeBatch(items),
    REGISTER_BATCH,
  );

  constructor(
    @Inject(ClusterRepository) private readonly clusters: ClusterRepository,
    @Inject(FleetStatusRepository) private readonly fleetStatus: FleetStatusRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Exchanges the registration token for the agent's credential. The cluster becomes
   * Connected, its registration token dies, and the exchange is audited in the same
   * transaction; registrations arriving together share one (each still all or nothing).
   */
  register(dto: RegisterRequestDto): Promise<RegisterResponseV1> {
    return this.registrations.submit(dto);
  }

  /**
   * Writes a batch of registrations in one transaction: one statement finds and locks the
   * clusters, one updates them. A token that is unknown, used or expired fails only its own item
   * (found before anything is written); any other error fails the transaction, and each item is
   * then written alone.
   */
  private async writeBatch(items: RegisterRequestDto[]): Promise<Settled<RegisterResponseV1>[]> {
    return this.uow.run(async (tx) => {
      const hashes = items.map((dto) => this.secrets.hashToken(dto.registrationToken));
      const byHash = new Map(
        (await this.clusters.findByRegistrationHashes(tx, [...new Set(hashes)])).map((c) => [
          c.registrationTokenHash!,
          c,
        ]),
      );
      const now = this.clock.now();
      const changes: Parameters<ClusterRepository['recordRegistrations']>[1] = [];
      const events: AuditRecord[] = [];
      const rotated: string[] = [];
      const settled = items.map((dto, i): Settled<RegisterResponseV1> => {
        const cluster = byHash.get(hashes[i]);
        if (!cluster)
          return {
            ok: false,
            error: new UnauthenticatedError('registration token is invalid or was already used'),
          };
        if (!cluster.registrationTokenExpiresAt || cluster.registrationTokenExpiresAt < now)
          return {
            ok: false,
            error: new UnauthenticatedError(
              'registration token has expired: issue a new one (POST /api/v1/clusters/:id/registration-token)',
            ),
          };
        // used up by this registration: a later one in the batch finds it gone, as it would after a commit
        byHash.delete(hashes[i]);
        const credential = this.secrets.newToken('fltagent');
        if (cluster.credentialHash !== null) rotated.push(cluster.id);
        const newRecipient = !!dto.ageRecipient && dto.ageRecipient !== cluster.ageRecipient;
        changes.push({
          id: cluster.id,
          credentialHash: this.secrets.hashToken(credential),
          agentVersion: dto.agentVersion,
          kubernetesVersion: dto.kubernetesVersion ?? cluster.kubernetesVersion,
          ageRecipient: newRecipient ? dto.ageRecipient! : cluster.ageRecipient,
          ageKeyRotationRequestedAt: newRecipient ? null : cluster.ageKeyRotationRequestedAt,
          lastSeenAt: now,
        });
        events.push({
          actor: agentActor(cluster),
          action: 'cluster.connected',
          clusterId: cluster.id,
          details: {
            name: cluster.name,
            registered: true,
            credentialRotated: cluster.credentialHash !== null,
            agentVersion: dto.agentVersion,
          },
        });
        return { ok: true, value: { clusterId: cluster.id, clusterName: cluster.name, credential } };
      });
      await this.clusters.recordRegistrations(tx, changes);
      // every replica forgets the credential a registration replaces (and parked polls of it end)
      for (const id of rotated) await this.clusters.wakeAgent(tx, id);
      // after the clusters' rows, as for one registration; one statement for the whole batch
      await this.fleetStatus.refreshClusters(
        tx,
        changes.map((c) => c.id),
      );
      // last, in one step: the chain's lock is then held only for the insert and the commit
      await this.audit.recordMany(tx, events);
      return settled;
    });
  }
}
