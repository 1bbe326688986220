import { beforeEach, describe, expect, it } from 'vitest';
import { FakeSecrets, FakeUnitOfWork, FixedClock, RecordingAudit } from '../../../test/support/hub-fakes.js';
import { ConflictError, UnauthenticatedError } from '../../domain/errors.js';
import type { AuditService } from '../audit/audit.service.js';
import type { UnitOfWork } from '../database/unit-of-work.js';
import type { ApiTokenEntity } from './api-token.entity.js';
import type { ApiTokenRepository } from './api-token.repository.js';
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
    return Promise.resolve(this.rows.find((r) => r.secretHash === h) ?? null);
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
  touch(id: string) {
    this.touched.push(id);
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

describe('TokenService', () => {
  let tokens: FakeTokens;
  let audit: RecordingAudit;
  let service: TokenService;
  const actor = { type: 'token' as const, id: 'x', name: 'root' };

  beforeEach(() => {
    tokens = new FakeTokens();
    audit = new RecordingAudit();
    service = new TokenService(
      tokens as unknown as ApiTokenRepository,
      audit as unknown as AuditService,
      new FakeUnitOfWork([tokens, audit]) as unknown as UnitOfWork,
      new FakeSecrets(),
      new FixedClock(),
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
    expect(await service.authenticate(t.token)).toEqual({ tokenId: t.id, name: 'ci', role: 'viewer' });
    expect(tokens.touched).toEqual([t.id]);
    await expect(service.authenticate('flt_wrong')).rejects.toThrow(UnauthenticatedError);
  });

  it('refuses duplicate names', async () => {
    await service.create({ name: 'ci', role: 'viewer' }, actor);
    await expect(service.create({ name: 'ci', role: 'admin' }, actor)).rejects.toThrow(ConflictError);
  });

  it('bootstraps one admin token: generated when no seed, seeded otherwise, never twice', async () => {
    const first = await service.bootstrap(null);
    expect(first.created).toBe(true);
    expect(first.generated).toMatch(/^flt_/);
    expect(await service.bootstrap(null)).toEqual({ created: false, generated: null });
    expect(tokens.rows).toHaveLength(1);
    expect(audit.records[0]).toMatchObject({ action: 'token.created', actor: { type: 'system' } });

    const other = new TokenService(
      new FakeTokens() as unknown as ApiTokenRepository,
      audit as unknown as AuditService,
      new FakeUnitOfWork([]) as unknown as UnitOfWork,
      new FakeSecrets(),
      new FixedClock(),
    );
    expect(await other.bootstrap('flt_seeded')).toEqual({ created: true, generated: null });
    expect((await other.authenticate('flt_seeded')).role).toBe('admin');
  });
});
