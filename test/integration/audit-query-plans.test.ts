import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditService } from '../../src/hub/audit/audit.service.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

let h: TestHub;
const ROWS = 300_000;

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
  // The months the rows fall in: the hub only makes the current one and those ahead.
  await h.sql(`SELECT audit_events_ensure_partitions(now() - interval '31 days', now())`);
  // Bulk rows straight into the table (this database's chain is not the point here):
  // 300k events over 2,000 clusters, 50 repositories, 500 applications, 30 days.
  await h.sql(`
    INSERT INTO audit_events (seq, occurred_at, actor_type, actor_id, actor_name, action, cluster_id, repository_id,
                              application_id, revision, resource, details, prev_hash, hash)
    SELECT (SELECT max(seq) FROM audit_events) + g, now() - (g * interval '8 seconds'), 'agent', 'a', 'agent:c' || (g % 2000),
           (ARRAY['resource.applied','resource.pruned','drift.detected','job.dispatched','cluster.updated'])[1 + g % 5],
           ('00000000-0000-4000-8000-' || lpad(to_hex(g % 2000), 12, '0'))::uuid,
           ('00000000-0000-4000-9000-' || lpad(to_hex(g % 50), 12, '0'))::uuid,
           ('00000000-0000-4000-a000-' || lpad(to_hex(g % 500), 12, '0'))::uuid,
           'main@sha1:' || md5((g % 3000)::text),
           'apps/Deployment/ns' || (g % 100) || '/app' || (g % 700),
           '{}'::jsonb, '', ''
    FROM generate_series(1, ${ROWS}) g`);
  await h.sql(`ANALYZE audit_events`);
}, 180_000);
afterAll(async () => {
  await h?.close();
});

const since = new Date(Date.now() - 3 * 86_400_000);
const queries: [string, Parameters<AuditService['explain']>[0]][] = [
  ['newest events, no filter', { limit: 101 }],
  ['by cluster', { clusterId: '00000000-0000-4000-8000-000000000007', limit: 101 }],
  ['by cluster since 3 days', { clusterId: '00000000-0000-4000-8000-000000000007', since, limit: 101 }],
  ['by repository', { repositoryId: '00000000-0000-4000-9000-000000000003', limit: 101 }],
  ['by application', { applicationId: '00000000-0000-4000-a000-000000000042', limit: 101 }],
  ['by resource', { resource: 'apps/Deployment/ns7/app7', limit: 101 }],
  ['by actor', { actor: 'agent:c7', limit: 101 }],
  ['by exact action', { action: 'drift.detected', limit: 101 }],
  ['by action prefix', { actionPrefix: 'resource.', limit: 101 }],
  ['by revision', { revision: 'main@sha1:8f14e45fceea167a5a36dedd4bea2543', limit: 101 }],
  [
    'next page of a cluster',
    {
      clusterId: '00000000-0000-4000-8000-000000000007',
      before: { occurredAt: new Date(Date.now() - 86_400_000), seq: '150000' },
      limit: 101,
    },
  ],
];

describe('audit query plans', () => {
  it(`every filtered query is an index scan over ${ROWS.toLocaleString('en')} events`, async () => {
    const audit = h.hub.app.get(AuditService);
    const doc: string[] = [
      '# Audit query plans',
      '',
      `EXPLAIN of the queries behind \`GET /api/v1/audit\`, on ${ROWS.toLocaleString('en')} generated events`,
      '(2,000 clusters, 50 repositories, 500 applications, 30 days), as produced by',
      '`test/integration/audit-query-plans.test.ts`, which fails if any of them stops using an index.',
      'The table is partitioned by month: each month has its own copy of every index, and the',
      'sequential scans below are of the empty months the hub made ahead (cost 0).',
      '',
    ];
    for (const [name, filter] of queries) {
      const plan = await audit.explain(filter);
      doc.push(`## ${name}`, '', '```', plan, '```', '');
      expect(plan, name).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
      // Months made ahead are empty: scanning one costs nothing, and the planner knows it.
      const seqScans = plan.split('\n').filter((l) => l.includes('Seq Scan'));
      for (const l of seqScans)
        expect(l, name).toMatch(/Seq Scan on audit_events_p\d{6} .*cost=0\.00\.\.0\.00 /);
    }
    if (process.env.FLOTILLA_WRITE_DOCS === '1') await writeFile('docs/audit-query-plans.md', doc.join('\n'));
  });

  it('the cluster filter reads one page of rows, not the table', async () => {
    const rows = await h.sql<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, FORMAT TEXT) SELECT * FROM audit_events WHERE cluster_id = $1 ORDER BY occurred_at DESC, seq DESC LIMIT 101`,
      ['00000000-0000-4000-8000-000000000007'],
    );
    const text = rows.map((r) => r['QUERY PLAN']).join('\n');
    // The partition's copy of audit_events_cluster_idx.
    expect(text).toMatch(/audit_events_p\d{6}_cluster_id_occurred_at_seq_idx/);
    expect(text).toMatch(/actual time=[^)]*rows=101(\.00)? loops=1/);
  });
});
