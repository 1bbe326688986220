import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { HEALTH_CHECKS_CHANGED, readWakePayload, wakePayloads, type WakeUp } from '../../domain/wake-up.js';
import { managerOf, type Tx } from '../database/data-source.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';

const CHANNEL = 'flotilla_jobs';
/** Past this many clusters remembered, forget them all (every read in flight then counts as overlapped). */
const MAX_REMEMBERED = 100_000;

/** A cluster's wake-ups, heard from when it was opened (see {@link JobNotifier.watch}). */
export interface WakeWatch {
  /** Resolves at the first wake-up since the last call (at once if one came meanwhile), after `ms`, or on `abort`. */
  next(ms: number, abort?: AbortSignal): Promise<void>;
  close(): void;
}

/**
 * Wakes agents waiting on any hub replica when a job for their cluster is queued anywhere:
 * job writers `pg_notify` inside their transaction (delivered on commit), and every replica
 * LISTENs on one dedicated connection and resolves its local waiters. Job and preview wake-ups
 * are batched, many clusters to a payload; a change of the cluster itself is one bare id
 * (see `domain/wake-up.ts`).
 */
@Injectable()
export class JobNotifier implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('job-notifier');
  private client: pg.Client | null = null;
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly listeners: ((wake: WakeUp | null) => void)[] = [];
  /** Wake-ups heard, counted; the count at the last one naming each cluster (or the health rules), and at the last "maybe missed some". */
  private heard = 0;
  private readonly lastHeard = new Map<string, number>();
  private lastHeardAll = 0;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.connect().catch((e: Error) => this.scheduleReconnect(e));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.wakeAll();
    await this.client?.end().catch(() => undefined);
  }

  /** Queues a wake-up for a cluster's agent (work queued for it), sent when `tx` commits. */
  async notify(tx: Tx, clusterId: string): Promise<void> {
    await this.notifyMany(tx, [clusterId]);
  }

  /** Wake-ups for many clusters, a few payloads in one statement, sent when `tx` commits. */
  async notifyMany(tx: Tx, clusterIds: string[], kind: 'work' | 'previews' = 'work'): Promise<void> {
    const payloads = wakePayloads(kind, clusterIds);
    if (payloads.length === 0) return;
    await managerOf(this.ds, tx).query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [
      CHANNEL,
      payloads,
    ]);
  }

  /** Tells every replica the hub's health rules changed, when `tx` commits. */
  async healthChecksChanged(tx: Tx): Promise<void> {
    await managerOf(this.ds, tx).query('SELECT pg_notify($1, $2)', [CHANNEL, HEALTH_CHECKS_CHANGED]);
  }

  /**
   * Starts listening for the cluster's wake-ups, before the caller looks for work: a wake-up
   * that arrives between that look and the wait is kept, not lost (it ends the next wait at
   * once). Close it when done.
   */
  watch(clusterId: string): WakeWatch {
    let woken = false;
    let settle: (() => void) | null = null;
    const onWake = () => {
      woken = true;
      settle?.();
    };
    let set = this.waiters.get(clusterId);
    if (!set) this.waiters.set(clusterId, (set = new Set()));
    set.add(onWake);
    return {
      next: (ms, abort) =>
        new Promise<void>((resolve) => {
          const finish = () => {
            settle = null;
            woken = false;
            resolve();
          };
          if (woken || abort?.aborted) return finish();
          const done = () => {
            clearTimeout(timer);
            abort?.removeEventListener('abort', done);
            finish();
          };
          const timer = setTimeout(done, ms);
          abort?.addEventListener('abort', done);
          settle = done;
        }),
      close: () => {
        set.delete(onWake);
        if (set.size === 0 && this.waiters.get(clusterId) === set) this.waiters.delete(clusterId);
      },
    };
  }

  /**
   * Calls `listener` with every wake-up any replica sends (before the parked polls it wakes
   * run), and with null when this replica may have missed some (its LISTEN connection lost or
   * not yet open): what a per-replica cache drops its entries on.
   */
  onWake(listener: (wake: WakeUp | null) => void): void {
    this.listeners.push(listener);
  }

  /** A mark taken before reading what a per-replica cache keeps, for {@link quietSince}. */
  mark(): number {
    return this.heard;
  }

  /**
   * Whether what was read since `mark` about `key` (a cluster id, or HEALTH_CHECKS_CHANGED for
   * the hub's health rules) may be kept: this replica listens, and heard no wake-up naming it
   * and missed none since. A read that overlapped a wake-up may hold what came before it.
   */
  quietSince(mark: number, key: string): boolean {
    return this.listening && this.lastHeardAll <= mark && (this.lastHeard.get(key) ?? 0) <= mark;
  }

  /** Whether wake-ups from other replicas reach this one now. */
  get listening(): boolean {
    return this.client !== null;
  }

  /** Number of agents waiting on this replica (metrics, tests). */
  get waiting(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }

  private async connect(): Promise<void> {
    const options = this.ds.options as { url?: string };
    const client = new pg.Client({ connectionString: options.url, application_name: 'flotilla-hub-listen' });
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      const wake = readWakePayload(msg.payload);
      if (!wake) return;
      this.noteHeard(wake);
      for (const listener of this.listeners) listener(wake);
      if (wake.kind !== 'health-checks')
        for (const id of wake.clusterIds) for (const resolve of [...(this.waiters.get(id) ?? [])]) resolve();
    });
    client.on('error', (e) => this.scheduleReconnect(e));
    client.on('end', () => this.scheduleReconnect(new Error('connection ended')));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
    // Anything queued while we were not listening: let every waiter look again.
    this.wakeAll();
  }

  private scheduleReconnect(e: Error): void {
    if (this.stopped || this.retry) return;
    this.log.warn(`LISTEN connection lost (${e.message}); reconnecting`);
    const old = this.client;
    this.client = null;
    void old?.end().catch(() => undefined);
    this.wakeAll();
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().catch((err: Error) => this.scheduleReconnect(err));
    }, 1000);
    this.retry.unref();
  }

  private noteHeard(wake: WakeUp | null): void {
    this.heard++;
    if (!wake || this.lastHeard.size >= MAX_REMEMBERED) {
      this.lastHeard.clear();
      this.lastHeardAll = this.heard;
      if (!wake) return;
    }
    for (const key of wake.kind === 'health-checks' ? [HEALTH_CHECKS_CHANGED] : wake.clusterIds)
      this.lastHeard.set(key, this.heard);
  }

  private wakeAll(): void {
    this.noteHeard(null);
    for (const listener of this.listeners) listener(null);
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
  }
}
