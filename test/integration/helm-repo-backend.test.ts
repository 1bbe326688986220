import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from '../../src/domain/egress-policy.js';
import {
  EgressGuard,
  EgressRefusedError,
  HelmRepoBackend,
  VcsAuthenticationError,
  type VcsRepository,
} from '../../src/vcs/index.js';
import { startChartRepoServer, type ChartRepoServer } from '../support/chart-repo-server.js';
import { ensureHelm } from '../support/helm-binary.js';
import { tarGz, type TarEntry } from '../support/tar-writer.js';

const SECRET = 'chart-pa55-Qv71-very-secret';
const CM = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-${name}\ndata:\n  v: {{ .Chart.Version | quote }}\n`;

let helm: string;
let server: ChartRepoServer;
let authServer: ChartRepoServer;
let cacheDir: string;
const backends: HelmRepoBackend[] = [];

/** A backend whose egress guard allows exactly the test servers' ports (as the hub's would). */
function backend(limits?: ConstructorParameters<typeof HelmRepoBackend>[0]['limits']): HelmRepoBackend {
  const allow = [server, authServer].map((s) => new URL(s.url).host).join(',');
  const b = new HelmRepoBackend({ cacheDir, limits, egress: new EgressGuard(parseAllowList(allow)) });
  backends.push(b);
  return b;
}

const repoOf = (s: ChartRepoServer, credentials: VcsRepository['credentials'] = null): VcsRepository => ({
  id: s === authServer ? 'charts-auth' : 'charts-open',
  type: 'helm',
  url: s.url,
  branch: null,
  path: null,
  credentials,
});

beforeAll(async () => {
  helm = await ensureHelm();
  cacheDir = await mkdtemp(join(tmpdir(), 'flotilla-helm-cache-'));
  server = await startChartRepoServer({ helm });
  authServer = await startChartRepoServer({ helm, auth: { username: 'bot', password: SECRET } });
  await server.publish('web', '1.0.0', { 'templates/cm.yaml': CM('web') });
  await server.publish('web', '1.1.0', { 'templates/cm.yaml': CM('web'), 'values.yaml': 'replicas: 2\n' });
  await server.publish('web', '2.0.0-rc.1', { 'templates/cm.yaml': CM('web') });
  await server.publish('api', '0.1.0', { 'templates/cm.yaml': CM('api') });
  await authServer.publish('private', '1.0.0', { 'templates/cm.yaml': CM('private') });
}, 600_000);

afterAll(async () => {
  await server?.close();
  await authServer?.close();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

describe('HelmRepoBackend against a real chart repository (helm package + helm repo index)', () => {
  it('resolves to the SHA-256 of index.yaml and snapshots the newest release of a chart', async () => {
    const b = backend();
    const rev = await b.resolve(repoOf(server));
    expect(rev.id).toMatch(/^[0-9a-f]{64}$/);
    expect(rev.display).toBe(`index@${rev.id.slice(0, 12)}`);
    const snap = await b.snapshot(repoOf(server), rev.id, 'web');
    // 2.0.0-rc.1 is a pre-release: `<chart>` means the newest release, 1.1.0.
    expect([...snap.files.keys()].sort()).toEqual([
      'web/Chart.yaml',
      'web/templates/cm.yaml',
      'web/values.yaml',
    ]);
    expect(snap.files.get('web/Chart.yaml')!.toString()).toContain('version: 1.1.0');
    expect(snap.totalBytes).toBe([...snap.files.values()].reduce((n, f) => n + f.length, 0));
  });

  it('snapshots an exact version (pre-releases included) and lists charts, versions and files', async () => {
    const b = backend();
    const rev = (await b.resolve(repoOf(server))).id;
    const exact = await b.snapshot(repoOf(server), rev, 'web/1.0.0');
    expect([...exact.files.keys()].sort()).toEqual(['web/1.0.0/Chart.yaml', 'web/1.0.0/templates/cm.yaml']);
    const rc = await b.snapshot(repoOf(server), rev, 'web/2.0.0-rc.1');
    expect(rc.files.get('web/2.0.0-rc.1/Chart.yaml')!.toString()).toContain('version: 2.0.0-rc.1');
    await expect(b.snapshot(repoOf(server), rev, 'web/9.9.9')).rejects.toThrow(
      "version of chart 'web' '9.9.9' not found",
    );
    await expect(b.snapshot(repoOf(server), rev, 'nope')).rejects.toThrow("chart 'nope' not found");
    expect((await b.tree(repoOf(server), rev, '')).map((e) => [e.name, e.type])).toEqual([
      ['api', 'dir'],
      ['web', 'dir'],
    ]);
    expect((await b.tree(repoOf(server), rev, 'web')).map((e) => e.path)).toEqual([
      'web/2.0.0-rc.1',
      'web/1.1.0',
      'web/1.0.0',
    ]);
    expect((await b.tree(repoOf(server), rev, 'web/1.1.0')).map((e) => [e.name, e.type])).toEqual([
      ['Chart.yaml', 'file'],
      ['templates', 'dir'],
      ['values.yaml', 'file'],
    ]);
    expect((await b.read(repoOf(server), rev, 'web/1.1.0/values.yaml')).toString()).toBe('replicas: 2\n');
    expect((await b.read(repoOf(server), rev, 'web/values.yaml')).toString()).toBe('replicas: 2\n');
    const history = await b.history(repoOf(server), { path: 'web', limit: 2 });
    expect(history.items.map((c) => c.changedPaths)).toEqual([['web/2.0.0-rc.1'], ['web/1.1.0']]);
    expect(history.items[0].message).toBe('web 2.0.0-rc.1: test chart web');
    const older = await b.history(repoOf(server), { path: 'web', limit: 2, cursor: history.nextCursor });
    expect(older.items.map((c) => c.changedPaths[0])).toEqual(['web/1.0.0']);
    expect(older.nextCursor).toBeNull();
  });

  it('refuses to commit: chart repositories are read-only', async () => {
    await expect(
      backend().commit(repoOf(server), [{ path: 'web/x', content: Buffer.from('x') }], {
        message: 'm',
        author: { name: 'a' },
      }),
    ).rejects.toMatchObject({ kind: 'invalid', message: 'helm chart repositories are read-only' });
  });

  it('a new publication is a new revision; the old revision still snapshots from the cache', async () => {
    const b = backend();
    const before = (await b.resolve(repoOf(server))).id;
    await server.publish('web', '1.2.0', { 'templates/cm.yaml': CM('web') });
    const after = (await b.resolve(repoOf(server))).id;
    expect(after).not.toBe(before);
    expect(await b.isAncestor(repoOf(server), before, after)).toBe(true);
    expect(await b.changedPaths(repoOf(server), before, after)).toEqual(['web/1.2.0']);
    // A fresh backend (a restarted hub) over the same cache: the old index comes from disk.
    const restarted = backend();
    const old = await restarted.snapshot(repoOf(server), before, 'web');
    expect(old.files.get('web/Chart.yaml')!.toString()).toContain('version: 1.1.0');
    expect(old.revision.id).toBe(before);
    const now = await restarted.snapshot(repoOf(server), after, 'web');
    expect(now.files.get('web/Chart.yaml')!.toString()).toContain('version: 1.2.0');
    await expect(restarted.snapshot(repoOf(server), 'a'.repeat(64), 'web')).rejects.toThrow(
      /not the current index\.yaml of the chart repository/,
    );
  });

  it('refuses an archive whose digest does not match the index', async () => {
    const good = tarGz([
      { name: 'tampered/Chart.yaml', content: 'apiVersion: v2\nname: tampered\nversion: 1.0.0\n' },
    ]);
    await server.publishRaw('tampered', '1.0.0', good, 'f'.repeat(64));
    const b = backend();
    const rev = (await b.resolve(repoOf(server))).id;
    await expect(b.snapshot(repoOf(server), rev, 'tampered')).rejects.toThrow(
      /chart tampered-1\.0\.0: archive digest sha256:[0-9a-f]{64} does not match the index \(sha256:f{64}\); refused/,
    );
  });

  const chartYaml = (name: string): TarEntry => ({
    name: `${name}/Chart.yaml`,
    content: `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n`,
  });
  const hostile: [string, TarEntry[], RegExp][] = [
    [
      'dotdot',
      [chartYaml('dotdot'), { name: 'dotdot/../x', content: 'x' }],
      /entry 'dotdot\/\.\.\/x': '\.\.' segment refused/,
    ],
    [
      'absolute',
      [chartYaml('absolute'), { name: '/etc/cron.d/x', content: 'x' }],
      /entry '\/etc\/cron\.d\/x': absolute path refused/,
    ],
    [
      'symlink',
      [chartYaml('symlink'), { name: 'symlink/templates/x.yaml', type: '2', linkName: '/etc/passwd' }],
      /entry 'symlink\/templates\/x\.yaml': symbolic link refused/,
    ],
    [
      'hardlink',
      [chartYaml('hardlink'), { name: 'hardlink/values.yaml', type: '1', linkName: 'hardlink/Chart.yaml' }],
      /entry 'hardlink\/values\.yaml': hard link refused/,
    ],
    [
      'device',
      [chartYaml('device'), { name: 'device/tty', type: '3' }],
      /entry 'device\/tty': device file refused/,
    ],
    [
      'twotops',
      [chartYaml('twotops'), { name: 'other/Chart.yaml', content: 'x' }],
      /entry 'other\/Chart\.yaml': outside the chart directory 'twotops\/'/,
    ],
    [
      'oversize',
      [chartYaml('oversize'), { name: 'oversize/big.yaml', content: Buffer.alloc(200_000, 0x61) }],
      /entry 'oversize\/big\.yaml': 200000 bytes, over the 100000-byte file limit/,
    ],
  ];
  it.each(hostile)('refuses a hostile archive (%s), naming the entry', async (name, entries, error) => {
    await server.publishRaw(name, '1.0.0', tarGz(entries));
    const b = backend({ maxFileBytes: 100_000 });
    const rev = (await b.resolve(repoOf(server))).id;
    await expect(b.snapshot(repoOf(server), rev, name)).rejects.toThrow(error);
  });

  it('stops a gzip bomb at the expansion cap instead of inflating it', async () => {
    // 64 MiB of zeros compresses to ~64 KiB.
    const tar = Buffer.alloc(64 * 1024 * 1024);
    const bomb = gzipSync(tar, { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await server.publishRaw('bomb', '1.0.0', bomb);
    const b = backend({ maxSnapshotBytes: 2 * 1024 * 1024, maxSnapshotFiles: 100 });
    const rev = (await b.resolve(repoOf(server))).id;
    await expect(b.snapshot(repoOf(server), rev, 'bomb')).rejects.toMatchObject({
      kind: 'too-large',
      message: expect.stringMatching(/chart archive expands beyond \d+ bytes \(limit\); refused/),
    });
  });

  it('sends basic-auth credentials; wrong ones fail as VcsAuthenticationError without the secret', async () => {
    const b = backend();
    const ok = await b.resolve(repoOf(authServer, { username: 'bot', password: SECRET }));
    const snap = await b.snapshot(
      repoOf(authServer, { username: 'bot', password: SECRET }),
      ok.id,
      'private',
    );
    expect(snap.files.has('private/templates/cm.yaml')).toBe(true);
    const wrong = `${SECRET}-wrong`;
    const err = await b
      .resolve(repoOf(authServer, { username: 'bot', password: wrong }))
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(VcsAuthenticationError);
    expect(String((err as Error).message)).not.toContain(wrong);
    expect(String((err as Error).message)).toContain('repository authentication failed');
    await expect(b.resolve(repoOf(authServer))).rejects.toBeInstanceOf(VcsAuthenticationError);
    // Another repository's index revision is not this one's, even in a warm backend.
    await expect(b.tree(repoOf(server), ok.id, '')).rejects.toThrow(/not the current index\.yaml/);
  });

  it('fetches an archive listed on another host through the egress guard, without the credentials', async () => {
    const tgz = tarGz([chartYaml('offsite'), { name: 'offsite/templates/cm.yaml', content: CM('offsite') }]);
    await server.publishRaw('offsite', '1.0.0', tgz);
    await authServer.publishRaw('offsite', '1.0.0', tgz, undefined, `${server.url}/offsite-1.0.0.tgz`);
    const repo = repoOf(authServer, { username: 'bot', password: SECRET });
    const b = backend();
    const rev = (await b.resolve(repo)).id;
    const snap = await b.snapshot(repo, rev, 'offsite');
    expect(snap.files.has('offsite/templates/cm.yaml')).toBe(true);
    const offsite = server.seen.filter((s) => s.path === '/offsite-1.0.0.tgz');
    expect(offsite).toHaveLength(1);
    expect(offsite[0].authorization).toBeUndefined();
    expect(authServer.seen.find((s) => s.path === '/index.yaml')?.authorization).toMatch(/^Basic /);
    // The same index read by a hub whose policy allows the chart repository only.
    const onlyRepo = new HelmRepoBackend({
      cacheDir: join(cacheDir, 'only-repo'),
      egress: new EgressGuard(parseAllowList(new URL(authServer.url).host)),
    });
    await expect(onlyRepo.snapshot(repo, rev, 'offsite')).rejects.toBeInstanceOf(EgressRefusedError);
    expect(server.seen.filter((s) => s.path === '/offsite-1.0.0.tgz')).toHaveLength(1);
  });

  it('follows redirects one checked hop at a time, dropping credentials at another origin; times out', async () => {
    let hang = false;
    const redirector: Server = createServer((req, res) => {
      if (hang) return; // never answers: the download's deadline must end it
      res.writeHead(302, { location: `${server.url}${req.url ?? '/'}` }).end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(redirector.address() as { port: number }).port}`;
    try {
      const repo: VcsRepository = {
        ...repoOf(server, { username: 'bot', password: SECRET }),
        id: 'charts-redirect',
        url: `http://${host}`,
      };
      const allowBoth = parseAllowList(`${host},${new URL(server.url).host}`);
      const b = new HelmRepoBackend({ cacheDir, egress: new EgressGuard(allowBoth), timeoutMs: 500 });
      const before = server.seen.length;
      expect((await b.resolve(repo)).id).toMatch(/^[0-9a-f]{64}$/);
      const hops = server.seen.slice(before);
      expect(hops.map((s) => s.path)).toEqual(['/index.yaml']);
      expect(hops[0].authorization).toBeUndefined();
      const redirectOnly = new HelmRepoBackend({ cacheDir, egress: new EgressGuard(parseAllowList(host)) });
      await expect(redirectOnly.resolve(repo)).rejects.toBeInstanceOf(EgressRefusedError);
      expect(server.seen.length).toBe(before + 1);
      hang = true;
      await expect(b.resolve(repo)).rejects.toThrow('chart repository timed out');
    } finally {
      redirector.closeAllConnections();
      await new Promise<void>((r) => redirector.close(() => r()));
    }
  });

  it('refuses an index.yaml over the size limit', async () => {
    const small = new HelmRepoBackend({
      cacheDir,
      egress: new EgressGuard(parseAllowList(new URL(server.url).host)),
      maxIndexBytes: 100,
    });
    await expect(small.resolve(repoOf(server))).rejects.toMatchObject({
      kind: 'too-large',
      message: expect.stringMatching(/^index\.yaml: (\d+ bytes, )?over the 100-byte limit$/),
    });
  });

  it('goes through the egress guard: a repository on a refused address is never contacted', async () => {
    const guarded = new HelmRepoBackend({ cacheDir, egress: new EgressGuard([]) });
    const before = server.requests.get('/index.yaml') ?? 0;
    await expect(guarded.resolve(repoOf(server))).rejects.toBeInstanceOf(EgressRefusedError);
    expect(server.requests.get('/index.yaml') ?? 0).toBe(before);
  });
});
