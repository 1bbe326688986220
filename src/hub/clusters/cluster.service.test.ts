import { beforeEach, describe, expect, it } from 'vitest';
import { FakeSecrets, FakeUnitOfWork, FixedClock, RecordingAudit } from '../../../test/support/hub-fakes.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { matchesSelector, type LabelSelector } from '../../domain/label-selector.js';
import type { AuditService } from '../audit/audit.service.js';
import { FleetEvents } from '../platform/fleet-events.js';
import type { UnitOfWork } from '../database/unit-of-work.js';
import type { ClusterEntity } from './cluster.entity.js';
import type { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';
import type { ClusterRepository } from './cluster.repository.js';
import { ClusterService } from './cluster.service.js';

/** In-memory stand-in for the cluster table. */
class FakeClusters {
  rows = new Map<string, ClusterEntity>();
  constructor(private readonly clock: FixedClock) {}
  insertIfNamesFree(_tx: unknown, rows: Omit<ClusterEntity, 'createdAt' | 'updatedAt'>[]) {
    return Promise.resolve(
      rows.map((c) => {
        if ([...this.rows.values()].some((r) => r.name === c.name)) return null;
        const row: ClusterEntity = { ...c, createdAt: this.clock.now(), updatedAt: this.clock.now() };
        this.rows.set(row.id, row);
        return structuredClone(row);
      }),
    );
  }
  findByIdOrName(key: string) {
    const row = [...this.rows.values()].find((r) => r.id === key || r.name === key);
    return Promise.resolve(row ? structuredClone(row) : null);
  }
  list(selector: LabelSelector, after: string | null, limit: number) {
    return Promise.resolve(
      [...this.rows.values()]
        .filter((r) => matchesSelector(selector, r.labels) && (after === null || r.name > after))
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .slice(0, limit),
    );
  }
  save(_tx: unknown, c: ClusterEntity) {
    const row = { ...c, updatedAt: this.clock.now() };
    this.rows.set(c.id, row);
    return Promise.resolve(structuredClone(row));
  }
  delete(_tx: unknown, id: string) {
    this.rows.delete(id);
    return Promise.resolve();
  }
  snapshot() {
    return new Map([...this.rows].map(([k, v]) => [k, structuredClone(v)]));
  }
  restore(s: unknown) {
    this.rows = s as Map<string, ClusterEntity>;
  }
}

const actor = { type: 'token' as const, id: 't1', name: 'alice' };

const VIEWER = { role: 'viewer' as const, projects: {} };

describe('ClusterService', () => {
  let clock: FixedClock;
  let clusters: FakeClusters;
  let audit: RecordingAudit;
  let service: ClusterService;

  beforeEach(() => {
    clock = new FixedClock();
    clusters = new FakeClusters(clock);
    audit = new RecordingAudit();
    service = new ClusterService(
      clusters as unknown as ClusterRepository,
      audit as unknown as AuditService,
      new FakeUnitOfWork([clusters, audit]) as unknown as UnitOfWork,
      new FakeSecrets(),
      clock,
      { registrationTokenTtlSeconds: 3600 },
      new FleetEvents(),
      // The read model is Postgres-only (tested in test/integration/fleet-status.test.ts).
      { refreshClusters: () => Promise.resolve() } as unknown as FleetStatusRepository,
      { findByNames: () => Promise.resolve([]) },
    );
  });

  it('creates a cluster with a hashed registration token that expires after the TTL', async () => {
    const c = await service.create({ name: 'a', labels: { env: 'prod' } }, actor);
    expect(c.registration.expiresAt).toBe('2026-01-01T01:00:00.000Z');
    const row = clusters.rows.get(c.id)!;
    expect(row.registrationTokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.registrationTokenHash).not.toContain(c.registration.token);
    expect(audit.records).toEqual([
      expect.objectContaining({ action: 'cluster.registered', clusterId: c.id, actor }),
    ]);
  });

  it('refuses a duplicate and records nothing for it', async () => {
    await service.create({ name: 'a' }, actor);
    await expect(service.create({ name: 'a' }, actor)).rejects.toThrow(ConflictError);
    expect(audit.records).toHaveLength(1);
  });

  it('records before and after of a label change', async () => {
    const c = await service.create({ name: 'a', labels: { env: 'dev' } }, actor);
    await service.update('a', { labels: { env: 'prod' } }, actor);
    expect(audit.records[1]).toMatchObject({
      action: 'cluster.updated',
      clusterId: c.id,
      details: { before: { labels: { env: 'dev' } }, after: { labels: { env: 'prod' } } },
    });
  });

  it('pages by name with a cursor', async () => {
    for (const n of ['c', 'a', 'b']) await service.create({ name: n }, actor);
    const p1 = await service.list({ limit: 2 }, VIEWER);
    expect(p1.items.map((c) => c.name)).toEqual(['a', 'b']);
    const p2 = await service.list({ limit: 2, cursor: p1.nextCursor! }, VIEWER);
    expect(p2.items.map((c) => c.name)).toEqual(['c']);
    expect(p2.nextCursor).toBeNull();
  });

  it('rejects a bad selector before touching storage', async () => {
    await expect(service.list({ selector: 'env in (' }, VIEWER)).rejects.toThrow(InvalidInputError);
  });

  it('rotating the registration token replaces the stored hash', async () => {
    const c = await service.create({ name: 'a' }, actor);
    const before = clusters.rows.get(c.id)!.registrationTokenHash;
    clock.current = new Date('2026-01-02T00:00:00Z');
    const fresh = await service.issueRegistrationToken('a', actor);
    expect(fresh.expiresAt).toBe('2026-01-02T01:00:00.000Z');
    expect(clusters.rows.get(c.id)!.registrationTokenHash).not.toBe(before);
  });

  it('404s on unknown clusters', async () => {
    await expect(service.delete('nope', actor)).rejects.toThrow(NotFoundError);
    expect(audit.records).toHaveLength(0);
  });
});
