import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

let h: TestHub;
beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
});
afterAll(async () => {
  await h?.close();
});

const SECRET_PASSWORD = 'pa55-very-secret-Zq81';
const SECRET_TOKEN = 'tok-very-secret-Xy72';

describe('repositories', () => {
  it('creates a Git repository with defaults and hides credentials', async () => {
    const res = await h.api('POST', '/api/v1/repositories', {
      body: {
        name: 'manifests',
        type: 'git',
        url: 'https://git.example.com/platform/manifests.git',
        credentials: { username: 'bot', password: SECRET_PASSWORD },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'manifests',
      type: 'git',
      branch: 'main',
      path: null,
      hasCredentials: true,
      pollIntervalSeconds: 60,
    });
    expect(res.body).not.toHaveProperty('credentials');
    expect(res.text).not.toContain(SECRET_PASSWORD);
  });

  it('creates an SVN repository with a path', async () => {
    const res = await h.api('POST', '/api/v1/repositories', {
      body: {
        name: 'svn-repo',
        type: 'svn',
        url: 'svn://svn.example.com/repo',
        path: 'trunk',
        pollIntervalSeconds: 5,
        credentials: { username: 'u', password: SECRET_PASSWORD },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ type: 'svn', path: 'trunk', branch: null, pollIntervalSeconds: 5 });
  });

  it('encrypts credentials at rest with AES-256-GCM', async () => {
    const rows = await h.sql<{ credentials_sealed: string }>(
      "SELECT credentials_sealed FROM repositories WHERE name = 'manifests'",
    );
    // v2.<key id>.<iv>.<tag>.<ciphertext>
    expect(rows[0].credentials_sealed).toMatch(/^v2\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(rows[0].credentials_sealed).not.toContain(SECRET_PASSWORD);
    expect(Buffer.from(rows[0].credentials_sealed.split('.')[4], 'base64url').toString()).not.toContain(
      SECRET_PASSWORD,
    );
  });

  it('patches URL, poll interval and credentials; audit records that credentials changed, not their value', async () => {
    const res = await h.api('PATCH', '/api/v1/repositories/manifests', {
      body: {
        url: 'https://git.example.com/platform/other.git',
        pollIntervalSeconds: 120,
        credentials: { token: SECRET_TOKEN },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      url: 'https://git.example.com/platform/other.git',
      pollIntervalSeconds: 120,
      hasCredentials: true,
    });
    const audit = await h.api('GET', `/api/v1/audit?repository=${res.body.id}&action=repository.updated`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].details).toMatchObject({
      credentialsChanged: true,
      before: { url: 'https://git.example.com/platform/manifests.git', pollIntervalSeconds: 60 },
      after: { url: 'https://git.example.com/platform/other.git', pollIntervalSeconds: 120 },
    });
    const cleared = await h.api('PATCH', '/api/v1/repositories/manifests', { body: { credentials: null } });
    expect(cleared.body.hasCredentials).toBe(false);
  });

  it('lists with keyset pagination and deletes', async () => {
    for (const n of ['pa', 'pb', 'pc'])
      await h.api('POST', '/api/v1/repositories', {
        body: { name: `page-${n}`, type: 'git', url: `https://g.example.com/${n}.git` },
      });
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.api('GET', `/api/v1/repositories?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      names.push(...res.body.items.map((r: { name: string }) => r.name));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['page-pa', 'page-pb', 'page-pc', 'manifests', 'svn-repo']));
    expect((await h.api('DELETE', '/api/v1/repositories/page-pb')).status).toBe(204);
    expect((await h.api('GET', '/api/v1/repositories/page-pb')).status).toBe(404);
  });

  it('refuses file:// URLs unless allowed, and credentials inside URLs', async () => {
    const file = await h.api('POST', '/api/v1/repositories', {
      body: { name: 'local', type: 'svn', url: 'file:///srv/svn/repo' },
    });
    expect(file.status).toBe(400);
    expect(file.body.message).toContain('FLOTILLA_ALLOW_FILE_URLS');
    const inUrl = await h.api('POST', '/api/v1/repositories', {
      body: { name: 'leaky', type: 'git', url: `https://bot:${SECRET_PASSWORD}@git.example.com/x.git` },
    });
    expect(inUrl.status).toBe(400);
    expect(inUrl.text).not.toContain(SECRET_PASSWORD);
  });

  it('allows file:// when FLOTILLA_ALLOW_FILE_URLS=true', async () => {
    const other = await startTestHub(inject('postgresUrl'), { FLOTILLA_ALLOW_FILE_URLS: 'true' });
    try {
      const res = await other.api('POST', '/api/v1/repositories', {
        body: { name: 'local', type: 'svn', url: 'file:///srv/svn/repo' },
      });
      expect(res.status).toBe(201);
    } finally {
      await other.close();
    }
  });

  it('never shows credentials in any response, log line or audit event', async () => {
    const everything = [
      (await h.api('GET', '/api/v1/repositories')).text,
      (await h.api('GET', '/api/v1/audit?limit=500')).text,
      JSON.stringify(await h.sql('SELECT details FROM audit_events')),
      h.logs.join('\n'),
    ].join('\n');
    expect(everything).not.toContain(SECRET_PASSWORD);
    expect(everything).not.toContain(SECRET_TOKEN);
    expect(h.logs.length).toBeGreaterThan(10);
  });
});
