import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../src/hub/database/embedded-postgres.launcher.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

// This file owns its Postgres so it can stop and restart it under a running hub.
let dir: string;
let pg: EmbeddedPostgres;
let h: TestHub;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-outage-'));
  await chmod(dir, 0o711);
  pg = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  h = await startTestHub(pg.url, { DATABASE_URL: pg.url });
});
afterAll(async () => {
  await h?.close();
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('database outage', () => {
  it('answers 503 while Postgres is down and recovers without a restart', async () => {
    expect((await h.api('GET', '/readyz', { token: null })).status).toBe(200);
    await pg.stop();

    const ready = await h.api('GET', '/readyz', { token: null });
    expect(ready.status).toBe(503);
    const call = await h.api('GET', '/api/v1/clusters');
    expect(call.status).toBe(503);
    expect(call.body.message).toBe('the database is unavailable; try again shortly');
    expect((await h.api('GET', '/healthz', { token: null })).status).toBe(200);

    // The hub keeps its configured URL, so the server comes back on the same port.
    pg = await startEmbeddedPostgres({ dir: join(dir, 'pg'), port: pg.port });
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await h.api('GET', '/readyz', { token: null })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    const created = await h.api('POST', '/api/v1/clusters', { body: { name: 'after-outage' } });
    expect(created.status).toBe(201);
  });
});
