import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RepositoryPollerService } from '../../src/hub/repositories/repository-poller.service.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

let fx: VcsFixture;
let a: TestHub;
let b: TestHub;
let repo: VcsRepository;
let repoId: string;

beforeAll(async () => {
  fx = await gitFixture(false);
  a = await startTestHub(inject('postgresUrl'));
  // A second replica on the same database.
  b = await startTestHub(inject('postgresUrl'), { DATABASE_URL: a.databaseUrl });
  repo = await fx.createRepo();
  await fx.externalCommit(
    repo,
    { 'a.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n' },
    'one',
  );
  const created = await a.api('POST', '/api/v1/repositories', {
    body: { name: 'shared', type: 'git', url: repo.url, pollIntervalSeconds: 5 },
  });
  repoId = created.body.id;
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await fx?.close();
});

describe('polling with two hub replicas on one database', () => {
  it('polls each due repository on exactly one replica', async () => {
    const ticks = () =>
      Promise.all([
        a.hub.app.get(RepositoryPollerService).tick(),
        b.hub.app.get(RepositoryPollerService).tick(),
      ]);
    for (let round = 0; round < 5; round++) {
      await fx.externalCommit(
        repo,
        { 'a.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a${round}\n` },
        `change ${round}`,
      );
      await a.sql("UPDATE repositories SET next_poll_at = now() - interval '1 second' WHERE id = $1", [
        repoId,
      ]);
      const [x, y] = await ticks();
      expect(x + y).toBe(1);
    }
    const detected = await a.sql<{ revision: string }>(
      "SELECT revision FROM audit_events WHERE action = 'revision.detected' AND repository_id = $1",
      [repoId],
    );
    expect(detected).toHaveLength(5);
    expect(new Set(detected.map((d) => d.revision)).size).toBe(5);
  });

  it('a webhook received by one replica is polled by whichever replica ticks first', async () => {
    await a.sql("UPDATE repositories SET next_poll_at = now() + interval '1 hour' WHERE id = $1", [repoId]);
    await a.api('PATCH', '/api/v1/repositories/shared', {
      body: { webhookSecret: 'shared-secret-0123456789' },
    });
    await a.sql("UPDATE repositories SET next_poll_at = now() + interval '1 hour' WHERE id = $1", [repoId]);
    const res = await a.api('POST', '/api/v1/webhooks/git', {
      token: null,
      rawBody: JSON.stringify({ repository: { clone_url: repo.url } }),
      headers: { 'x-gitlab-token': 'shared-secret-0123456789' },
    });
    expect(res.status).toBe(202);
    expect(await b.hub.app.get(RepositoryPollerService).tick()).toBe(1);
    expect(await a.hub.app.get(RepositoryPollerService).tick()).toBe(0);
  });
});
