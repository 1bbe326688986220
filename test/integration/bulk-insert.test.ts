/**
 * insertRows, the hub's bulk insert for its hot paths (jobs, desired states and audit events of a
 * commit to a whole fleet), against the real schema: values round-trip exactly, columns left out
 * take their database defaults and come back on the row objects as `manager.insert` gives them,
 * NULL stays NULL in JSON columns, rows of different shapes and more rows than one statement
 * carries all land, and an upsert replaces what it was given and bumps the update time.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { insertRows } from '../../src/hub/database/bulk-insert.js';
import { DATA_SOURCE } from '../../src/hub/database/unit-of-work.js';
import { DesiredStateEntity } from '../../src/hub/dispatch/desired-state.entity.js';
import { ReconcileJobEntity } from '../../src/hub/dispatch/reconcile-job.entity.js';
import { fleetSeedSql } from '../support/fleet-seed.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

let h: TestHub;
let ds: DataSource;
let clusterId: string;
let applicationId: string;

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
  for (const sql of fleetSeedSql(3, 1)) await h.sql(sql);
  ds = h.hub.app.get<DataSource>(DATA_SOURCE);
  clusterId = (await h.sql<{ id: string }>(`SELECT id FROM clusters ORDER BY name LIMIT 1`))[0].id;
  applicationId = (await h.sql<{ id: string }>(`SELECT id FROM applications LIMIT 1`))[0].id;
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const job = (extra: Partial<ReconcileJobEntity> = {}) =>
  ({
    id: randomUUID(),
    clusterId,
    applicationId,
    deploymentId: null,
    kind: 'sync',
    revision: 'rev',
    revisionDisplay: 'main@sha1:1a2b3c4',
    bundleDigest: null,
    prune: true,
    selfHeal: false,
    ignoreDifferences: [],
    objectPolicy: null,
    state: 'queued',
    ...extra,
  }) as ReconcileJobEntity;

describe('insertRows', () => {
  it('round-trips values exactly and merges the database defaults back into the rows', async () => {
    const hostile = `it's "quoted" \\ back$1ash, ${'\u00e9\u4e2d\ud83d\ude80'} and {"json": [1]}`;
    const row = job({ error: hostile, ignoreDifferences: ['/spec/replicas', "/metadata/annotations/it's"] });
    await insertRows(ds.manager, ReconcileJobEntity, [row]);
    const [stored] = await h.sql<Record<string, unknown>>(
      `SELECT error, ignore_differences, object_policy IS NULL AS policy_null, deployment_id, attempts,
              max_attempts, not_before, created_at, updated_at, state
         FROM reconcile_jobs WHERE id = $1`,
      [row.id],
    );
    expect(stored.error).toBe(hostile);
    expect(stored.ignore_differences).toEqual(['/spec/replicas', "/metadata/annotations/it's"]);
    expect(stored.policy_null).toBe(true);
    expect(stored.deployment_id).toBeNull();
    expect(stored.state).toBe('queued');
    // The defaults, on the row object as the database made them.
    expect(row.attempts).toBe(0);
    expect(row.maxAttempts).toBe(stored.max_attempts);
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(row.createdAt.getTime()).toBe((stored.created_at as Date).getTime());
    expect(row.updatedAt.getTime()).toBe((stored.updated_at as Date).getTime());
    expect(row.notBefore.getTime()).toBe((stored.not_before as Date).getTime());
  });

  it('stores a lone surrogate as U+FFFD, in text and JSON columns alike, instead of failing the batch', async () => {
    // JSON.parse('"\\ud800"') or a YAML "\\ud800" escape gives such a string; PostgreSQL's JSON refuses it.
    const row = job({ error: 'half \ud800 a pair', ignoreDifferences: ['/x\udc00', '/ok\u{1F680}'] });
    const neighbour = job({ error: 'whole' });
    await insertRows(ds.manager, ReconcileJobEntity, [row, neighbour]);
    const stored = await h.sql<{ id: string; error: string; ignore_differences: string[] }>(
      `SELECT id, error, ignore_differences FROM reconcile_jobs WHERE id = ANY($1::uuid[])`,
      [[row.id, neighbour.id]],
    );
    const byId = new Map(stored.map((r) => [r.id, r]));
    expect(byId.get(row.id)?.error).toBe('half \ufffd a pair');
    expect(byId.get(row.id)?.ignore_differences).toEqual(['/x\ufffd', '/ok\u{1F680}']);
    expect(byId.get(neighbour.id)?.error).toBe('whole');
  });

  it('inserts rows of different shapes and more rows than one statement carries', async () => {
    const given = job({ attempts: 3, notBefore: new Date('2030-01-02T03:04:05.678Z') });
    const plain = job();
    const many = Array.from({ length: 2_500 }, () => job({ state: 'superseded' }));
    await insertRows(ds.manager, ReconcileJobEntity, [given, plain, ...many]);
    const rows = await h.sql<{ id: string; attempts: number; not_before: Date }>(
      `SELECT id, attempts, not_before FROM reconcile_jobs WHERE id = ANY($1::uuid[])`,
      [[given.id, plain.id]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(given.id)?.attempts).toBe(3);
    expect(byId.get(given.id)?.not_before.toISOString()).toBe('2030-01-02T03:04:05.678Z');
    expect(byId.get(plain.id)?.attempts).toBe(0);
    const [{ n }] = await h.sql<{ n: string }>(
      `SELECT count(*) AS n FROM reconcile_jobs WHERE id = ANY($1::uuid[])`,
      [many.map((j) => j.id)],
    );
    expect(Number(n)).toBe(2_500);
    expect(many.every((j) => j.createdAt instanceof Date)).toBe(true);
  });

  it('upserts: replaces the columns given on a conflict and bumps the update time', async () => {
    const desired = (revision: string) =>
      ({
        applicationId,
        clusterId,
        revision,
        revisionDisplay: revision,
        bundleDigest: null,
        renderError: null,
        inventory: ['apps/Deployment/web/api'],
      }) as unknown as DesiredStateEntity;
    const first = desired('one');
    await insertRows(ds.manager, DesiredStateEntity, [first], { conflict: ['applicationId', 'clusterId'] });
    const second = desired('two');
    await new Promise((r) => setTimeout(r, 5));
    await insertRows(ds.manager, DesiredStateEntity, [second], { conflict: ['applicationId', 'clusterId'] });
    const rows = await h.sql<{ revision: string; inventory: string[]; updated_at: Date }>(
      `SELECT revision, inventory, updated_at FROM desired_states WHERE application_id = $1 AND cluster_id = $2`,
      [applicationId, clusterId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].revision).toBe('two');
    expect(rows[0].inventory).toEqual(['apps/Deployment/web/api']);
    expect(rows[0].updated_at.getTime()).toBeGreaterThan(first.updatedAt.getTime());
    expect(second.updatedAt.getTime()).toBe(rows[0].updated_at.getTime());
  });

  it('refuses an upsert on a property it was not given', async () => {
    await expect(
      insertRows(ds.manager, ReconcileJobEntity, [job()], { conflict: ['nonexistent'] }),
    ).rejects.toThrow(/conflict property nonexistent is not given/);
  });
});
