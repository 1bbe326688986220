import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type LabelSelector } from '../../domain/label-selector.js';
import { labelSelectorSql } from '../common/selector-sql.js';
import { isUuid } from '../../domain/ids.js';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { ClusterEntity } from './cluster.entity.js';

/** What an agent says about itself and its cluster; absent fields are left as stored. */
export interface AgentVersions {
  agentVersion?: string;
  kubernetesVersion?: string;
  apiVersions?: string[];
  /** The agent's public age recipient; a new one also ends a pending key rotation. */
  ageRecipient?: string;
}

/** What the agent guard reads of the calling cluster on every agent request. */
export interface AgentClusterRow {
  id: string;
  name: string;
  connectionState: string;
  lastSeenAt: Date | null;
  agentVersion: string | null;
  kubernetesVersion: string | null;
  apiVersions: string[] | null;
  ageRecipient: string | null;
  ageKeyRotationRequestedAt: Date | null;
}

/** Storage of clusters. */
@Injectable()
export class ClusterRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /**
   * Inserts clusters, in one statement, except those whose name is taken (by a cluster that
   * exists, one a transaction inserting it then commits, or one earlier in `rows`); answers each
   * row as stored, or null for a taken name. A name check before each insert would be a statement
   * more per cluster, and `save` two (it reads the row by id first and reads it back after).
   */
  async insertIfNamesFree(
    tx: Tx,
    rows: Omit<ClusterEntity, 'createdAt' | 'updatedAt'>[],
  ): Promise<(ClusterEntity | null)[]> {
    if (rows.length === 0) return [];
    const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
    const stored: { id: string; created_at: Date; updated_at: Date }[] = await managerOf(this.ds, tx).query(
      `INSERT INTO clusters (id, name, labels, connection_state, last_seen_at, agent_version, kubernetes_version,
              api_versions, age_recipient, age_key_rotation_requested_at, credential_hash,
              registration_token_hash, registration_token_expires_at, guardrail)
       SELECT id, name, labels, connection_state, last_seen_at, agent_version, kubernetes_version, api_versions,
              age_recipient, age_key_rotation_requested_at, credential_hash, registration_token_hash,
              registration_token_expires_at, guardrail
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[], $5::timestamptz[], $6::text[], $7::text[],
                     $8::jsonb[], $9::text[], $10::timestamptz[], $11::text[], $12::text[], $13::timestamptz[],
                     $14::jsonb[])
              WITH ORDINALITY AS r(id, name, labels, connection_state, last_seen_at, agent_version,
                   kubernetes_version, api_versions, age_recipient, age_key_rotation_requested_at, credential_hash,
                   registration_token_hash, registration_token_expires_at, guardrail, ord)
        ORDER BY ord
       ON CONFLICT (name) DO NOTHING
       RETURNING id, created_at, updated_at`,
      [
        rows.map((c) => c.id),
        rows.map((c) => c.name),
        rows.map((c) => json(c.labels)),
        rows.map((c) => c.connectionState),
        rows.map((c) => c.lastSeenAt),
        rows.map((c) => c.agentVersion),
        rows.map((c) => c.kubernetesVersion),
        rows.map((c) => json(c.apiVersions)),
        rows.map((c) => c.ageRecipient),
        rows.map((c) => c.ageKeyRotationRequestedAt),
        rows.map((c) => c.credentialHash),
        rows.map((c) => c.registrationTokenHash),
        rows.map((c) => c.registrationTokenExpiresAt),
        rows.map((c) => json(c.guardrail)),
      ],
    );
    const byId = new Map(stored.map((r) => [r.id, r]));
    return rows.map((c) => {
      const r = byId.get(c.id);
      return r ? { ...c, createdAt: r.created_at, updatedAt: r.updated_at } : null;
    });
  }

  /**
   * Stores what agents' registrations change on their clusters, in one statement for them all
   * (`save` would read each row again first to find what changed).
   */
  async recordRegistrations(
    tx: Tx,
    changes: Pick<
      ClusterEntity,
      | 'id'
      | 'credentialHash'
      | 'agentVersion'
      | 'kubernetesVersion'
      | 'ageRecipient'
      | 'ageKeyRotationRequestedAt'
      | 'lastSeenAt'
    >[],
  ): Promise<void> {
    if (changes.length === 0) return;
    await managerOf(this.ds, tx).query(
      `UPDATE clusters c SET credential_hash = u.credential_hash, registration_token_hash = NULL,
              registration_token_expires_at = NULL, agent_version = u.agent_version,
              kubernetes_version = u.kubernetes_version, age_recipient = u.age_recipient,
              age_key_rotation_requested_at = u.rotation_requested_at, connection_state = 'Connected',
              last_seen_at = u.seen_at, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                     $7::timestamptz[])
              AS u(id, credential_hash, agent_version, kubernetes_version, age_recipient, rotation_requested_at,
                   seen_at)
        WHERE c.id = u.id`,
      [
        changes.map((c) => c.id),
        changes.map((c) => c.credentialHash),
        changes.map((c) => c.agentVersion),
        changes.map((c) => c.kubernetesVersion),
        changes.map((c) => c.ageRecipient),
        changes.map((c) => c.ageKeyRotationRequestedAt),
        changes.map((c) => c.lastSeenAt),
      ],
    );
  }

  /** Finds by UUID or by name; `lock` holds the row until the transaction ends. */
  findByIdOrName(key: string, tx?: Tx, lock = false): Promise<ClusterEntity | null> {
    const q = managerOf(this.ds, tx)
      .createQueryBuilder(ClusterEntity, 'c')
      .where(isUuid(key) ? 'c.id = :key' : 'c.name = :key', { key });
    if (lock && tx) q.setLock('pessimistic_write');
    return q.getOne();
  }

  /**
   * A page of clusters matching a label selector, ordered by name, after a name; `within` (when
   * not null) keeps only clusters matching at least one of those selectors (a project-scoped
   * caller's projects).
   */
  list(
    selector: LabelSelector,
    after: string | null,
    limit: number,
    within: LabelSelector[] | null = null,
  ): Promise<ClusterEntity[]> {
    const q = this.ds.manager.createQueryBuilder(ClusterEntity, 'c');
    if (within !== null) {
      const params: unknown[] = [];
      const any = within.map((s) => `(${labelSelectorSql(s, 'c.labels', params)})`).join(' OR ') || 'false';
      // Positional values are handed over as named ones: the builder numbers its own.
      const named = any.replace(/\$(\d+)/g, (_, i: string) => `:w${i}`);
      q.andWhere(`(${named})`, Object.fromEntries(params.map((v, i) => [`w${i + 1}`, v])));
    }
    selector.forEach((r, i) => {
      const k = `k${i}`;
      const v = `v${i}`;
      switch (r.op) {
        case 'eq':
          q.andWhere(`c.labels @> :${v}::jsonb`, { [v]: JSON.stringify({ [r.key]: r.value }) });
          break;
        case 'neq':
          q.andWhere(`NOT (c.labels @> :${v}::jsonb)`, { [v]: JSON.stringify({ [r.key]: r.value }) });
          break;
        case 'in':
          q.andWhere(`c.labels ->> :${k} = ANY(:${v})`, { [k]: r.key, [v]: r.values });
          break;
        case 'notin':
          q.andWhere(`((c.labels ->> :${k}) IS NULL OR NOT (c.labels ->> :${k} = ANY(:${v})))`, {
            [k]: r.key,
            [v]: r.values,
          });
          break;
        case 'exists':
          q.andWhere(`c.labels ? :${k}`, { [k]: r.key });
          break;
        case 'notexists':
          q.andWhere(`NOT (c.labels ? :${k})`, { [k]: r.key });
          break;
      }
    });
    if (after !== null) q.andWhere('c.name > :after', { after });
    return q.orderBy('c.name', 'ASC').limit(limit).getMany();
  }

  async save(tx: Tx, c: ClusterEntity): Promise<ClusterEntity> {
    return managerOf(this.ds, tx).save(ClusterEntity, c);
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await managerOf(this.ds, tx).delete(ClusterEntity, { id });
    // replicas that remember the cluster's agent credential forget it when this commits
    await this.wakeAgent(tx, id);
  }

  /**
   * What selecting and rendering needs of every cluster: id, name, labels, guardrail, and the
   * Kubernetes and API versions its agent reported (Helm's `.Capabilities`).
   */
  all(): Promise<
    Pick<
      ClusterEntity,
      'id' | 'name' | 'labels' | 'connectionState' | 'guardrail' | 'kubernetesVersion' | 'apiVersions'
    >[]
  > {
    return this.ds.manager.find(ClusterEntity, {
      select: {
        id: true,
        name: true,
        labels: true,
        connectionState: true,
        guardrail: true,
        kubernetesVersion: true,
        apiVersions: true,
      },
      order: { name: 'ASC' },
    });
  }

  findById(id: string): Promise<ClusterEntity | null> {
    return this.ds.manager.findOne(ClusterEntity, { where: { id } });
  }

  /**
   * The clusters these registration tokens (hashes) belong to, locked for the exchange; rows
   * are locked in id order, so batches exchanging overlapping tokens never deadlock.
   */
  findByRegistrationHashes(tx: Tx, hashes: string[]): Promise<ClusterEntity[]> {
    if (hashes.length === 0) return Promise.resolve([]);
    return managerOf(this.ds, tx)
      .createQueryBuilder(ClusterEntity, 'c')
      .where('c.registration_token_hash = ANY(:hashes)', { hashes })
      .orderBy('c.id')
      .setLock('pessimistic_write')
      .getMany();
  }

  /** The cluster whose agent credential hashes to this. */
  findByCredentialHash(hash: string): Promise<ClusterEntity | null> {
    return this.ds.manager.findOne(ClusterEntity, { where: { credentialHash: hash } });
  }

  /**
   * The cluster whose agent credential hashes to this, with only what an agent request needs:
   * one indexed statement without the entity mapping, since every agent call runs it.
   */
  async findAgentByCredentialHash(hash: string): Promise<AgentClusterRow | null> {
    const rows: AgentClusterRow[] = await this.ds.manager.query(
      `SELECT id, name, connection_state AS "connectionState", last_seen_at AS "lastSeenAt",
              agent_version AS "agentVersion", kubernetes_version AS "kubernetesVersion",
              api_versions AS "apiVersions", age_recipient AS "ageRecipient",
              age_key_rotation_requested_at AS "ageKeyRotationRequestedAt"
         FROM clusters WHERE credential_hash = $1`,
      [hash],
    );
    return rows[0] ?? null;
  }

  /**
   * Moves `last_seen_at` forward for many Connected clusters in one statement (the batch the
   * presence service gathers each second); a cluster that is no longer Connected or registered
   * is left alone, since only the per-call path audits a flip to Connected.
   */
  async flushSeen(ids: string[], at: Date[]): Promise<void> {
    if (ids.length === 0) return;
    await this.ds.manager.query(
      `UPDATE clusters c SET last_seen_at = u.at
         FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
        WHERE c.id = u.id AND c.connection_state = 'Connected' AND c.credential_hash IS NOT NULL
          AND (c.last_seen_at IS NULL OR c.last_seen_at < u.at)`,
      [ids, at],
    );
  }

  /**
   * Records that the agent was heard from; returns true when this flips the cluster to
   * Connected (so the caller audits the transition once). Every agent request calls it, so it
   * is cheap: when the cluster was seen less than 5 s ago, is Connected and the versions sent
   * are the ones stored, it neither writes nor locks the row (the lock is taken only on rows
   * that need the update; a concurrent touch that got there first makes the row no longer match).
   */
  async touch(
    id: string,
    now: Date,
    versions: AgentVersions = {},
    tx?: Tx,
  ): Promise<{ connected: boolean; apiVersionsChanged: boolean }> {
    const [rows]: [{ was: string; api_changed: boolean }[], number] = await managerOf(this.ds, tx).query(
      `WITH old AS (
         SELECT id, connection_state AS was, api_versions AS old_api FROM clusters
          WHERE id = $1 AND credential_hash IS NOT NULL
            AND (last_seen_at IS NULL OR last_seen_at < $2::timestamptz - interval '5 seconds'
                 OR connection_state <> 'Connected'
                 OR ($3::text IS NOT NULL AND $3::text IS DISTINCT FROM agent_version)
                 OR ($4::text IS NOT NULL AND $4::text IS DISTINCT FROM kubernetes_version)
                 OR ($5::jsonb IS NOT NULL AND $5::jsonb IS DISTINCT FROM api_versions)
                 OR ($6::text IS NOT NULL AND $6::text IS DISTINCT FROM age_recipient))
          FOR UPDATE)
       UPDATE clusters c SET last_seen_at = $2, connection_state = 'Connected',
         agent_version = COALESCE($3, c.agent_version), kubernetes_version = COALESCE($4, c.kubernetes_version),
         api_versions = COALESCE($5::jsonb, c.api_versions),
         age_key_rotation_requested_at = CASE WHEN $6::text IS NOT NULL AND $6::text IS DISTINCT FROM c.age_recipient
           THEN NULL ELSE c.age_key_rotation_requested_at END,
         age_recipient = COALESCE($6, c.age_recipient)
       FROM old WHERE c.id = old.id
       RETURNING old.was, ($5::jsonb IS NOT NULL AND $5::jsonb IS DISTINCT FROM old.old_api) AS api_changed`,
      [
        id,
        now,
        versions.agentVersion ?? null,
        versions.kubernetesVersion ?? null,
        versions.apiVersions ? JSON.stringify(versions.apiVersions) : null,
        versions.ageRecipient ?? null,
      ],
    );
    return {
      connected: rows.length === 1 && rows[0].was !== 'Connected',
      apiVersionsChanged: rows.length === 1 && rows[0].api_changed,
    };
  }

  /**
   * The current bundles for this cluster that hold a SealedSecret, with their application's
   * name: what a key rotation may leave needing a re-seal (the caller reads the objects).
   */
  async sealedBundlesOf(clusterId: string): Promise<{ application: string; content: Buffer }[]> {
    return this.ds.manager.query(
      `SELECT a.name AS application, b.content FROM desired_states d
         JOIN applications a ON a.id = d.application_id
         JOIN bundles b ON b.digest = d.bundle_digest
        WHERE d.cluster_id = $1 AND position('"kind":"SealedSecret"'::bytea IN b.content) > 0
        ORDER BY a.name`,
      [clusterId],
    );
  }

  /** Asks the agent for a new age identity (its next heartbeat is answered so). */
  async requestKeyRotation(tx: Tx, id: string, now: Date): Promise<void> {
    await managerOf(this.ds, tx).update(ClusterEntity, { id }, { ageKeyRotationRequestedAt: now });
    // replicas read the cluster again for the agent's next heartbeat to carry the request
    await this.wakeAgent(tx, id);
  }

  /**
   * Wakes the agent's parked long-polls on every replica (on the jobs channel, when `tx`
   * commits): after a revocation they look at the credential again and end. Every replica also
   * drops what it remembers of the cluster's agent credential (AgentCredentialCache).
   */
  async wakeAgent(tx: Tx, id: string): Promise<void> {
    await managerOf(this.ds, tx).query(`SELECT pg_notify('flotilla_jobs', $1)`, [id]);
  }

  /** Connected clusters silent since `before` become Disconnected; returns them. */
  async markSilentDisconnected(before: Date, tx?: Tx): Promise<Pick<ClusterEntity, 'id' | 'name'>[]> {
    const rows: { id: string; name: string }[] = await managerOf(this.ds, tx).query(
      // the wake-ups make replicas that remember these clusters' rows (still Connected) read them again
      `WITH gone AS (
         UPDATE clusters SET connection_state = 'Disconnected'
          WHERE connection_state = 'Connected' AND last_seen_at < $1 RETURNING id, name)
       SELECT id, name, pg_notify('flotilla_jobs', id::text) FROM gone`,
      [before],
    );
    return rows;
  }
}
