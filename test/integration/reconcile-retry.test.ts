import { rename } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { svnFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const CONFIG = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  n: "1"\n';

let h: TestHub;
let fx: VcsFixture;
beforeAll(async () => {
  // The sweep runs every second here; polling stays off.
  h = await startTestHub(inject('postgresUrl'), {
    FLOTILLA_RECONCILE_INTERVAL_SECONDS: '1',
    FLOTILLA_ALLOW_FILE_URLS: 'true',
  });
  // file:// SVN: nothing is cached on the hub, so moving the repository away fails every read.
  fx = await svnFixture('file');
}, 60_000);
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the reconcile sweep retries a failed reconcile with backoff', () => {
  it('a repository unreadable when the application is created is deployed once it is back', async () => {
    const repo = await fx.createRepo();
    await fx.externalCommit(repo, { 'settings.yaml': CONFIG }, 'one');
    const created = await h.api('POST', '/api/v1/repositories', {
      body: { name: 'retry', type: 'svn', url: repo.url },
    });
    expect(created.status, created.text).toBe(201);
    const head = (await h.api('POST', '/api/v1/repositories/retry/refresh')).body.lastRevision as string;
    expect(head).toMatch(/^\d+$/);
    expect(
      (await h.api('POST', '/api/v1/clusters', { body: { name: 'retry-c', labels: { lane: 'retry' } } }))
        .status,
    ).toBe(201);

    const path = fileURLToPath(repo.url);
    await rename(path, `${path}.away`);
    let appId = '';
    try {
      const app = await h.api('POST', '/api/v1/applications', {
        body: {
          name: 'retry-app',
          repositoryId: created.body.id,
          path: '',
          targets: [{ clusterSelector: 'lane=retry', namespace: 'default' }],
          syncPolicy: { automated: true, prune: true, selfHeal: false },
        },
      });
      expect(app.status, app.text).toBe(201);
      appId = app.body.id as string;
      const state = () =>
        h.sql<{
          reconcile_failures: number;
          reconcile_retry_at: Date | null;
          reconciled_revision: string | null;
        }>(
          'SELECT reconcile_failures, reconcile_retry_at, reconciled_revision FROM applications WHERE id = $1',
          [appId],
        );
      // The sweep tries, fails, and schedules the retries further and further apart.
      await until('two failed attempts', async () => (await state())[0].reconcile_failures >= 2);
      const [failing] = await state();
      expect(failing.reconcile_retry_at).not.toBeNull();
      const failed = await h.sql<{ details: { phase: string; error: string } }>(
        "SELECT details FROM audit_events WHERE action = 'sync.failed' AND application_id = $1",
        [appId],
      );
      expect(failed[0].details).toMatchObject({ phase: 'render' });
      expect(failed[0].details.error).toMatch(/^fetch: /);
      expect(await h.sql('SELECT 1 FROM reconcile_jobs WHERE application_id = $1', [appId])).toHaveLength(0);
    } finally {
      await rename(`${path}.away`, path);
    }

    await until(
      'the retry to queue the job',
      async () => (await h.sql('SELECT 1 FROM reconcile_jobs WHERE application_id = $1', [appId])).length > 0,
    );
    const jobs = await h.sql<{ revision: string }>(
      'SELECT revision FROM reconcile_jobs WHERE application_id = $1',
      [appId],
    );
    expect(jobs).toEqual([{ revision: head }]);
    const [done] = await h.sql<{
      reconcile_failures: number;
      reconcile_retry_at: Date | null;
      reconciled_revision: string;
    }>('SELECT reconcile_failures, reconcile_retry_at, reconciled_revision FROM applications WHERE id = $1', [
      appId,
    ]);
    expect(done).toEqual({ reconcile_failures: 0, reconcile_retry_at: null, reconciled_revision: head });
  }, 120_000);
});
