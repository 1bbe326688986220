/**
 * Notifications survive a hub crash: a hub process with messages it could not deliver (the
 * receiver is down) and events not yet composed into messages is SIGKILLed; a new process on the
 * same database, with the receiver back, delivers each message exactly once (counted by
 * idempotency key at the receiver).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../support/hub-harness.js';
import { type HubProcess, startHubProcess, stopHubProcess } from '../support/hub-process.js';
import { startHttpReceiver, type HttpReceiver } from '../support/notification-receivers.js';

const ADMIN = `flt_notify-e2e-admin-${randomBytes(16).toString('hex')}`;
let databaseUrl: string;
let dataDir: string;
let db: pg.Pool;
let hub: HubProcess | null = null;
let rx: HttpReceiver | null = null;

async function startHub(): Promise<HubProcess> {
  hub = await startHubProcess({
    env: {
      FLOTILLA_DATA_DIR: dataDir,
      FLOTILLA_ADMIN_TOKEN: ADMIN,
      DATABASE_URL: databaseUrl,
      FLOTILLA_NOTIFY_ALLOWED_HOSTS: '127.0.0.1',
      FLOTILLA_NOTIFY_INTERVAL_MS: '200',
      FLOTILLA_NOTIFY_GROUP_SECONDS: '1',
      FLOTILLA_NOTIFY_RETRY_BASE_MS: '200',
      FLOTILLA_NOTIFY_MAX_ATTEMPTS: '100',
      FLOTILLA_POLL_TICK_MS: '0',
    },
  });
  return hub;
}

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(hub!.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : null, text };
}
const sql = async (text: string, params: unknown[] = []) => (await db.query(text, params)).rows;
async function waitFor(what: string, ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  databaseUrl = await createTestDatabase(inject('postgresUrl'));
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  dataDir = await mkdtemp(join(tmpdir(), 'flotilla-notify-e2e-'));
});
afterAll(async () => {
  if (hub) await stopHubProcess(hub);
  await rx?.close();
  await db?.end();
  await rm(dataDir, { recursive: true, force: true });
});

describe('notifications across a hub crash', () => {
  it('delivers every message once after a SIGKILL with messages pending and events not yet composed', async () => {
    // a port with nothing listening: the receiver is down
    const probe = await startHttpReceiver();
    const port = probe.port;
    await probe.close();

    await startHub();
    const sub = await api('POST', '/api/v1/notifications/subscriptions', {
      name: 'crash',
      filter: { actions: ['cluster.registered', 'cluster.updated'] },
      channel: { type: 'webhook', url: `http://127.0.0.1:${port}/hook` },
    });
    expect(sub.status).toBe(201);
    for (let i = 0; i < 3; i++)
      await api('POST', '/api/v1/clusters', { name: `c${i}`, labels: { n: String(i) } });
    await waitFor('failed attempts against the down receiver', async () => {
      const rows = await sql(`SELECT attempts FROM notification_deliveries WHERE attempts > 0`);
      return rows.length > 0;
    });
    // more events, killed before the group window lets them become messages
    for (let i = 0; i < 3; i++) await api('PATCH', `/api/v1/clusters/c${i}`, { labels: { n: `x${i}` } });
    hub!.child.kill('SIGKILL');
    await hub!.exited;
    expect((await sql(`SELECT count(*)::int AS n FROM notification_outbox`))[0].n).toBeGreaterThan(0);
    const pendingBefore = await sql(`SELECT id FROM notification_deliveries WHERE status = 'pending'`);
    expect(pendingBefore.length).toBeGreaterThan(0);

    rx = await startHttpReceiver(port);
    await startHub();
    await waitFor(
      'every message delivered',
      async () => {
        const [{ outbox }] = await sql(`SELECT count(*)::int AS outbox FROM notification_outbox`);
        const [{ open }] = await sql(
          `SELECT count(*)::int AS open FROM notification_deliveries WHERE status <> 'delivered'`,
        );
        return outbox === 0 && open === 0;
      },
      60_000,
    );
    // one more look's worth of time: a second send of anything would show now
    await new Promise((r) => setTimeout(r, 1000));

    const ids = (await sql(`SELECT id FROM notification_deliveries`)).map((r) => r.id as string).sort();
    const keys = rx.received.map((r) => r.headers['idempotency-key'] as string).sort();
    expect(keys).toEqual(ids);
    const events = (await sql(`SELECT sum(event_count)::int AS n FROM notification_deliveries`))[0].n;
    expect(events).toBe(6);
    for (const id of pendingBefore.map((r) => r.id as string)) expect(keys).toContain(id);
    // Two hub starts and two waits: more than the default minute when the whole suite runs.
  }, 180_000);
});
