import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RepositoryPollerService } from '../../src/hub/repositories/repository-poller.service.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import {
  gitFixture,
  svnFixture,
  TEST_PASSWORD,
  WRONG_PASSWORD,
  type VcsFixture,
} from '../support/vcs-fixtures.js';

const DEPLOY = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n';
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n';
const CONFIG = (v: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  level: "${v}"\n`;
const WEBHOOK_SECRET = 'webhook-secret-0123456789';

describe.each([
  ['git', () => gitFixture(true)],
  ['svn', () => svnFixture('svnserve')],
] as const)('repository content over REST (%s)', (type, makeFixture) => {
  let fx: VcsFixture;
  let h: TestHub;
  let vcsRepo: VcsRepository;
  let repoId: string;
  let deployer: string;
  let marker: string;

  const tick = () => h.hub.app.get(RepositoryPollerService).tick();
  const events = async (action: string) =>
    (await h.api('GET', `/api/v1/audit?repository=${repoId}&action=${action}&limit=500`)).body.items as {
      revision: string;
      actor: { name: string };
      details: Record<string, unknown>;
    }[];

  beforeAll(async () => {
    fx = await makeFixture();
    h = await startTestHub(inject('postgresUrl'));
    vcsRepo = await fx.createRepo();
    await fx.externalCommit(
      vcsRepo,
      { 'apps/web/deploy.yaml': DEPLOY, 'apps/web/svc.yaml': SERVICE, 'README.md': '# hi\n' },
      'initial import',
    );
    const created = await h.api('POST', '/api/v1/repositories', {
      body: {
        name: `content-${type}`,
        type,
        url: vcsRepo.url,
        ...(type === 'git' ? { branch: vcsRepo.branch } : { path: vcsRepo.path }),
        credentials: vcsRepo.credentials,
        webhookSecret: WEBHOOK_SECRET,
      },
    });
    expect(created.status).toBe(201);
    repoId = created.body.id;
    const tok = await h.api('POST', '/api/v1/tokens', {
      body: { name: `deployer-${type}`, role: 'operator' },
    });
    deployer = tok.body.token;
    marker = join(await mkdtemp(join(tmpdir(), 'flotilla-marker-')), 'pwned');
  });
  afterAll(async () => {
    await h?.close();
    await fx?.close();
  });

  it('refresh detects the newest revision and audits it', async () => {
    const res = await h.api('POST', `/api/v1/repositories/${repoId}/refresh`);
    expect(res.status).toBe(200);
    expect(res.body.lastRevision).toBeTruthy();
    expect(res.body.lastError).toBeNull();
    expect(res.body.lastPolledAt).toBeTruthy();
    const detected = await events('revision.detected');
    expect(detected).toHaveLength(1);
    expect(detected[0].revision).toBe(res.body.lastRevision);
    expect(detected[0].actor.name).toBe('system');
  });

  it('lists history, trees and files', async () => {
    const revs = await h.api('GET', `/api/v1/repositories/${repoId}/revisions?limit=10`);
    expect(revs.status).toBe(200);
    expect(revs.body.items[0]).toMatchObject({ message: 'initial import' });
    expect(revs.body.items[0].changedPaths).toEqual(
      expect.arrayContaining(['apps/web/deploy.yaml', 'README.md']),
    );
    const tree = await h.api('GET', `/api/v1/repositories/${repoId}/tree?path=apps/web`);
    expect(tree.status).toBe(200);
    expect(tree.body.entries.map((e: { name: string }) => e.name).sort()).toEqual([
      'deploy.yaml',
      'svc.yaml',
    ]);
    const file = await h.api('GET', `/api/v1/repositories/${repoId}/files/apps/web/deploy.yaml`);
    expect(file.status).toBe(200);
    expect(file.text).toBe(DEPLOY);
    expect((await h.api('GET', `/api/v1/repositories/${repoId}/files/apps/nope.yaml`)).status).toBe(404);
  });

  it('PUT versions a resource as the API caller, and the audit trail shows it', async () => {
    const put = await h.api('PUT', `/api/v1/repositories/${repoId}/files/apps/web/config.yaml`, {
      token: deployer,
      body: { content: CONFIG('info'), message: 'Add web config' },
    });
    expect(put.status).toBe(200);
    expect(put.body.revision.id).toBeTruthy();
    expect(put.body.revision.display).toMatch(type === 'git' ? /^main@sha1:[0-9a-f]{7}$/ : /^trunk@r\d+$/);
    const revs = await h.api('GET', `/api/v1/repositories/${repoId}/revisions?path=apps/web/config.yaml`);
    expect(revs.body.items[0]).toMatchObject({
      author: `deployer-${type}`,
      message: 'Add web config',
      revision: put.body.revision,
    });
    const committed = await events('resource.committed');
    expect(committed[0]).toMatchObject({
      revision: put.body.revision.id,
      actor: { name: `deployer-${type}` },
      details: { paths: ['apps/web/config.yaml'], operation: 'write' },
    });
    expect((await h.api('GET', `/api/v1/repositories/${repoId}/files/apps/web/config.yaml`)).text).toBe(
      CONFIG('info'),
    );
  });

  it('viewers read content but cannot write it; no token gets 401', async () => {
    const viewer = await h.token('viewer');
    expect((await h.api('GET', `/api/v1/repositories/${repoId}/tree`, { token: viewer })).status).toBe(200);
    expect((await h.api('GET', `/api/v1/repositories/${repoId}/revisions`, { token: viewer })).status).toBe(
      200,
    );
    expect(
      (await h.api('GET', `/api/v1/repositories/${repoId}/files/README.md`, { token: viewer })).status,
    ).toBe(200);
    const put = await h.api('PUT', `/api/v1/repositories/${repoId}/files/x.txt`, {
      token: viewer,
      body: { content: 'x', message: 'm' },
    });
    expect(put.status).toBe(403);
    expect(
      (
        await h.api('DELETE', `/api/v1/repositories/${repoId}/files/README.md`, {
          token: viewer,
          body: { message: 'm' },
        })
      ).status,
    ).toBe(403);
    expect((await h.api('POST', `/api/v1/repositories/${repoId}/refresh`, { token: viewer })).status).toBe(
      403,
    );
    expect((await h.api('GET', `/api/v1/repositories/${repoId}/tree`, { token: null })).status).toBe(401);
  });

  it('refuses a manifest that is not a Kubernetes object, naming file and document, and commits nothing', async () => {
    const before = (await h.api('GET', `/api/v1/repositories/${repoId}/revisions?limit=1`)).body.items[0]
      .revision.id;
    const bad = await h.api('PUT', `/api/v1/repositories/${repoId}/files/apps/web/bad.yaml`, {
      body: { content: `${SERVICE}---\nkind: Secret\n`, message: 'broken' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe(
      'apps/web/bad.yaml: document 2: is not a Kubernetes object: missing apiVersion, metadata.name',
    );
    const yaml = await h.api('PUT', `/api/v1/repositories/${repoId}/files/x.yaml`, {
      body: { content: 'a: [1', message: 'x' },
    });
    expect(yaml.status).toBe(400);
    expect(yaml.body.message).toMatch(/x\.yaml: document 1: invalid YAML/);
    const after = (await h.api('GET', `/api/v1/repositories/${repoId}/revisions?limit=1`)).body.items[0]
      .revision.id;
    expect(after).toBe(before);
  });

  it('refuses a stale base revision with 409 and loses nothing', async () => {
    const base = (await h.api('GET', `/api/v1/repositories/${repoId}/revisions?limit=1`)).body.items[0]
      .revision.id;
    await fx.externalCommit(vcsRepo, { 'apps/web/config.yaml': CONFIG('debug') }, 'someone else edits');
    const stale = await h.api('PUT', `/api/v1/repositories/${repoId}/files/apps/web/config.yaml`, {
      body: { content: CONFIG('warn'), message: 'my edit', baseRevision: base },
    });
    expect(stale.status).toBe(409);
    expect((await h.api('GET', `/api/v1/repositories/${repoId}/files/apps/web/config.yaml`)).text).toBe(
      CONFIG('debug'),
    );
  });

  it('DELETE removes a file in a commit', async () => {
    const del = await h.api('DELETE', `/api/v1/repositories/${repoId}/files/apps/web/svc.yaml`, {
      body: { message: 'drop the service' },
    });
    expect(del.status).toBe(200);
    expect((await h.api('GET', `/api/v1/repositories/${repoId}/files/apps/web/svc.yaml`)).status).toBe(404);
    expect((await events('resource.committed'))[0].details).toMatchObject({
      operation: 'delete',
      paths: ['apps/web/svc.yaml'],
    });
  });

  it('never runs what a message, path or author smuggles in', async () => {
    const evil = `$(touch ${marker}) \`touch ${marker}\`; touch ${marker}\ntouch ${marker}`;
    const res = await h.api('PUT', `/api/v1/repositories/${repoId}/files/notes/evil.txt`, {
      body: { content: 'x', message: evil },
    });
    expect(res.status).toBe(200);
    const path = await h.api(
      'PUT',
      `/api/v1/repositories/${repoId}/files/${encodeURIComponent(`$(touch ${marker});x.txt`)}`,
      {
        body: { content: 'x', message: 'path' },
      },
    );
    expect([200, 400]).toContain(path.status);
    const tok = await h.api('POST', '/api/v1/tokens', {
      body: { name: `evil-author-${type}`, role: 'operator' },
    });
    expect(tok.status).toBe(201);
    const byEvil = await h.api('PUT', `/api/v1/repositories/${repoId}/files/notes/author.txt`, {
      token: tok.body.token,
      body: { content: 'y', message: evil },
    });
    expect(byEvil.status).toBe(200);
    expect(existsSync(marker)).toBe(false);
    const revs = await h.api('GET', `/api/v1/repositories/${repoId}/revisions?path=notes/evil.txt`);
    expect(revs.body.items[0].message.trim()).toBe(evil.trim());
  });

  it('refuses paths that escape the repository', async () => {
    for (const p of ['..%2F..%2Fetc%2Fpasswd', '%2Fetc%2Fpasswd', 'a%2F..%2F..%2Fb.yaml']) {
      const res = await h.api('GET', `/api/v1/repositories/${repoId}/files/${p}`);
      expect(res.status, p).toBe(400);
    }
    const put = await h.api('PUT', `/api/v1/repositories/${repoId}/files/a%2F..%2F..%2Fb.txt`, {
      body: { content: 'x', message: 'm' },
    });
    expect(put.status).toBe(400);
  });

  it('polls: a commit made elsewhere is detected with the paths it changed', async () => {
    await h.api('POST', `/api/v1/repositories/${repoId}/refresh`);
    await fx.externalCommit(vcsRepo, { 'apps/db/db.yaml': CONFIG('db') }, 'add db');
    await h.sql("UPDATE repositories SET next_poll_at = now() - interval '1 second' WHERE id = $1", [repoId]);
    expect(await tick()).toBeGreaterThanOrEqual(1);
    const detected = await events('revision.detected');
    // SVN also lists the directory it added.
    expect(detected[0].details.paths).toEqual(
      type === 'git' ? ['apps/db/db.yaml'] : ['apps/db', 'apps/db/db.yaml'],
    );
    // Not due again until its interval has passed.
    expect(await tick()).toBe(0);
  });

  it('a verified webhook makes the repository due at once; a bad signature is refused', async () => {
    await h.sql("UPDATE repositories SET next_poll_at = now() + interval '1 hour' WHERE id = $1", [repoId]);
    const body =
      type === 'git'
        ? JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: vcsRepo.url } })
        : JSON.stringify({ url: vcsRepo.url, revision: '1' });
    const sig = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`;
    const header = type === 'git' ? 'x-hub-signature-256' : 'x-flotilla-signature';
    const path = `/api/v1/webhooks/${type}`;
    const forged = await h.api('POST', path, {
      token: null,
      rawBody: body,
      headers: { [header]: 'sha256=' + '0'.repeat(64) },
    });
    expect(forged.status).toBe(401);
    const unsigned = await h.api('POST', path, { token: null, rawBody: body });
    expect(unsigned.status).toBe(401);
    expect(await tick()).toBe(0);
    await fx.externalCommit(vcsRepo, { 'apps/db/db.yaml': CONFIG('db2') }, 'webhook change');
    const ok = await h.api('POST', path, { token: null, rawBody: body, headers: { [header]: sig } });
    expect(ok.status).toBe(202);
    expect(ok.body.refreshed).toEqual([`content-${type}`]);
    expect(await tick()).toBe(1);
    expect((await events('revision.detected'))[0].details.paths).toEqual(['apps/db/db.yaml']);
    if (type === 'git') {
      const gitlab = await h.api('POST', path, {
        token: null,
        rawBody: JSON.stringify({ ref: 'refs/heads/main', project: { git_http_url: vcsRepo.url } }),
        headers: { 'x-gitlab-token': WEBHOOK_SECRET },
      });
      expect(gitlab.status).toBe(202);
      const otherBranch = await h.api('POST', path, {
        token: null,
        rawBody: JSON.stringify({ ref: 'refs/heads/feature', repository: { clone_url: vcsRepo.url } }),
        headers: { 'x-gitlab-token': WEBHOOK_SECRET },
      });
      expect(otherBranch.body.refreshed).toEqual([]);
    }
  });

  it('an unreachable repository server is a failed dependency (424), not the hub being down (503)', async () => {
    // A port that was just free: nothing answers there.
    const srv = createServer();
    await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((ok) => srv.close(() => ok()));
    const url = type === 'git' ? `http://127.0.0.1:${port}/gone.git` : `svn://127.0.0.1:${port}/gone`;
    const created = await h.api('POST', '/api/v1/repositories', {
      body: { name: `gone-${type}`, type, url, ...(type === 'git' ? {} : { path: 'trunk' }) },
    });
    expect(created.status).toBe(201);
    const put = await h.api('PUT', `/api/v1/repositories/${created.body.id}/files/apps/web/config.yaml`, {
      body: { content: CONFIG('x'), message: 'to nowhere' },
    });
    expect(put.status).toBe(424);
    expect(put.body.message).toMatch(/unreachable/);
    expect((await h.api('GET', `/api/v1/repositories/${created.body.id}/tree`)).status).toBe(424);
  });

  it('wrong credentials become a repository error that never shows the password', async () => {
    const patched = await h.api('PATCH', `/api/v1/repositories/${repoId}`, {
      body: { credentials: { username: 'alice', password: WRONG_PASSWORD } },
    });
    expect(patched.status).toBe(200);
    const refreshed = await h.api('POST', `/api/v1/repositories/${repoId}/refresh`);
    expect(refreshed.body.lastError).toMatch(/authentication failed/);
    const tree = await h.api('GET', `/api/v1/repositories/${repoId}/tree`);
    expect(tree.status).toBe(424);
    expect(tree.body.message).toMatch(/authentication failed/);
    const all = [
      refreshed.text,
      tree.text,
      h.logs.join('\n'),
      (await h.api('GET', '/api/v1/audit?limit=500')).text,
    ].join('\n');
    expect(all).not.toContain(WRONG_PASSWORD);
    expect(all).not.toContain(TEST_PASSWORD);
    await h.api('PATCH', `/api/v1/repositories/${repoId}`, { body: { credentials: vcsRepo.credentials } });
  });

  afterAll(async () => {
    await rm(join(marker, '..'), { recursive: true, force: true });
  });
});
