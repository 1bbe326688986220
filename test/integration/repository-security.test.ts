import { createCipheriv, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, TEST_PASSWORD, type VcsFixture } from '../support/vcs-fixtures.js';
import { freeTcpPort } from '../support/vcs-process.js';
import { type VcsRepository } from '../../src/vcs/index.js';

/** A plain HTTP listener that records what reaches it (the "elsewhere" host of an attack). */
interface Listener {
  port: number;
  url(path: string): string;
  seen: { url: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

async function listen(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listener> {
  const seen: Listener['seen'] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    handle(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    seen,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Redirects every request to the same path on `target` (an origin like http://127.0.0.1:1234). */
const redirectTo =
  (target: () => string, status = 302) =>
  (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { location: `${target()}${req.url ?? '/'}` }).end();
  };

const KEY_1 = randomBytes(32).toString('base64');
const KEY_2 = randomBytes(32).toString('base64');

let git: VcsFixture;
let vcsRepo: VcsRepository;
let recorder: Listener;
let h: TestHub;
/** The first hub's admin token: a restarted hub on the same database keeps it. */
let admin: string;

beforeAll(async () => {
  git = await gitFixture(true);
  vcsRepo = await git.createRepo();
  await git.externalCommit(vcsRepo, { 'README.md': 'hello\n' }, 'first');
  recorder = await listen((_req, res) => res.writeHead(404).end('nothing here'));
  h = await startTestHub(inject('postgresUrl'), { FLOTILLA_SECRET_KEY: KEY_1 });
  admin = h.adminToken;
});
afterAll(async () => {
  await h?.close();
  await recorder?.close();
  await git?.close();
});

const credentials = { username: 'alice', password: TEST_PASSWORD };
const basicAlice = `Basic ${Buffer.from(`alice:${TEST_PASSWORD}`).toString('base64')}`;

async function createRepo(hub: TestHub, name: string, url: string, withCredentials = true) {
  const res = await hub.api('POST', '/api/v1/repositories', {
    body: { name, type: 'git', url, ...(withCredentials ? { credentials } : {}) },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; name: string };
}

const refresh = async (hub: TestHub, name: string) =>
  (await hub.api('POST', `/api/v1/repositories/${name}/refresh`)).body as {
    lastError: string | null;
    lastRevision: string | null;
    hasCredentials: boolean;
  };

describe('stored credentials stay with the origin they were given for', () => {
  it('a URL moved to another origin drops the credentials, audited with both origins', async () => {
    await createRepo(h, 'moving', vcsRepo.url);
    expect((await refresh(h, 'moving')).lastError).toBeNull();

    const moved = await h.api('PATCH', '/api/v1/repositories/moving', {
      body: { url: recorder.url('/elsewhere.git') },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.hasCredentials).toBe(false);
    await refresh(h, 'moving');
    // Before the fix the listener saw alice's password as Basic auth here.
    expect(recorder.seen.length).toBeGreaterThan(0);
    expect(recorder.seen.map((s) => s.authorization)).toEqual(recorder.seen.map(() => undefined));

    const audit = await h.api('GET', `/api/v1/audit?repository=${moved.body.id}&action=repository.updated`);
    expect(audit.body.items[0].details).toMatchObject({
      originBefore: new URL(vcsRepo.url).origin,
      originAfter: `http://127.0.0.1:${recorder.port}`,
      credentialsDropped: true,
      credentialsChanged: false,
    });
    expect(JSON.stringify(audit.body)).not.toContain(TEST_PASSWORD);
  });

  it('keeps credentials sent in the same request, and on a change of path only', async () => {
    const back = await h.api('PATCH', '/api/v1/repositories/moving', {
      body: { url: vcsRepo.url, credentials },
    });
    expect(back.body.hasCredentials).toBe(true);
    expect((await refresh(h, 'moving')).lastError).toBeNull();
    const samePort = await h.api('PATCH', '/api/v1/repositories/moving', {
      body: { url: vcsRepo.url.replace(/\.git$/, '-renamed.git') },
    });
    expect(samePort.body.hasCredentials).toBe(true);
    await h.api('PATCH', '/api/v1/repositories/moving', { body: { url: vcsRepo.url } });
  });
});

describe('sealed values are bound to their row and field', () => {
  it('a sealed value copied to another row in SQL is refused, clearly, without a crash', async () => {
    const victim = await createRepo(h, 'victim', recorder.url('/victim.git'), false);
    await h.sql(
      `UPDATE repositories SET credentials_sealed = (SELECT credentials_sealed FROM repositories WHERE name = 'moving')
       WHERE id = $1`,
      [victim.id],
    );
    const before = recorder.seen.length;
    const polled = await refresh(h, 'victim');
    expect(polled.lastError).toMatch(/stored credentials .* cannot be used/);
    expect(recorder.seen.slice(before).map((s) => s.authorization)).not.toContain(basicAlice);
    expect(recorder.seen.length).toBe(before);
    expect(h.logs.join('\n')).toMatch(/sealed for another row or field/);
    // Moved into the webhook secret column of the same row, it does not open either.
    await h.sql(
      `UPDATE repositories SET webhook_secret_sealed = credentials_sealed, credentials_sealed = NULL WHERE id = $1`,
      [victim.id],
    );
    const hook = await h.api('POST', '/api/v1/webhooks/git', {
      token: null,
      rawBody: JSON.stringify({
        ref: 'refs/heads/main',
        repository: { clone_url: recorder.url('/victim.git') },
      }),
      headers: { 'x-gitlab-token': 'anything-at-all-here' },
    });
    expect(hook.status).toBe(401);
    expect((await h.api('GET', '/api/v1/repositories/moving')).status).toBe(200);
    expect((await refresh(h, 'moving')).lastError).toBeNull();
  });

  it('legacy values (no key id, no binding) are re-sealed at start, and keys rotate', async () => {
    // The format of values sealed before this change: v1.<iv>.<tag>.<body>, no additional data.
    const legacy = (plain: string) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', Buffer.from(KEY_1, 'base64'), iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v1', iv, c.getAuthTag(), body]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    };
    const old = await createRepo(h, 'legacy', vcsRepo.url, false);
    await h.sql(`UPDATE repositories SET credentials_sealed = $2 WHERE id = $1`, [
      old.id,
      legacy(JSON.stringify(credentials)),
    ]);
    const sealedOf = async () =>
      (
        await h.sql<{ s: string }>(`SELECT credentials_sealed AS s FROM repositories WHERE id = $1`, [old.id])
      )[0].s;

    // Restart on the same database and key: the legacy value is re-sealed, bound and with a key id.
    await h.close();
    h = await startTestHub(inject('postgresUrl'), {
      FLOTILLA_ADMIN_TOKEN: admin,
      DATABASE_URL: h.databaseUrl,
      FLOTILLA_SECRET_KEY: KEY_1,
    });
    const underKey1 = await sealedOf();
    expect(underKey1).toMatch(/^v2\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect((await refresh(h, 'legacy')).lastError).toBeNull();

    // Rotate: new key, old one as previous; everything is re-sealed under the new key id.
    await h.close();
    h = await startTestHub(inject('postgresUrl'), {
      FLOTILLA_ADMIN_TOKEN: admin,
      DATABASE_URL: h.databaseUrl,
      FLOTILLA_SECRET_KEY: KEY_2,
      FLOTILLA_SECRET_KEY_PREVIOUS: KEY_1,
    });
    const underKey2 = await sealedOf();
    expect(underKey2.split('.')[1]).not.toBe(underKey1.split('.')[1]);
    // Once re-sealed, the previous key is no longer needed.
    await h.close();
    h = await startTestHub(inject('postgresUrl'), {
      FLOTILLA_ADMIN_TOKEN: admin,
      DATABASE_URL: h.databaseUrl,
      FLOTILLA_SECRET_KEY: KEY_2,
    });
    expect((await refresh(h, 'legacy')).lastError).toBeNull();
    expect((await refresh(h, 'moving')).lastError).toBeNull();

    // A hub with an unrelated key starts, and says which values it cannot read.
    await h.close();
    h = await startTestHub(inject('postgresUrl'), {
      FLOTILLA_ADMIN_TOKEN: admin,
      DATABASE_URL: h.databaseUrl,
    });
    expect((await refresh(h, 'legacy')).lastError).toMatch(/stored credentials .* cannot be used/);
    expect(h.logs.join('\n')).toMatch(/unknown key/);
    await h.close();
    h = await startTestHub(inject('postgresUrl'), {
      FLOTILLA_ADMIN_TOKEN: admin,
      DATABASE_URL: h.databaseUrl,
      FLOTILLA_SECRET_KEY: KEY_2,
    });
  });
});

describe('egress policy', () => {
  let strict: TestHub;
  beforeAll(async () => {
    strict = await startTestHub(inject('postgresUrl'), { FLOTILLA_REPOSITORY_ALLOWED_HOSTS: '' });
  });
  afterAll(async () => {
    await strict?.close();
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/x.git', 'link-local'],
    ['http://127.0.0.1:9/x.git', 'loopback'],
    ['http://[::ffff:127.0.0.1]:9/x.git', 'loopback'],
    ['http://10.1.2.3/x.git', 'private'],
  ])('refuses %s at create (400, %s)', async (url, cls) => {
    const res = await strict.api('POST', '/api/v1/repositories', {
      body: { name: 'ssrf', type: 'git', url },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(cls);
    expect(res.body.message).toContain('FLOTILLA_REPOSITORY_ALLOWED_HOSTS');
  });

  it('refuses a name that resolves to loopback, after resolution, and shows viewers a coarse reason', async () => {
    const url = vcsRepo.url.replace('127.0.0.1', 'localhost');
    await createRepo(strict, 'by-name', url);
    const viewer = await strict.token('viewer');
    await strict.api('POST', '/api/v1/repositories/by-name/refresh');
    const seen = await strict.api('GET', '/api/v1/repositories/by-name', { token: viewer });
    expect(seen.body.lastError).toBe('refused by egress policy');
    expect(strict.logs.join('\n')).toMatch(/localhost \([^)]*\) is a loopback address/);
  });

  it('checks every redirect: an allowed server cannot send the hub to a forbidden one', async () => {
    const gitRequests = recorder.seen.length;
    const redirector = await listen(redirectTo(() => recorder.url('')));
    const onePort = await startTestHub(inject('postgresUrl'), {
      FLOTILLA_REPOSITORY_ALLOWED_HOSTS: `127.0.0.1:${redirector.port}`,
    });
    try {
      await createRepo(onePort, 'hop', redirector.url('/r.git'), false);
      expect((await refresh(onePort, 'hop')).lastError).toBe('refused by egress policy');
      expect(redirector.seen.length).toBeGreaterThan(0);
      expect(recorder.seen.length).toBe(gitRequests);
      expect(onePort.logs.join('\n')).toMatch(new RegExp(`127\\.0\\.0\\.1:${recorder.port}.*loopback`));
    } finally {
      await onePort.close();
      await redirector.close();
    }
  });

  it('follows a redirect to an allowed server, without the credentials when the origin changes', async () => {
    const origin = new URL(vcsRepo.url).origin;
    const redirector = await listen(redirectTo(() => origin));
    const hub = await startTestHub(inject('postgresUrl'), {
      FLOTILLA_REPOSITORY_ALLOWED_HOSTS: `127.0.0.1:${redirector.port},${new URL(origin).host}`,
    });
    try {
      const path = new URL(vcsRepo.url).pathname;
      await createRepo(hub, 'public-like', redirector.url(path), false);
      const polled = await refresh(hub, 'public-like');
      // The Git server wants auth: reached through the redirect, it answers 401.
      expect(polled.lastError).toBe('authentication failed');
      await hub.api('PATCH', '/api/v1/repositories/public-like', { body: { credentials } });
      expect((await refresh(hub, 'public-like')).lastError).toBe('authentication failed');
      expect(redirector.seen.some((s) => s.authorization === basicAlice)).toBe(true);
    } finally {
      await hub.close();
      await redirector.close();
    }
  });

  it('refuses svn redirects to forbidden addresses (svn follows a 301 on its own)', async () => {
    const redirector = await listen(redirectTo(() => recorder.url(''), 301));
    const hub = await startTestHub(inject('postgresUrl'), {
      FLOTILLA_REPOSITORY_ALLOWED_HOSTS: `127.0.0.1:${redirector.port}`,
    });
    const before = recorder.seen.length;
    try {
      const res = await hub.api('POST', '/api/v1/repositories', {
        body: { name: 'svn-hop', type: 'svn', url: redirector.url('/svn/repo') },
      });
      expect(res.status).toBe(201);
      expect((await refresh(hub, 'svn-hop')).lastError).toBe('refused by egress policy');
      expect(redirector.seen.length).toBeGreaterThan(0);
      expect(recorder.seen.length).toBe(before);
    } finally {
      await hub.close();
      await redirector.close();
    }
  });

  it('refuses svn:// names that resolve to loopback', async () => {
    const port = await freeTcpPort();
    const res = await strict.api('POST', '/api/v1/repositories', {
      body: { name: 'svn-local', type: 'svn', url: `svn://localhost:${port}/repo` },
    });
    expect(res.status).toBe(201);
    expect((await refresh(strict, 'svn-local')).lastError).toBe('refused by egress policy');
  });

  it('tells viewers only coarse reasons: closed port and HTTP error look the same', async () => {
    const closed = await freeTcpPort();
    const failing = await listen((_req, res) => res.writeHead(500).end('internal details'));
    // Started last, so that Nest's process-wide Logger writes to this hub's log.
    const hub = await startTestHub(inject('postgresUrl'));
    try {
      await createRepo(hub, 'closed-port', `http://127.0.0.1:${closed}/x.git`, false);
      await createRepo(hub, 'http-500', failing.url('/x.git'), false);
      const viewer = await hub.token('viewer');
      const a = await hub.api('POST', '/api/v1/repositories/closed-port/refresh');
      const b = await hub.api('POST', '/api/v1/repositories/http-500/refresh');
      expect(a.body.lastError).toBe('repository unreachable');
      expect(b.body.lastError).toBe('repository unreachable');
      const list = await hub.api('GET', '/api/v1/repositories?limit=200', { token: viewer });
      expect(list.text).not.toMatch(/ECONNREFUSED|HTTP 500/);
      expect(hub.logs.join('\n')).toMatch(/closed-port: .*ECONNREFUSED/);
      expect(hub.logs.join('\n')).toMatch(/http-500: .*HTTP 500/);
    } finally {
      await hub.close();
      await failing.close();
    }
  });
});

describe('svn+ssh', () => {
  it('is refused at the API with a clear 400', async () => {
    const res = await h.api('POST', '/api/v1/repositories', {
      body: { name: 'ssh-svn', type: 'svn', url: 'svn+ssh://svn.example.com/repo' },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/svn\+ssh.*not supported/);
  });
});
