import { Inject, Injectable } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { projectsAllowing, type Grants } from '../../domain/authorization.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { parseLabelSelector, type LabelSelector } from '../../domain/label-selector.js';
import { formatObjectId, objectId } from '../../domain/render/object-identity.js';
import { parseCanonicalBundle } from '../../domain/render/canonical-bundle.js';
import { isSealedSecret, recipientFingerprint } from '../../domain/sealed-secret.js';
import { AuditService } from '../audit/audit.service.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { ProjectRepository } from '../projects/project.repository.js';
import { type KeyRotationDto, type RecipientListDto } from './cluster-keys.dto.js';
import { ClusterRepository } from './cluster.repository.js';

/** Most clusters one recipients answer lists (a seal for more is a fleet-wide secret: split it). */
const MAX_RECIPIENTS = 1000;

/**
 * The public half of sealed secrets on the hub: which age recipients a selector's clusters have
 * (anyone who may read those clusters may seal for them: the keys are public), and key rotation.
 * The hub never holds a private key or a plaintext value.
 */
@Injectable()
export class ClusterKeysService {
  constructor(
    @Inject(ClusterRepository) private readonly clusters: ClusterRepository,
    @Inject(ProjectRepository) private readonly projects: Pick<ProjectRepository, 'findByNames'>,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * The recipients of the clusters a selector chooses, among those the caller may see; clusters
   * whose agent has not sent a key yet are listed apart (a seal cannot include them).
   */
  async recipients(selectorText: string, principal: Grants): Promise<RecipientListDto> {
    const selector = parseLabelSelector(selectorText);
    const within = await this.projectSelectors(principal);
    const rows = await this.clusters.list(selector, null, MAX_RECIPIENTS + 1, within);
    if (rows.length > MAX_RECIPIENTS)
      throw new ConflictError(`the selector chooses more than ${MAX_RECIPIENTS} clusters: seal for fewer`);
    return {
      selector: selectorText,
      items: rows
        .filter((c) => c.ageRecipient)
        .map((c) => ({
          cluster: c.name,
          recipient: c.ageRecipient!,
          fingerprint: recipientFingerprint(c.ageRecipient!),
        })),
      withoutKey: rows.filter((c) => !c.ageRecipient).map((c) => c.name),
    };
  }

  /**
   * Asks the cluster's agent for a new age identity (answered on its next heartbeat) and lists
   * the sealed secrets of its current bundles that are sealed to the key being replaced: they
   * keep working (the agent keeps its previous keys) but should be sealed again. Audited.
   */
  async rotateKey(key: string, actor: Actor): Promise<KeyRotationDto> {
    const now = this.clock.now();
    const cluster = await this.uow.run(async (tx) => {
      const row = await this.clusters.findByIdOrName(key, tx, true);
      if (!row) throw new NotFoundError('cluster', key);
      if (!row.ageRecipient)
        throw new ConflictError(`cluster '${row.name}' has no age key yet: its agent has not sent one`);
      await this.clusters.requestKeyRotation(tx, row.id, now);
      await this.audit.record(tx, {
        actor,
        action: 'cluster.key-rotation-requested',
        clusterId: row.id,
        details: { name: row.name, fingerprint: recipientFingerprint(row.ageRecipient) },
      });
      return row;
    });
    const fingerprint = recipientFingerprint(cluster.ageRecipient!);
    const needsReseal: KeyRotationDto['needsReseal'] = [];
    for (const { application, content } of await this.clusters.sealedBundlesOf(cluster.id)) {
      const objects = parseCanonicalBundle(content)
        .filter((o) => isSealedSecret(o))
        .filter((o) => {
          const recipients = (o.spec as { recipients?: unknown } | undefined)?.recipients;
          return Array.isArray(recipients) && recipients.includes(fingerprint);
        })
        .map((o) => formatObjectId(objectId(o)));
      if (objects.length > 0) needsReseal.push({ application, objects });
    }
    return { cluster: cluster.name, fingerprint, requestedAt: now.toISOString(), needsReseal };
  }

  /** The cluster selectors of the caller's projects; null: a global role sees every cluster. */
  private async projectSelectors(principal: Grants): Promise<LabelSelector[] | null> {
    const visible = projectsAllowing(principal, 'viewer');
    if (visible === 'all') return null;
    if (visible.length === 0) return [];
    return (await this.projects.findByNames(visible)).map((p) => parseLabelSelector(p.clusterSelector));
  }
}
