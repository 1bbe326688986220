import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllowList } from '../../src/domain/egress-policy.js';
import { RepositoryPollerService } from '../../src/hub/repositories/repository-poller.service.js';
import { RepositoryService } from '../../src/hub/repositories/repository.service.js';
import {
  EgressGuard,
  GuardedChartDownloader,
  VcsAuthenticationError,
  vendorChartDependencies,
} from '../../src/vcs/index.js';
import { startChartRepoServer, type ChartRepoServer } from '../support/chart-repo-server.js';
import { ensureHelm } from '../support/helm-binary.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

const SECRET = 'hub-chart-pa55-Kp40-very-secret';
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-web\n';

let h: TestHub;
let charts: ChartRepoServer;
let repoId: string;

const events = async (action: string) =>
  (await h.api('GET', `/api/v1/audit?repository=${repoId}&action=${action}&limit=50`)).body.items as {
    revision: string;
    details: Record<string, unknown>;
  }[];

beforeAll(async () => {
  const helm = await ensureHelm();
  charts = await startChartRepoServer({ helm, auth: { username: 'bot', password: SECRET } });
  await charts.publish('web', '1.0.0', { 'templates/cm.yaml': CM });
  h = await startTestHub(inject('postgresUrl'));
}, 600_000);

afterAll(async () => {
  await h?.close();
  await charts?.close();
});

describe('Helm chart repositories through the hub API', () => {
  it('registers a helm repository (credentials sealed, never returned); branch and path are refused', async () => {
    const res = await h.api('POST', '/api/v1/repositories', {
      body: {
        name: 'charts',
        type: 'helm',
        url: charts.url,
        credentials: { username: 'bot', password: SECRET },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: 'helm',
      url: charts.url,
      branch: null,
      path: null,
      hasCredentials: true,
    });
    expect(res.text).not.toContain(SECRET);
    repoId = res.body.id;
    for (const extra of [{ branch: 'main' }, { path: 'web' }]) {
      const bad = await h.api('POST', '/api/v1/repositories', {
        body: { name: 'charts-bad', type: 'helm', url: charts.url, ...extra },
      });
      expect(bad.status).toBe(400);
    }
    const svnScheme = await h.api('POST', '/api/v1/repositories', {
      body: { name: 'charts-svn', type: 'helm', url: 'svn://127.0.0.1/charts' },
    });
    expect(svnScheme.status).toBe(400);
  });

  it('is polled: the index digest is the revision, and a new publication is detected with its paths', async () => {
    const tick = () => h.hub.app.get(RepositoryPollerService).tick();
    const first = await h.api('POST', `/api/v1/repositories/${repoId}/refresh`);
    expect(first.status).toBe(200);
    expect(first.body.lastError).toBeNull();
    expect(first.body.lastRevision).toMatch(/^[0-9a-f]{64}$/);
    expect(charts.requests.get('/index.yaml')).toBeGreaterThan(0);
    await charts.publish('web', '1.1.0', { 'templates/cm.yaml': CM });
    await h.sql('UPDATE repositories SET next_poll_at = now() WHERE id = $1', [repoId]);
    await tick();
    const after = await h.api('GET', `/api/v1/repositories/${repoId}`);
    expect(after.body.lastRevision).not.toBe(first.body.lastRevision);
    expect(after.body.rewound).toBeNull();
    const detected = await events('revision.detected');
    expect(detected[0]).toMatchObject({
      revision: after.body.lastRevision,
      details: { previous: first.body.lastRevision, paths: ['web/1.1.0'] },
    });
    expect(detected[0].details.display).toBe(`index@${String(after.body.lastRevision).slice(0, 12)}`);
  });

  it('serves trees, files and history of the chart repository; writes are refused as read-only', async () => {
    const root = await h.api('GET', `/api/v1/repositories/${repoId}/tree`);
    expect(root.status).toBe(200);
    expect(root.body.entries).toEqual([{ name: 'web', path: 'web', type: 'dir', size: null }]);
    const versions = await h.api('GET', `/api/v1/repositories/${repoId}/tree?path=web`);
    expect(versions.body.entries.map((e: { path: string }) => e.path)).toEqual(['web/1.1.0', 'web/1.0.0']);
    const file = await h.api('GET', `/api/v1/repositories/${repoId}/files/web/1.0.0/templates/cm.yaml`);
    expect(file.status).toBe(200);
    expect(file.text).toBe(CM);
    const history = await h.api('GET', `/api/v1/repositories/${repoId}/revisions?path=web&limit=10`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((c: { changedPaths: string[] }) => c.changedPaths[0])).toEqual([
      'web/1.1.0',
      'web/1.0.0',
    ]);
    const put = await h.api('PUT', `/api/v1/repositories/${repoId}/files/web/1.0.0/templates/other.yaml`, {
      body: { content: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n', message: 'try' },
    });
    expect(put.status).toBe(400);
    expect(put.body.message).toContain('helm chart repositories are read-only');
  });

  it("vendors a chart dependency on a registered chart repository with that repository's sealed credentials", async () => {
    const service = h.hub.app.get(RepositoryService);
    const fetch = new GuardedChartDownloader(new EgressGuard(parseAllowList(new URL(charts.url).host)));
    const dep = `dependencies:\n  - name: web\n    version: 1.0.0\n    repository: ${charts.url}/\n`;
    const files = new Map([
      ['Chart.yaml', Buffer.from(`apiVersion: v2\nname: app\nversion: 0.1.0\n${dep}`)],
      ['Chart.lock', Buffer.from(`${dep}digest: sha256:${'0'.repeat(64)}\n`)],
    ]);
    const out = await vendorChartDependencies(files, {
      fetch,
      credentialsFor: (url) => service.chartRepositoryCredentials(url),
    });
    expect(out.get('charts/web-1.0.0.tgz')?.length).toBeGreaterThan(0);
    // A project that may not use the registered repository gets no credentials: anonymous, refused.
    await expect(
      vendorChartDependencies(files, {
        fetch,
        credentialsFor: (url) => service.chartRepositoryCredentials(url, (name) => name !== 'charts'),
      }),
    ).rejects.toBeInstanceOf(VcsAuthenticationError);
  });

  it('reports wrong stored credentials as an authentication failure, without the secret', async () => {
    const patched = await h.api('PATCH', `/api/v1/repositories/${repoId}`, {
      body: { credentials: { username: 'bot', password: `${SECRET}-wrong` } },
    });
    expect(patched.status).toBe(200);
    const res = await h.api('POST', `/api/v1/repositories/${repoId}/refresh`);
    expect(res.body.lastError).toBe('authentication failed');
    expect(res.text).not.toContain(SECRET);
  });
});
