import { createHash } from 'node:crypto';
import type { AuditRecord } from '../../src/hub/audit/audit.service.js';
import type { Tx } from '../../src/hub/database/data-source.js';
import type { Clock } from '../../src/hub/platform/clock.js';
import type { Secrets } from '../../src/hub/platform/secrets.js';

/** A clock that stays where the test puts it. */
export class FixedClock implements Clock {
  constructor(public current = new Date('2026-01-01T00:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
}

/** Predictable ids and tokens; real sha256; reversible "sealing" (unit tests only). */
export class FakeSecrets implements Secrets {
  private n = 0;
  uuid(): string {
    return `00000000-0000-4000-8000-${String(++this.n).padStart(12, '0')}`;
  }
  newToken(prefix: string): string {
    return `${prefix}_secret${++this.n}`;
  }
  hashToken(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
  sameHash(a: string, b: string): boolean {
    return a === b;
  }
  seal(p: string, context: string): string {
    return `sealed:${Buffer.from(context).toString('base64')}:${Buffer.from(p).toString('base64')}`;
  }
  open(s: string, context: string): string {
    const [, ctx, body] = s.split(':');
    if (Buffer.from(ctx, 'base64').toString() !== context) throw new Error('sealed for another context');
    return Buffer.from(body, 'base64').toString();
  }
  needsReseal(): boolean {
    return false;
  }
  openLegacy(s: string, context: string): string {
    return this.open(s, context);
  }
}

/**
 * A unit of work whose transactions can be rolled back: it snapshots the stores it is given
 * and restores them when the work throws, like the database would.
 */
export class FakeUnitOfWork {
  constructor(private readonly stores: { snapshot(): unknown; restore(s: unknown): void }[]) {}
  async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const saved = this.stores.map((s) => s.snapshot());
    try {
      return await work({} as Tx);
    } catch (e) {
      this.stores.forEach((s, i) => s.restore(saved[i]));
      throw e;
    }
  }
}

/** Collects audit records instead of hashing them into Postgres. */
export class RecordingAudit {
  records: AuditRecord[] = [];
  record(_tx: Tx, r: AuditRecord): Promise<void> {
    this.records.push(r);
    return Promise.resolve();
  }
  recordMany(_tx: Tx, rs: readonly AuditRecord[]): Promise<void> {
    this.records.push(...rs);
    return Promise.resolve();
  }
  snapshot(): unknown {
    return [...this.records];
  }
  restore(s: unknown): void {
    this.records = s as AuditRecord[];
  }
}
