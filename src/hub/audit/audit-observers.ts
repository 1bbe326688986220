import { type Tx } from '../database/data-source.js';

/** An audit event just appended, as observers see it. */
export interface RecordedAuditEvent {
  seq: string;
  action: string;
}

/**
 * Something that acts on audit events in the transaction that records them (the notification
 * outbox): it commits or rolls back with the events. Kept as an interface here so the audit
 * module imports nothing of its observers.
 */
export interface AuditObserver {
  recorded(tx: Tx, events: readonly RecordedAuditEvent[]): Promise<void>;
}

/** The observers of this process's audit writes; modules add theirs when they start. */
export class AuditObservers {
  private readonly list: AuditObserver[] = [];

  add(o: AuditObserver): void {
    this.list.push(o);
  }

  /** Whether any observer is registered (none: the audit write does no extra work). */
  get empty(): boolean {
    return this.list.length === 0;
  }

  async recorded(tx: Tx, events: readonly RecordedAuditEvent[]): Promise<void> {
    for (const o of this.list) await o.recorded(tx, events);
  }
}

/** Injection token of the process's {@link AuditObservers}. */
export const AUDIT_OBSERVERS = Symbol('AUDIT_OBSERVERS');
