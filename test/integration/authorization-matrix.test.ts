import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

/**
 * Every authenticated route of the OpenAPI document × every kind of caller: a global
 * viewer/operator/admin, the same roles within the project of the object the route is about
 * (team-a), and within another project (team-b). The route list comes from the document, so a new
 * route without an entry here fails the first test.
 */

type Role = 'viewer' | 'operator' | 'admin';
type Who = `${'global' | 'a' | 'b'}-${Role}`;
type Call = (token: string) => Promise<number>;

/**
 * How a route decides: `fleet` needs a global role; `app` is about an application of team-a;
 * `app-create` creates one in team-a; `list` filters (any role); `project` reads team-a; `any`
 * is every valid token; `agent` takes agent credentials only (an API token is a 401).
 */
type Scope = 'fleet' | 'app' | 'app-create' | 'list' | 'project' | 'any' | 'agent' | 'session';
interface Entry {
  scope: Scope;
  need: Role;
  call: Call;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const WHO: Who[] = (['global', 'a', 'b'] as const).flatMap((w) =>
  (['viewer', 'operator', 'admin'] as const).map((r): Who => `${w}-${r}`),
);
const OK = [200, 201, 202, 204];
const SYNC = { automated: false, prune: false, selfHeal: false };
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\ndata:\n  a: "1"\n';

/** The status a caller should get: 'ok' for any 2xx. */
function expected(e: Entry, who: Who): 'ok' | 401 | 403 | 404 | 409 {
  const [where, role] = who.split('-') as ['global' | 'a' | 'b', Role];
  const enough = RANK[role] >= RANK[e.need];
  switch (e.scope) {
    case 'agent':
      return 401;
    case 'session':
      return 409; // an SSO session's own route: an API token is authenticated, but no session
    case 'any':
    case 'list':
      return 'ok';
    case 'fleet':
      return where === 'global' && enough ? 'ok' : 403;
    case 'project':
      return where === 'b' ? 404 : 'ok';
    case 'app-create':
      return (where === 'global' || where === 'a') && enough ? 'ok' : 403;
    case 'app':
      if (!enough) return 403;
      return where === 'b' ? 404 : 'ok';
  }
}

let h: TestHub;
let fx: VcsFixture;
let repo: VcsRepository;
const tokens = {} as Record<Who, string>;
let n = 0;
const st = async (method: string, path: string, token: string, body?: unknown) =>
  (await h.api(method, path, { token, body })).status;
const admin = (method: string, path: string, body?: unknown) => h.api(method, path, { body });

async function newApp(project = 'team-a'): Promise<string> {
  const name = `app-${++n}`;
  const r = await admin('POST', '/api/v1/applications', {
    name,
    project,
    repositoryId: 'content',
    path: 'apps',
    targets: [{ clusterSelector: `team=${project.slice(-1)}` }],
    syncPolicy: SYNC,
  });
  if (r.status !== 201) throw new Error(`app: ${r.text}`);
  return name;
}
/** An automated application of team-a with a staged rollout under way on a team-a cluster. */
async function newRolloutApp(): Promise<string> {
  rolloutCluster ??= await newCluster();
  const name = `ro-${++n}`;
  const r = await admin('POST', '/api/v1/applications', {
    name,
    project: 'team-a',
    repositoryId: 'content',
    path: 'apps',
    targets: [{ clusterSelector: 'team=a' }],
    syncPolicy: { ...SYNC, automated: true },
    rollout: { stages: [{ name: 'all', clusterSelector: null }] },
  });
  if (r.status !== 201) throw new Error(`app: ${r.text}`);
  return name;
}
let rolloutCluster: string | undefined;
async function newCluster(): Promise<string> {
  return (await admin('POST', '/api/v1/clusters', { name: `c-${++n}`, labels: { team: 'a' } })).body.id;
}
/** A cluster whose agent registered an age key (a key rotation needs one). */
async function newKeyedCluster(): Promise<string> {
  const c = await admin('POST', '/api/v1/clusters', { name: `c-${++n}`, labels: { team: 'a' } });
  const res = await fetch(`${h.url}/api/v1/agent/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      registrationToken: c.body.registration.token,
      agentVersion: 'test',
      ageRecipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p',
    }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status}`);
  return c.body.id;
}
/** A generator of team-a: one application per team-a cluster. */
/** A hub health check for a kind of its own (the group/kind is unique per rule). */
const healthRule = () => ({
  group: 'example.com',
  kind: `Widget${++n}`,
  current: 'status.?phase.orValue("") == "Ready"',
});

async function newHealthCheck(): Promise<string> {
  const r = await admin('POST', '/api/v1/health-checks', healthRule());
  if (r.status !== 201) throw new Error(`health check: ${r.text}`);
  return (r.body as { id: string }).id;
}

async function newGenerator(): Promise<string> {
  const name = `gen-${++n}`;
  const r = await admin('POST', '/api/v1/generators', genBody(name));
  if (r.status !== 201) throw new Error(`generator: ${r.text}`);
  return name;
}
function genBody(name: string) {
  return {
    name,
    project: 'team-a',
    repositoryId: 'content',
    clusters: { selector: 'team=a' },
    template: {
      name: name + '-${cluster.name}',
      path: 'apps',
      targets: [{ clusterSelector: 'team=a' }],
      syncPolicy: SYNC,
    },
  };
}
async function newRepo(): Promise<string> {
  return (
    await admin('POST', '/api/v1/repositories', {
      name: `r-${++n}`,
      type: 'git',
      url: 'https://git.example.com/x.git',
    })
  ).body.id;
}
let revision = '';
/** A webhook subscription of team-a (the receiver is never reached: the worker is not asked to run). */
async function newSub(): Promise<string> {
  const r = await admin('POST', '/api/v1/notifications/subscriptions', {
    name: `s-${++n}`,
    filter: { project: 'team-a' },
    channel: { type: 'webhook', url: 'https://hooks.example.com/flotilla' },
  });
  if (r.status !== 201) throw new Error(`subscription: ${r.text}`);
  return r.body.id;
}
/** A subscription of team-a with one failed delivery: [subscription id, delivery id]. */
async function failedDelivery(): Promise<[string, string]> {
  const id = await newSub();
  const d = await admin('POST', `/api/v1/notifications/subscriptions/${id}/test`);
  await h.sql(`UPDATE notification_deliveries SET status = 'failed', attempts = 8 WHERE id = $1`, [
    d.body.id,
  ]);
  return [id, d.body.id];
}

const MATRIX: Record<string, Entry> = {
  'GET /api/v1/whoami': { scope: 'any', need: 'viewer', call: (t) => st('GET', '/api/v1/whoami', t) },
  // the audit trail: its list filters by project; verification and checkpoints are fleet-wide
  'GET /api/v1/audit': { scope: 'list', need: 'viewer', call: (t) => st('GET', '/api/v1/audit', t) },
  'GET /api/v1/audit/export': {
    scope: 'list',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/audit/export', t),
  },
  'GET /api/v1/audit/verify': {
    scope: 'fleet',
    need: 'admin',
    call: (t) => st('GET', '/api/v1/audit/verify', t),
  },
  'GET /api/v1/audit/checkpoints': {
    scope: 'fleet',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/audit/checkpoints', t),
  },
  // tokens
  'POST /api/v1/tokens': {
    scope: 'fleet',
    need: 'admin',
    call: (t) => st('POST', '/api/v1/tokens', t, { name: `t-${++n}`, projects: { 'team-a': 'viewer' } }),
  },
  'GET /api/v1/tokens': { scope: 'fleet', need: 'admin', call: (t) => st('GET', '/api/v1/tokens', t) },
  'DELETE /api/v1/tokens/{id}': {
    scope: 'fleet',
    need: 'admin',
    call: async (t) => {
      const id = (await admin('POST', '/api/v1/tokens', { name: `rv-${++n}`, role: 'viewer' })).body.id;
      return st('DELETE', `/api/v1/tokens/${id}`, t);
    },
  },
  // clusters
  'POST /api/v1/clusters': {
    scope: 'fleet',
    need: 'operator',
    call: (t) => st('POST', '/api/v1/clusters', t, { name: `c-${++n}` }),
  },
  // clusters: project-scoped callers see those their projects' selectors select (team=a here)
  'GET /api/v1/clusters': { scope: 'list', need: 'viewer', call: (t) => st('GET', '/api/v1/clusters', t) },
  'GET /api/v1/clusters/{idOrName}': {
    scope: 'project',
    need: 'viewer',
    call: async (t) => st('GET', `/api/v1/clusters/${await newCluster()}`, t),
  },
  'PATCH /api/v1/clusters/{idOrName}': {
    scope: 'fleet',
    need: 'operator',
    call: async (t) =>
      st('PATCH', `/api/v1/clusters/${await newCluster()}`, t, { labels: { team: 'a', n: 'x' } }),
  },
  'DELETE /api/v1/clusters/{idOrName}': {
    scope: 'fleet',
    need: 'operator',
    call: async (t) => st('DELETE', `/api/v1/clusters/${await newCluster()}`, t),
  },
  'POST /api/v1/clusters/{idOrName}/registration-token': {
    scope: 'fleet',
    need: 'operator',
    call: async (t) => st('POST', `/api/v1/clusters/${await newCluster()}/registration-token`, t),
  },
  'POST /api/v1/clusters/{idOrName}/credentials/revoke': {
    scope: 'fleet',
    need: 'operator',
    call: async (t) => st('POST', `/api/v1/clusters/${await newCluster()}/credentials/revoke`, t),
  },
  'POST /api/v1/clusters/{idOrName}/rotate-key': {
    scope: 'fleet',
    need: 'operator',
    call: async (t) => st('POST', `/api/v1/clusters/${await newKeyedCluster()}/rotate-key`, t),
  },
  // public keys: any reader may seal for the clusters it can see
  'GET /api/v1/cluster-recipients': {
    scope: 'list',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/cluster-recipients?selector=team%3Da', t),
  },
  'GET /api/v1/clusters/{idOrName}/agent-manifest': {
    scope: 'fleet',
    need: 'operator',
    call: async (t) => st('GET', `/api/v1/clusters/${await newCluster()}/agent-manifest`, t),
  },
  // repositories and their content
  'POST /api/v1/repositories': {
    scope: 'fleet',
    need: 'operator',
    call: (t) =>
      st('POST', '/api/v1/repositories', t, {
        name: `r-${++n}`,
        type: 'git',
        url: 'https://git.example.com/y.git',
      }),
  },
  // repositories: project-scoped callers see those their projects' sources name (`*` here: all)
  'GET /api/v1/repositories': {
    scope: 'list',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/repositories', t),
  },
  'GET /api/v1/repositories/{idOrName}': {
    scope: 'list',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/repositories/content', t),
  },
  'PATCH /api/v1/repositories/{idOrName}': {
    scope: 'fleet',
    need: 'operator',
    call: async (t) => st('PATCH', `/api/v1/repositories/${await newRepo()}`, t, { pollIntervalSeconds: 30 }),
  },
  'DELETE /api/v1/repositories/{idOrName}': {
    scope: 'fleet',
    need: 'operator',
    call: async (t) => st('DELETE', `/api/v1/repositories/${await newRepo()}`, t),
  },
  'GET /api/v1/repositories/{idOrName}/revisions': {
    scope: 'fleet',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/repositories/content/revisions?limit=1', t),
  },
  'GET /api/v1/repositories/{idOrName}/tree': {
    scope: 'fleet',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/repositories/content/tree?path=apps', t),
  },
  'GET /api/v1/repositories/{idOrName}/files/{path}': {
    scope: 'fleet',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/repositories/content/files/apps/cm.yaml', t),
  },
  'PUT /api/v1/repositories/{idOrName}/files/{path}': {
    scope: 'fleet',
    need: 'operator',
    call: (t) =>
      st('PUT', `/api/v1/repositories/content/files/put/f-${++n}.yaml`, t, {
        content: CM,
        message: 'matrix',
      }),
  },
  'DELETE /api/v1/repositories/{idOrName}/files/{path}': {
    scope: 'fleet',
    need: 'operator',
    call: async (t) => {
      const path = `del/f-${++n}.yaml`;
      const put = await admin('PUT', `/api/v1/repositories/content/files/${path}`, {
        content: CM,
        message: 'add',
      });
      if (put.status !== 200 && put.status !== 201) throw new Error(`put: ${put.text}`);
      return st('DELETE', `/api/v1/repositories/content/files/${path}`, t, { message: 'matrix' });
    },
  },
  'POST /api/v1/repositories/{idOrName}/refresh': {
    scope: 'fleet',
    need: 'operator',
    call: (t) => st('POST', '/api/v1/repositories/content/refresh', t),
  },
  // projects
  'POST /api/v1/projects': {
    scope: 'fleet',
    need: 'admin',
    call: (t) =>
      st('POST', '/api/v1/projects', t, {
        name: `p-${++n}`,
        sources: [{ repository: '*' }],
        clusterSelector: '',
        objects: OPEN,
      }),
  },
  'GET /api/v1/projects': { scope: 'list', need: 'viewer', call: (t) => st('GET', '/api/v1/projects', t) },
  'GET /api/v1/projects/{idOrName}': {
    scope: 'project',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/projects/team-a', t),
  },
  'PATCH /api/v1/projects/{idOrName}': {
    scope: 'fleet',
    need: 'admin',
    call: (t) => st('PATCH', '/api/v1/projects/team-a', t, { description: `d${++n}` }),
  },
  'DELETE /api/v1/projects/{idOrName}': {
    scope: 'fleet',
    need: 'admin',
    call: async (t) => {
      const name = `pd-${++n}`;
      await admin('POST', '/api/v1/projects', { name, sources: [], clusterSelector: '', objects: OPEN });
      return st('DELETE', `/api/v1/projects/${name}`, t);
    },
  },
  // applications: decided on the application's project
  'POST /api/v1/applications': {
    scope: 'app-create',
    need: 'operator',
    call: (t) =>
      st('POST', '/api/v1/applications', t, {
        name: `new-${++n}`,
        project: 'team-a',
        repositoryId: 'content',
        path: 'apps',
        targets: [{ clusterSelector: 'team=a' }],
        syncPolicy: SYNC,
      }),
  },
  'GET /api/v1/applications': {
    scope: 'list',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/applications', t),
  },
  'GET /api/v1/applications/{idOrName}': {
    scope: 'app',
    need: 'viewer',
    call: async (t) => st('GET', `/api/v1/applications/${await newApp()}`, t),
  },
  'PATCH /api/v1/applications/{idOrName}': {
    scope: 'app',
    need: 'operator',
    call: async (t) =>
      st('PATCH', `/api/v1/applications/${await newApp()}`, t, { syncPolicy: { ...SYNC, prune: true } }),
  },
  'DELETE /api/v1/applications/{idOrName}': {
    scope: 'app',
    need: 'operator',
    call: async (t) => st('DELETE', `/api/v1/applications/${await newApp()}`, t),
  },
  'POST /api/v1/applications/{idOrName}/sync': {
    scope: 'app',
    need: 'operator',
    call: async (t) => st('POST', `/api/v1/applications/${await newApp()}/sync`, t, {}),
  },
  'POST /api/v1/applications/{idOrName}/rollback': {
    scope: 'app',
    need: 'operator',
    call: async (t) => st('POST', `/api/v1/applications/${await newApp()}/rollback`, t, { revision }),
  },
  'POST /api/v1/applications/{idOrName}/unpin': {
    scope: 'app',
    need: 'operator',
    call: async (t) => st('POST', `/api/v1/applications/${await newApp()}/unpin`, t),
  },
  'GET /api/v1/applications/{idOrName}/history': {
    scope: 'app',
    need: 'viewer',
    call: async (t) => st('GET', `/api/v1/applications/${await newApp()}/history`, t),
  },
  'GET /api/v1/applications/{idOrName}/resources': {
    scope: 'app',
    need: 'viewer',
    call: async (t) => st('GET', `/api/v1/applications/${await newApp()}/resources`, t),
  },
  // previews: read by viewers, asked for by operators of the application's (or spec's) project
  'POST /api/v1/applications/{idOrName}/previews': {
    scope: 'app',
    need: 'operator',
    call: async (t) => st('POST', `/api/v1/applications/${await newApp()}/previews`, t, {}),
  },
  'GET /api/v1/applications/{idOrName}/previews': {
    scope: 'app',
    need: 'viewer',
    call: async (t) => st('GET', `/api/v1/applications/${await newApp()}/previews`, t),
  },
  'GET /api/v1/previews/{id}': {
    scope: 'app',
    need: 'viewer',
    call: async (t) => {
      const { id } = (await admin('POST', `/api/v1/applications/${await newApp()}/previews`, {})).body;
      return st('GET', `/api/v1/previews/${id}`, t);
    },
  },
  'POST /api/v1/previews': {
    scope: 'app-create',
    need: 'operator',
    call: (t) =>
      st('POST', '/api/v1/previews', t, {
        application: {
          name: `draft-${++n}`,
          project: 'team-a',
          repositoryId: 'content',
          path: 'apps',
          targets: [{ clusterSelector: 'team=a' }],
          syncPolicy: SYNC,
        },
      }),
  },
  // custom health checks: the hub's own, admins change them, every caller reads and tries them
  'GET /api/v1/health-checks': {
    scope: 'list',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/health-checks', t),
  },
  'POST /api/v1/health-checks': {
    scope: 'fleet',
    need: 'admin',
    call: (t) => st('POST', '/api/v1/health-checks', t, healthRule()),
  },
  'POST /api/v1/health-checks/evaluate': {
    scope: 'any',
    need: 'viewer',
    call: (t) =>
      st('POST', '/api/v1/health-checks/evaluate', t, {
        rule: healthRule(),
        object: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
      }),
  },
  'PUT /api/v1/health-checks/{id}': {
    scope: 'fleet',
    need: 'admin',
    call: async (t) => st('PUT', `/api/v1/health-checks/${await newHealthCheck()}`, t, healthRule()),
  },
  'DELETE /api/v1/health-checks/{id}': {
    scope: 'fleet',
    need: 'admin',
    call: async (t) => st('DELETE', `/api/v1/health-checks/${await newHealthCheck()}`, t),
  },
  // generators: project-scoped like applications
  'POST /api/v1/generators': {
    scope: 'app-create',
    need: 'operator',
    call: (t) => st('POST', '/api/v1/generators', t, genBody(`gen-${++n}`)),
  },
  'GET /api/v1/generators': {
    scope: 'list',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/generators', t),
  },
  'GET /api/v1/generators/{idOrName}': {
    scope: 'app',
    need: 'viewer',
    call: async (t) => st('GET', `/api/v1/generators/${await newGenerator()}`, t),
  },
  'PATCH /api/v1/generators/{idOrName}': {
    scope: 'app',
    need: 'operator',
    call: async (t) =>
      st('PATCH', `/api/v1/generators/${await newGenerator()}`, t, { preserveOnDelete: true }),
  },
  'POST /api/v1/generators/{idOrName}/refresh': {
    scope: 'app',
    need: 'operator',
    call: async (t) => st('POST', `/api/v1/generators/${await newGenerator()}/refresh`, t),
  },
  'DELETE /api/v1/generators/{idOrName}': {
    scope: 'app',
    need: 'operator',
    call: async (t) => st('DELETE', `/api/v1/generators/${await newGenerator()}`, t),
  },
  // staged rollouts: read by viewers, steered by operators of the application's project
  'GET /api/v1/applications/{idOrName}/rollout': {
    scope: 'app',
    need: 'viewer',
    call: async (t) => st('GET', `/api/v1/applications/${await newRolloutApp()}/rollout`, t),
  },
  'GET /api/v1/applications/{idOrName}/rollouts': {
    scope: 'app',
    need: 'viewer',
    call: async (t) => st('GET', `/api/v1/applications/${await newRolloutApp()}/rollouts`, t),
  },
  'GET /api/v1/applications/{idOrName}/rollouts/{id}': {
    scope: 'app',
    need: 'viewer',
    call: async (t) => {
      const app = await newRolloutApp();
      const { id } = (await admin('GET', `/api/v1/applications/${app}/rollout`)).body;
      return st('GET', `/api/v1/applications/${app}/rollouts/${id}`, t);
    },
  },
  'POST /api/v1/applications/{idOrName}/rollout/{command}': {
    scope: 'app',
    need: 'operator',
    call: async (t) => st('POST', `/api/v1/applications/${await newRolloutApp()}/rollout/pause`, t, {}),
  },
  // fleet status rows and the grid: filtered to the caller's projects
  'GET /api/v1/fleet/status': {
    scope: 'list',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/fleet/status', t),
  },
  'GET /api/v1/fleet/grid': {
    scope: 'list',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/fleet/grid', t),
  },
  'GET /api/v1/fleet/problems': {
    scope: 'list',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/fleet/problems', t),
  },
  'GET /api/v1/fleet/problems/clusters': {
    scope: 'list',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/fleet/problems/clusters', t),
  },
  // SSO sessions: only admins see who is signed in and end sessions
  'GET /api/v1/auth/sessions': {
    scope: 'fleet',
    need: 'admin',
    call: (t) => st('GET', '/api/v1/auth/sessions', t),
  },
  'DELETE /api/v1/auth/sessions/{id}': {
    scope: 'fleet',
    need: 'admin',
    call: async (t) => {
      // This hub has no SSO: a session row stands in for a person signed in earlier.
      const [row] = await h.sql<{ id: string }>(
        `INSERT INTO sso_sessions (id, secret_hash, issuer, subject, email, groups, role, projects, client, expires_at)
         VALUES (gen_random_uuid(), $1, 'https://idp.example', 'p', NULL, '[]', 'viewer', '{}', 'browser', now() + interval '1 hour')
         RETURNING id`,
        [`h-${++n}`],
      );
      return st('DELETE', `/api/v1/auth/sessions/${row.id}`, t);
    },
  },
  'POST /api/v1/auth/sso/logout': {
    scope: 'session',
    need: 'viewer',
    call: (t) => st('POST', '/api/v1/auth/sso/logout', t),
  },
  // the agent protocol: agent credentials, never API tokens
  'GET /api/v1/agent/jobs': {
    scope: 'agent',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/agent/jobs', t),
  },
  'GET /api/v1/agent/bundles/{digest}': {
    scope: 'agent',
    need: 'viewer',
    call: (t) => st('GET', `/api/v1/agent/bundles/sha256:${'0'.repeat(64)}`, t),
  },
  'POST /api/v1/agent/jobs/{id}/result': {
    scope: 'agent',
    need: 'viewer',
    call: (t) => st('POST', '/api/v1/agent/jobs/00000000-0000-4000-8000-00000000000a/result', t, {}),
  },
  'POST /api/v1/agent/previews/{id}/result': {
    scope: 'agent',
    need: 'viewer',
    call: (t) => st('POST', '/api/v1/agent/previews/00000000-0000-4000-8000-00000000000a/result', t, {}),
  },
  'POST /api/v1/agent/jobs/{id}/lease': {
    scope: 'agent',
    need: 'viewer',
    call: (t) => st('POST', '/api/v1/agent/jobs/00000000-0000-4000-8000-00000000000a/lease', t),
  },
  'POST /api/v1/agent/status': {
    scope: 'agent',
    need: 'viewer',
    call: (t) => st('POST', '/api/v1/agent/status', t, {}),
  },
  'POST /api/v1/agent/heartbeat': {
    scope: 'agent',
    need: 'viewer',
    call: (t) => st('POST', '/api/v1/agent/heartbeat', t, {}),
  },
  // notifications: subscriptions of team-a (one without a project is the admins')
  'POST /api/v1/notifications/subscriptions': {
    scope: 'app-create',
    need: 'operator',
    call: (t) =>
      st('POST', '/api/v1/notifications/subscriptions', t, {
        name: `s-${++n}`,
        filter: { project: 'team-a', actions: ['sync.*'] },
        channel: { type: 'slack', url: 'https://hooks.example.com/services/T/B/x' },
      }),
  },
  'GET /api/v1/notifications/subscriptions': {
    scope: 'list',
    need: 'viewer',
    call: (t) => st('GET', '/api/v1/notifications/subscriptions', t),
  },
  'GET /api/v1/notifications/subscriptions/{id}': {
    scope: 'app',
    need: 'viewer',
    call: async (t) => st('GET', `/api/v1/notifications/subscriptions/${await newSub()}`, t),
  },
  'PATCH /api/v1/notifications/subscriptions/{id}': {
    scope: 'app',
    need: 'operator',
    call: async (t) =>
      st('PATCH', `/api/v1/notifications/subscriptions/${await newSub()}`, t, { enabled: false }),
  },
  'DELETE /api/v1/notifications/subscriptions/{id}': {
    scope: 'app',
    need: 'operator',
    call: async (t) => st('DELETE', `/api/v1/notifications/subscriptions/${await newSub()}`, t),
  },
  'POST /api/v1/notifications/subscriptions/{id}/rotate-secret': {
    scope: 'app',
    need: 'operator',
    call: async (t) => st('POST', `/api/v1/notifications/subscriptions/${await newSub()}/rotate-secret`, t),
  },
  'POST /api/v1/notifications/subscriptions/{id}/test': {
    scope: 'app',
    need: 'operator',
    call: async (t) => st('POST', `/api/v1/notifications/subscriptions/${await newSub()}/test`, t),
  },
  'GET /api/v1/notifications/subscriptions/{id}/deliveries': {
    scope: 'app',
    need: 'viewer',
    call: async (t) => st('GET', `/api/v1/notifications/subscriptions/${await newSub()}/deliveries`, t),
  },
  'POST /api/v1/notifications/subscriptions/{id}/deliveries/{did}/retry': {
    scope: 'app',
    need: 'operator',
    call: async (t) => {
      const [id, did] = await failedDelivery();
      return st('POST', `/api/v1/notifications/subscriptions/${id}/deliveries/${did}/retry`, t);
    },
  },
};
const OPEN = {
  namespaces: ['*'],
  allowedKinds: [{ group: '*', kind: '*' }],
  deniedKinds: [],
  allowSecrets: true,
};

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'apps/cm.yaml': CM }, 'initial');
  expect(
    (await admin('POST', '/api/v1/repositories', { name: 'content', type: 'git', url: repo.url })).status,
  ).toBe(201);
  await admin('POST', '/api/v1/repositories/content/refresh');
  revision = (await admin('GET', '/api/v1/repositories/content/revisions?limit=1')).body.items[0].revision.id;
  for (const team of ['a', 'b']) {
    const p = await admin('POST', '/api/v1/projects', {
      name: `team-${team}`,
      sources: [{ repository: '*' }],
      clusterSelector: `team=${team}`,
      objects: OPEN,
    });
    expect(p.status).toBe(201);
    await admin('POST', '/api/v1/clusters', { name: `cluster-${team}`, labels: { team } });
  }
  await newApp('team-a');
  await newApp('team-b');
  for (const who of WHO) {
    const [where, role] = who.split('-');
    const body = where === 'global' ? { role } : { projects: { [`team-${where}`]: role } };
    const r = await admin('POST', '/api/v1/tokens', { name: `m-${who}`, ...body });
    expect(r.status).toBe(201);
    tokens[who] = r.body.token;
  }
});
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

describe('authorization matrix', () => {
  it('covers every authenticated route of the OpenAPI document', async () => {
    const doc = JSON.parse(await readFile('docs/openapi.json', 'utf8')) as {
      paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => (op.security ?? []).some((s) => 'bearer' in s))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(Object.keys(MATRIX).sort()).toEqual(routes.sort());
  });

  for (const [route, entry] of Object.entries(MATRIX))
    for (const who of WHO) {
      const want = expected(entry, who);
      it(`${route} as ${who} → ${want}`, async () => {
        const status = await entry.call(tokens[who]);
        if (want === 'ok') expect(OK).toContain(status);
        else expect(status).toBe(want);
      });
    }
});

describe('list endpoints show only what the caller may see', () => {
  const names = async (path: string, who: Who) =>
    ((await h.api('GET', path, { token: tokens[who] })).body.items as Array<{ name: string }>).map(
      (x) => x.name,
    );

  it.each(WHO)('applications and projects as %s', async (who) => {
    const where = who.split('-')[0];
    const apps = await h.api('GET', '/api/v1/applications?limit=500', { token: tokens[who] });
    const projects = new Set(apps.body.items.map((a: { project: string }) => a.project));
    if (where === 'global') expect([...projects].sort()).toEqual(['team-a', 'team-b']);
    else expect([...projects]).toEqual([`team-${where}`]);
    const visible = await names('/api/v1/projects', who);
    if (where === 'global') expect(visible).toEqual(expect.arrayContaining(['default', 'team-a', 'team-b']));
    else expect(visible).toEqual([`team-${where}`]);
  });

  it.each(WHO)('fleet status rows as %s', async (who) => {
    const where = who.split('-')[0];
    const total = async (cluster: string) =>
      (await h.api('GET', `/api/v1/fleet/status?cluster=${cluster}&limit=1`, { token: tokens[who] })).body
        .counts.total as number;
    const [a, b] = [await total('cluster-a'), await total('cluster-b')];
    if (where !== 'b') expect(a).toBeGreaterThan(0);
    if (where !== 'a') expect(b).toBeGreaterThan(0);
    if (where === 'a') expect(b).toBe(0);
    if (where === 'b') expect(a).toBe(0);
  });

  /** Every page of a list (generators make many applications, more than one page holds). */
  async function everyItem<T>(path: string, token: string): Promise<T[]> {
    const items: T[] = [];
    for (let cursor: string | null = null; ;) {
      const page = (await h.api('GET', cursor ? `${path}&cursor=${cursor}` : path, { token })).body as {
        items: T[];
        nextCursor: string | null;
      };
      items.push(...page.items);
      if (!page.nextCursor) return items;
      cursor = encodeURIComponent(page.nextCursor);
    }
  }

  it.each(WHO)('the fleet grid as %s', async (who) => {
    const where = who.split('-')[0];
    const grid = (await h.api('GET', '/api/v1/fleet/grid?limit=200', { token: tokens[who] })).body;
    const projects = new Set(
      (await everyItem<{ name: string }>('/api/v1/applications?limit=500', tokens[who])).map((a) => a.name),
    );
    // the columns are exactly the applications the caller may list; rows only their cells
    expect(new Set(grid.applications.map((a: { name: string }) => a.name))).toEqual(projects);
    const columns = new Set(grid.applications.map((a: { id: string }) => a.id));
    for (const row of grid.rows)
      for (const cell of row.cells) expect(columns.has(cell.applicationId)).toBe(true);
    const teams = new Set(
      grid.rows.map((r: { cluster: { labels: Record<string, string> } }) => r.cluster.labels.team),
    );
    if (where !== 'global') expect([...teams]).toEqual([where]);
  });

  it.each(WHO)('clusters as %s', async (who) => {
    const where = who.split('-')[0];
    const teams = new Set(
      (
        (await h.api('GET', '/api/v1/clusters?limit=500', { token: tokens[who] })).body.items as Array<{
          labels: Record<string, string>;
        }>
      ).map((c) => c.labels.team ?? '-'),
    );
    if (where === 'global') expect(teams).toEqual(new Set(['a', 'b', '-']));
    else expect(teams).toEqual(new Set([where]));
  });

  it.each(WHO)('audit events as %s', async (who) => {
    const where = who.split('-')[0];
    const ids = Object.fromEntries(
      ((await h.api('GET', '/api/v1/projects')).body.items as Array<{ id: string; name: string }>).map(
        (p) => [p.name, p.id],
      ),
    );
    const query = (q: string) =>
      everyItem<{ projectId: string | null }>(`/api/v1/audit?limit=500&${q}`, tokens[who]);
    const created = new Set((await query('action=application.created')).map((e) => e.projectId));
    // fleet-wide events (of no project) are for global roles only
    const fleetWide = await query('action=token.created');
    if (where === 'global') {
      expect(created).toEqual(new Set([ids['team-a'], ids['team-b']]));
      expect(fleetWide.length).toBeGreaterThan(0);
    } else {
      expect(created).toEqual(new Set([ids[`team-${where}`]]));
      expect(fleetWide).toEqual([]);
    }
    // The export shows exactly what the list shows.
    const exported = (
      await h.api('GET', '/api/v1/audit/export?action=application.created', { token: tokens[who] })
    ).text
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { projectId: string | null }).projectId);
    expect(new Set(exported)).toEqual(created);
  });
});
