import { beforeEach, describe, expect, it } from 'vitest';
import { FakeSecrets, FakeUnitOfWork, FixedClock, RecordingAudit } from '../../../test/support/hub-fakes.js';
import { ConflictError, InvalidInputError, UnauthenticatedError } from '../../domain/errors.js';
import type { AuditService } from '../audit/audit.service.js';
import type { UnitOfWork } from '../database/unit-of-work.js';
import type { ApiTokenEntity } from './api-token.entity.js';
import type { ApiTokenRepository } from './api-token.repository.js';
import type { ProjectRepository } from '../projects/project.repository.js';
import { TokenService } from './token.service.js';

class FakeTokens {
  rows: ApiTokenEntity[] = [];
  touched: string[] = [];
  insert(_tx: unknown, t: Omit<ApiTokenEntity, 'createdAt' | 'updatedAt' | 'lastUsedAt'>) {
    const row = { ...t, lastUsedAt: null, createdAt: new Date(0), updatedAt: new Date(0) };
    this.rows.push(row);
    return Promise.resolve(row);
  }
  findBySecretHash(h: string) {
    const row = this.rows.find((r) => r.secretHash === h);
    return Promise.resolve(row ? { ...row } : null);
  }
  findById(id: string) {
    return Promise.resolve(this.rows.find((r) => r.id === id) ?? null);
  }
  findByName(name: string) {
    return Promise.resolve(this.rows.find((r) => r.name === name) ?? null);
  }
  list() {
    return Promise.resolve([...this.rows]);
  }
  count() {
    return Promise.resolve(this.rows.length);
  }
  delete(_tx: unknown, id: string) {
    this.rows = this.rows.filter((r) => r.id !== id);
    return Promise.resolve();
  }
  touch(id: string, at: Date) {
    this.touched.push(id);
    const row = this.rows.find((r) => r.id === id)!;
    if (row.lastUsedAt === null || row.lastUsedAt.getTime() < at.getTime() - 60_000) row.lastUsedAt = at;
    return Promise.resolve();
  }
  lockBootstrap() {
    return Promise.resolve();
  }
  snapshot() {
    return [...this.rows];
  }
  restore(s: unknown) {
    this.rows = s as ApiTokenEntity[];
  }
}

/** The projects that exist, for checking the project roles a token is given. */
class FakeProjects {
  constructor(private readonly names: string[]) {}
  findByNames(names: string[]) {
    return Promise.resolve(this.names.filter((n) => names.includes(n)).map((name) => ({ name })));
  }
}

describe('TokenService', () => {
  let tokens: FakeTokens;
  let audit: RecordingAudit;
  let service: TokenService;
  let clock: FixedClock;
  const actor = { type: 'token' as const, id: 'x', name: 'root' };

  beforeEach(() => {
    tokens = new FakeTokens();
    audit = new RecordingAudit();
    clock = new FixedClock();
    service = new TokenService(
      tokens as unknown as ApiTokenRepository,
      audit as unknown as AuditService,
      new FakeUnitOfWork([tokens, audit]) as unknown as UnitOfWork,
      new FakeSecrets(),
      clock,
      new FakeProjects(['team-a']) as unknown as ProjectRepository,
    );
  });

  it('returns the secret once and stores only its hash', async () => {
    const t = await service.create({ name: 'ci', role: 'operator' }, actor);
    expect(t.token).toMatch(/^flt_/);
    expect(JSON.stringify(tokens.rows)).not.toContain(t.token);
    expect(JSON.stringify(await service.list())).not.toContain(t.token);
    expect(JSON.stringify(audit.records)).not.toContain(t.token);
  });

  it('authenticates by secret and rejects unknown ones', async () => {
    const t = await service.create({ name: 'ci', role: 'viewer' }, actor);
    expect(await service.authenticate(t.token)).toEqual({
      tokenId: t.id,
      name: 'ci',
      role: 'viewer',
      projects: {},
      expiresAt: new Date(t.expiresAt!),
      lastUsedAt: null,
    });
    expect(tokens.touched).toEqual([t.id]);
    await expect(service.authenticate('flt_wrong')).rejects.toThrow(UnauthenticatedError);
  });

  it('records use at most once a minute without asking storage in between', async () => {
    const t = await service.create({ name: 'ci', role: 'viewer' }, actor);
    await service.authenticate(t.token);
    clock.current = new Date(clock.current.getTime() + 60_000);
    await service.authenticate(t.token);
    expect(tokens.touched).toEqual([t.id]);
    clock.current = new Date(clock.current.getTime() + 1);
    expect((await service.authenticate(t.token)).lastUsedAt).toEqual(
      new Date(clock.current.getTime() - 60_001),
    );
    expect(tokens.rows[0].lastUsedAt).toEqual(clock.current);
    expect(tokens.touched).toEqual([t.id, t.id]);
  });

  it('refuses duplicate names', async () => {
    await service.create({ name: 'ci', role: 'viewer' }, actor);
    await expect(service.create({ name: 'ci', role: 'admin' }, actor)).rejects.toThrow(ConflictError);
  });

  it('expires new tokens after 90 days by default, with a 401 that says so', async () => {
    const t = await service.create({ name: 'ci', role: 'viewer' }, actor);
    expect(t.expiresAt).toBe('2026-04-01T00:00:00.000Z');
    clock.current = new Date('2026-03-31T23:59:59Z');
    expect((await service.authenticate(t.token)).name).toBe('ci');
    clock.current = new Date('2026-04-01T00:00:00Z');
    await expect(service.authenticate(t.token)).rejects.toThrow(
      "token 'ci' expired at 2026-04-01T00:00:00.000Z: ask an admin for a new one",
    );
  });

  it('takes an explicit expiry or none, and refuses two before storing anything', async () => {
    const never = await service.create({ name: 'robot', role: 'viewer', neverExpires: true }, actor);
    expect(never.expiresAt).toBeNull();
    const days = await service.create({ name: 'week', role: 'viewer', expiresInDays: 7 }, actor);
    expect(days.expiresAt).toBe('2026-01-08T00:00:00.000Z');
    await expect(
      service.create({ name: 'both', role: 'viewer', expiresInDays: 3, neverExpires: true }, actor),
    ).rejects.toThrow(InvalidInputError);
    expect(tokens.rows.map((r) => r.name)).toEqual(['robot', 'week']);
  });

  it('bootstraps one admin token: generated and delivered when no seed, seeded otherwise, never twice', async () => {
    const delivered: string[] = [];
    const deliver = (s: string) => {
      delivered.push(s);
      return Promise.resolve();
    };
    const first = await service.bootstrap(null, deliver);
    expect(first).toEqual({ created: true, generated: true });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatch(/^flt_/);
    expect((await service.authenticate(delivered[0])).role).toBe('admin');
    expect(tokens.rows[0].expiresAt).toBeNull();
    expect(await service.bootstrap(null, deliver)).toEqual({ created: false, generated: false });
    expect(delivered).toHaveLength(1);
    expect(tokens.rows).toHaveLength(1);
    expect(audit.records[0]).toMatchObject({ action: 'token.created', actor: { type: 'system' } });
    const other = new TokenService(
      new FakeTokens() as unknown as ApiTokenRepository,
      audit as unknown as AuditService,
      new FakeUnitOfWork([]) as unknown as UnitOfWork,
      new FakeSecrets(),
      new FixedClock(),
      new FakeProjects([]) as unknown as ProjectRepository,
    );
    expect(await other.bootstrap('flt_seeded', deliver)).toEqual({ created: true, generated: false });
    expect(delivered).toHaveLength(1);
    expect((await other.authenticate('flt_seeded')).role).toBe('admin');
  });

  it('stores no admin token when it could not be delivered', async () => {
    await expect(service.bootstrap(null, () => Promise.reject(new Error('disk full')))).rejects.toThrow(
      'disk full',
    );
    expect(tokens.rows).toEqual([]);
  });

  it('creates a token with roles in projects only; refuses unknown projects, bad roles and no role at all', async () => {
    const t = await service.create({ name: 'team', projects: { 'team-a': 'operator' } }, actor);
    expect(t).toMatchObject({ role: null, projects: { 'team-a': 'operator' } });
    expect(await service.authenticate(t.token)).toMatchObject({
      role: null,
      projects: { 'team-a': 'operator' },
    });
    expect(audit.records.at(-1)).toMatchObject({
      details: { role: null, projects: { 'team-a': 'operator' } },
    });
    await expect(service.create({ name: 'x', projects: { 'team-b': 'viewer' } }, actor)).rejects.toThrow(
      "project 'team-b' not found",
    );
    await expect(
      service.create({ name: 'x', projects: { 'team-a': 'root' as 'admin' } }, actor),
    ).rejects.toThrow('projects.team-a: role must be one of: viewer, operator, admin');
    await expect(service.create({ name: 'x' }, actor)).rejects.toThrow(InvalidInputError);
  });
});
