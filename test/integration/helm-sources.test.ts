/**
 * Helm sources through the real hub (issue 15): a chart straight from an HTTP chart repository
 * registered as a repository, and a chart from Git whose Chart.lock names a dependency in a
 * private chart repository — fetched with that repository's sealed credentials only when the
 * application's project may use it. Real helm, a real chart repository (built with `helm
 * package` and `helm repo index`), a real Git server and Postgres; the bundles are read back
 * from the hub's tables.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseCanonicalBundle } from '../../src/domain/render/render.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { startChartRepoServer, type ChartRepoServer } from '../support/chart-repo-server.js';
import { ensureHelm } from '../support/helm-binary.js';
import { registerRepository, startTestHub, type TestHub } from '../support/hub-harness.js';
import { insertProject, moveToProject } from '../support/projects.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const SECRET = 'deps-pa55-Qz81-very-secret';
const CM = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-${name}\n`;

let h: TestHub;
let charts: ChartRepoServer;
let git: VcsFixture;

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();

/** What the hub decided for the application on its one cluster: the bundle's object names, or the render error. */
async function desired(app: string): Promise<{ names: string[]; error: string | null }> {
  const [row] = await h.sql<{ render_error: string | null; content: Buffer | null }>(
    `SELECT d.render_error, b.content FROM desired_states d
       JOIN applications a ON a.id = d.application_id
       LEFT JOIN bundles b ON b.digest = d.bundle_digest
      WHERE a.name = $1`,
    [app],
  );
  return {
    names: row?.content ? parseCanonicalBundle(row.content).map((o) => o.metadata.name) : [],
    error: row?.render_error ?? null,
  };
}

async function createApp(name: string, repositoryId: string, path: string): Promise<void> {
  const res = await h.api('POST', '/api/v1/applications', {
    body: {
      name,
      repositoryId,
      path,
      targets: [{ clusterSelector: 'helm-src=yes', namespace: 'apps' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(res.status, res.text).toBe(201);
  await settle();
}

beforeAll(async () => {
  process.env.FLOTILLA_HELM_BIN = await ensureHelm();
  charts = await startChartRepoServer({
    helm: process.env.FLOTILLA_HELM_BIN,
    auth: { username: 'bot', password: SECRET },
  });
  await charts.publish('web', '1.0.0', { 'templates/cm.yaml': CM('web-1') });
  await charts.publish('web', '1.1.0', { 'templates/cm.yaml': CM('web-1-1') });
  await charts.publish('secretlib', '2.0.0', { 'templates/cm.yaml': CM('from-secretlib') });
  git = await gitFixture(false);
  const repo = await git.createRepo();
  const dep = `  - name: secretlib\n    version: "2.0.0"\n    repository: "${charts.url}"\n`;
  await git.externalCommit(
    repo,
    {
      'parent/Chart.yaml': `apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n${dep}`,
      'parent/Chart.lock': `dependencies:\n${dep}digest: sha256:${'0'.repeat(64)}\ngenerated: "2026-11-28T00:00:00Z"\n`,
      'parent/templates/own.yaml': CM('own'),
    },
    'a chart with a locked dependency',
  );
  h = await startTestHub(inject('postgresUrl'));
  await registerRepository(h, 'deps-git', repo);
  const res = await h.api('POST', '/api/v1/repositories', {
    body: {
      name: 'charts',
      type: 'helm',
      url: charts.url,
      credentials: { username: 'bot', password: SECRET },
    },
  });
  expect(res.status, res.text).toBe(201);
  const cluster = await h.api('POST', '/api/v1/clusters', {
    body: { name: 'helm-src-1', labels: { 'helm-src': 'yes' } },
  });
  expect(cluster.status, cluster.text).toBe(201);
}, 600_000);

afterAll(async () => {
  await h?.close();
  await charts?.close();
  await git?.close();
});

describe('Helm sources through the hub', () => {
  it('renders a chart straight from a chart repository: newest release, or a pinned version', async () => {
    await createApp('web-newest', 'charts', 'web');
    expect(await desired('web-newest')).toEqual({ names: ['web-newest-web-1-1'], error: null });
    await createApp('web-pinned', 'charts', 'web/1.0.0');
    expect(await desired('web-pinned')).toEqual({ names: ['web-pinned-web-1'], error: null });
  });

  it("vendors a Chart.lock dependency with the chart repository's credentials when the project may use it", async () => {
    await createApp('parent', 'deps-git', 'parent');
    expect(await desired('parent')).toEqual({ names: ['parent-from-secretlib', 'parent-own'], error: null });
  });

  it('fetches anonymously (and fails, naming the dependency) when the project may not use that repository', async () => {
    await createApp('parent-narrow', 'deps-git', 'parent');
    const project = await insertProject((t, p) => h.sql(t, p), 'narrow', {
      namespaces: [],
      allowedKinds: [],
      deniedKinds: [],
      allowSecrets: true,
    });
    await h.sql(`UPDATE projects SET sources = '[{"repository":"deps-git"}]' WHERE id = $1`, [project]);
    await moveToProject((t, p) => h.sql(t, p), 'parent-narrow', project);
    // another revision of the same path: the dependency cache is per revision, so it is fetched again
    const sync = await h.api('POST', '/api/v1/applications/parent-narrow/sync');
    expect(sync.status, sync.text).toBeLessThan(300);
    await settle();
    const { error } = await desired('parent-narrow');
    expect(error).toMatch(/^parent: chart dependencies: .*secretlib/);
    expect(error).not.toContain(SECRET);
  });
});
