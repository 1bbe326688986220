import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

let h: TestHub;
beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
  await h.api('POST', '/api/v1/clusters', { body: { name: 'exists' } });
  await h.api('POST', '/api/v1/repositories', {
    body: { name: 'git-repo', type: 'git', url: 'https://g.example.com/x.git' },
  });
});
afterAll(async () => {
  await h?.close();
});

interface Case {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  /** A fragment the message must contain: it names the field or the problem. */
  says: string;
}

const long = (n: number) => 'a'.repeat(n);

const cases: Case[] = [
  {
    name: 'malformed JSON',
    method: 'POST',
    path: '/api/v1/clusters',
    raw: '{"name": ',
    status: 400,
    says: 'not valid JSON',
  },
  {
    name: 'JSON array instead of object',
    method: 'POST',
    path: '/api/v1/clusters',
    raw: '[1,2]',
    status: 400,
    says: 'name',
  },
  {
    name: 'missing cluster name',
    method: 'POST',
    path: '/api/v1/clusters',
    body: {},
    status: 400,
    says: 'name',
  },
  {
    name: 'cluster name with capitals',
    method: 'POST',
    path: '/api/v1/clusters',
    body: { name: 'Prod' },
    status: 400,
    says: 'name must consist of lower-case',
  },
  {
    name: 'cluster name too long',
    method: 'POST',
    path: '/api/v1/clusters',
    body: { name: long(64) },
    status: 400,
    says: 'at most 63',
  },
  {
    name: 'cluster name ending in dash',
    method: 'POST',
    path: '/api/v1/clusters',
    body: { name: 'prod-' },
    status: 400,
    says: 'name',
  },
  {
    name: 'cluster name a number',
    method: 'POST',
    path: '/api/v1/clusters',
    body: { name: 42 },
    status: 400,
    says: 'name must be a string',
  },
  {
    name: 'unknown field',
    method: 'POST',
    path: '/api/v1/clusters',
    body: { name: 'ok-name', colour: 'red' },
    status: 400,
    says: 'property colour should not exist',
  },
  {
    name: 'labels not an object',
    method: 'POST',
    path: '/api/v1/clusters',
    body: { name: 'ok-name', labels: 'env=prod' },
    status: 400,
    says: 'labels',
  },
  {
    name: 'label value not a string',
    method: 'POST',
    path: '/api/v1/clusters',
    body: { name: 'ok-name', labels: { env: 1 } },
    status: 400,
    says: 'label "env": value must be a string',
  },
  {
    name: 'label key invalid',
    method: 'POST',
    path: '/api/v1/clusters',
    body: { name: 'ok-name', labels: { '-bad': 'x' } },
    status: 400,
    says: 'label key "-bad"',
  },
  {
    name: 'label value too long',
    method: 'POST',
    path: '/api/v1/clusters',
    body: { name: 'ok-name', labels: { env: long(64) } },
    status: 400,
    says: 'at most 63',
  },
  {
    name: 'label key prefix invalid',
    method: 'POST',
    path: '/api/v1/clusters',
    body: { name: 'ok-name', labels: { 'Bad_Prefix/x': 'y' } },
    status: 400,
    says: 'prefix',
  },
  {
    name: 'duplicate cluster',
    method: 'POST',
    path: '/api/v1/clusters',
    body: { name: 'exists' },
    status: 409,
    says: 'already exists',
  },
  {
    name: 'selector syntax',
    method: 'GET',
    path: '/api/v1/clusters?selector=' + encodeURIComponent('env in (prod'),
    status: 400,
    says: 'selector',
  },
  {
    name: 'selector bad key',
    method: 'GET',
    path: '/api/v1/clusters?selector=' + encodeURIComponent('-x=1'),
    status: 400,
    says: 'selector',
  },
  { name: 'limit zero', method: 'GET', path: '/api/v1/clusters?limit=0', status: 400, says: 'limit' },
  { name: 'limit too big', method: 'GET', path: '/api/v1/clusters?limit=100000', status: 400, says: 'limit' },
  {
    name: 'limit not a number',
    method: 'GET',
    path: '/api/v1/clusters?limit=ten',
    status: 400,
    says: 'limit',
  },
  {
    name: 'forged cursor',
    method: 'GET',
    path: '/api/v1/clusters?cursor=bm90LWpzb24',
    status: 400,
    says: 'cursor',
  },
  {
    name: 'unknown query parameter',
    method: 'GET',
    path: '/api/v1/clusters?color=red',
    status: 400,
    says: 'color',
  },
  {
    name: 'unknown cluster',
    method: 'GET',
    path: '/api/v1/clusters/does-not-exist',
    status: 404,
    says: "cluster 'does-not-exist' not found",
  },
  {
    name: 'patch with name (immutable)',
    method: 'PATCH',
    path: '/api/v1/clusters/exists',
    body: { name: 'renamed' },
    status: 400,
    says: 'property name should not exist',
  },
  {
    name: 'repository bad type',
    method: 'POST',
    path: '/api/v1/repositories',
    body: { name: 'r', type: 'hg', url: 'https://x.example.com/r' },
    status: 400,
    says: 'type',
  },
  {
    name: 'repository ftp scheme',
    method: 'POST',
    path: '/api/v1/repositories',
    body: { name: 'r', type: 'git', url: 'ftp://x.example.com/r' },
    status: 400,
    says: 'scheme "ftp" is not allowed',
  },
  {
    name: 'repository relative URL',
    method: 'POST',
    path: '/api/v1/repositories',
    body: { name: 'r', type: 'git', url: 'just/a/path' },
    status: 400,
    says: 'not a valid absolute URL',
  },
  {
    name: 'repository svn scheme for git',
    method: 'POST',
    path: '/api/v1/repositories',
    body: { name: 'r', type: 'git', url: 'svn://x.example.com/r' },
    status: 400,
    says: 'for SVN',
  },
  {
    name: 'repository branch on svn',
    method: 'POST',
    path: '/api/v1/repositories',
    body: { name: 'r', type: 'svn', url: 'svn://x.example.com/r', branch: 'main' },
    status: 400,
    says: 'branch applies to Git',
  },
  {
    name: 'repository path escape',
    method: 'POST',
    path: '/api/v1/repositories',
    body: { name: 'r', type: 'svn', url: 'svn://x.example.com/r', path: 'trunk/../../etc' },
    status: 400,
    says: 'path',
  },
  {
    name: 'repository branch with ..',
    method: 'POST',
    path: '/api/v1/repositories',
    body: { name: 'r', type: 'git', url: 'https://x.example.com/r', branch: 'a..b' },
    status: 400,
    says: 'branch',
  },
  {
    name: 'poll interval below minimum',
    method: 'POST',
    path: '/api/v1/repositories',
    body: { name: 'r', type: 'git', url: 'https://x.example.com/r', pollIntervalSeconds: 1 },
    status: 400,
    says: 'pollIntervalSeconds must not be less than 5',
  },
  {
    name: 'credentials unknown field',
    method: 'POST',
    path: '/api/v1/repositories',
    body: { name: 'r', type: 'git', url: 'https://x.example.com/r', credentials: { user: 'x' } },
    status: 400,
    says: 'credentials.property user should not exist',
  },
  {
    name: 'URL too long',
    method: 'POST',
    path: '/api/v1/repositories',
    body: { name: 'r', type: 'git', url: 'https://x.example.com/' + long(3000) },
    status: 400,
    says: 'url must be shorter',
  },
  {
    name: 'token role unknown',
    method: 'POST',
    path: '/api/v1/tokens',
    body: { name: 'x', role: 'root' },
    status: 400,
    says: 'role must be one of',
  },
  {
    name: 'token name with spaces',
    method: 'POST',
    path: '/api/v1/tokens',
    body: { name: 'a b', role: 'viewer' },
    status: 400,
    says: 'name must consist',
  },
  {
    name: 'revoke with non-UUID id',
    method: 'DELETE',
    path: '/api/v1/tokens/not-a-uuid',
    status: 400,
    says: 'uuid',
  },
  {
    name: 'revoke unknown token',
    method: 'DELETE',
    path: '/api/v1/tokens/00000000-0000-4000-8000-000000000000',
    status: 404,
    says: 'not found',
  },
  {
    name: 'audit bad action pattern',
    method: 'GET',
    path: '/api/v1/audit?action=DROP%20TABLE',
    status: 400,
    says: 'action must be',
  },
  {
    name: 'audit bad since',
    method: 'GET',
    path: '/api/v1/audit?since=yesterday',
    status: 400,
    says: 'since must be an ISO 8601',
  },
  {
    name: 'audit cluster not a uuid',
    method: 'GET',
    path: '/api/v1/audit?cluster=prod',
    status: 400,
    says: 'cluster must be a UUID',
  },
  {
    name: 'audit limit over 500',
    method: 'GET',
    path: '/api/v1/audit?limit=501',
    status: 400,
    says: 'limit',
  },
  {
    name: 'body too large',
    method: 'POST',
    path: '/api/v1/clusters',
    raw: JSON.stringify({ name: 'big', labels: { a: long(9 * 1024 * 1024) } }),
    status: 413,
    says: 'too large',
  },
  { name: 'unknown route', method: 'GET', path: '/api/v1/nothing-here', status: 404, says: 'Cannot GET' },
  {
    name: 'application without targets',
    method: 'POST',
    path: '/api/v1/applications',
    body: {
      name: 'a',
      repositoryId: 'git-repo',
      path: 'x',
      syncPolicy: { automated: true, prune: true, selfHeal: true },
    },
    status: 400,
    says: 'targets',
  },
  {
    // Postgres cannot store U+0000 in text or jsonb: schemathesis found it answered 500.
    name: 'application with a NUL character in a free-form value',
    method: 'POST',
    path: '/api/v1/applications',
    body: {
      name: 'nul',
      repositoryId: 'git-repo',
      path: 'x',
      targets: [{ clusterSelector: 'env=prod', values: { k: 'a\u0000b' } }],
      syncPolicy: { automated: true, prune: true, selfHeal: true },
    },
    status: 400,
    says: 'NUL',
  },
  {
    name: 'application with a bad selector',
    method: 'POST',
    path: '/api/v1/applications',
    body: {
      name: 'a',
      repositoryId: 'git-repo',
      path: 'x',
      targets: [{ clusterSelector: 'env in (' }],
      syncPolicy: { automated: true, prune: true, selfHeal: true },
    },
    status: 400,
    says: 'targets[0].clusterSelector',
  },
  {
    name: 'application sync policy incomplete',
    method: 'POST',
    path: '/api/v1/applications',
    body: {
      name: 'a',
      repositoryId: 'git-repo',
      path: 'x',
      targets: [{ clusterSelector: '' }],
      syncPolicy: { automated: true },
    },
    status: 400,
    says: 'syncPolicy.prune',
  },
  {
    name: 'application on an unknown repository',
    method: 'POST',
    path: '/api/v1/applications',
    body: {
      name: 'a',
      repositoryId: 'nope',
      path: 'x',
      targets: [{ clusterSelector: '' }],
      syncPolicy: { automated: true, prune: true, selfHeal: true },
    },
    status: 404,
    says: "repository 'nope' not found",
  },
  {
    name: 'application ignoreDifferences not a pointer',
    method: 'POST',
    path: '/api/v1/applications',
    body: {
      name: 'a',
      repositoryId: 'git-repo',
      path: 'x',
      targets: [{ clusterSelector: '' }],
      syncPolicy: { automated: true, prune: true, selfHeal: true },
      ignoreDifferences: ['spec.replicas'],
    },
    status: 400,
    says: 'JSON pointers',
  },
  {
    name: 'application path escaping the repository',
    method: 'POST',
    path: '/api/v1/applications',
    body: {
      name: 'a',
      repositoryId: 'git-repo',
      path: '../x',
      targets: [{ clusterSelector: '' }],
      syncPolicy: { automated: true, prune: true, selfHeal: true },
    },
    status: 400,
    says: 'path',
  },
  {
    name: 'application without a sync policy',
    method: 'POST',
    path: '/api/v1/applications',
    body: { name: 'a', repositoryId: 'git-repo', path: 'x', targets: [{ clusterSelector: '' }] },
    status: 400,
    says: 'syncPolicy is required',
  },
  {
    name: 'rollback without a revision',
    method: 'POST',
    path: '/api/v1/applications/nope/rollback',
    body: {},
    status: 400,
    says: 'revision',
  },
  {
    name: 'agent registration with a bad token',
    method: 'POST',
    path: '/api/v1/agent/register',
    body: { registrationToken: 'fltreg_not-a-real-token', agentVersion: '1' },
    status: 401,
    says: 'invalid or was already used',
  },
  {
    name: 'agent registration without a token',
    method: 'POST',
    path: '/api/v1/agent/register',
    body: { agentVersion: '1' },
    status: 400,
    says: 'registrationToken',
  },
  {
    // every recursive walk of a body (validation, class-transformer) ran out of stack: a 500
    name: 'a body nested 5,000 levels deep',
    method: 'POST',
    path: '/api/v1/clusters',
    raw: `{"name":"deep","labels":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    status: 400,
    says: 'request body nests deeper than 64 levels',
  },
  {
    name: 'a Kubernetes object nested 5,000 levels deep to judge',
    method: 'POST',
    path: '/api/v1/health-checks/evaluate',
    raw: `{"rule":{"group":"","kind":"Pod","current":"true"},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}}`,
    status: 400,
    says: 'request body nests deeper than 64 levels',
  },
  {
    // PostgreSQL refuses it inside JSON (a 500) and turns it into U+FFFD as text
    name: 'a label value with half a UTF-16 surrogate pair',
    method: 'POST',
    path: '/api/v1/clusters',
    raw: '{"name":"half","labels":{"env":"prod\\ud800"}}',
    status: 400,
    says: 'request body: labels.env is not valid Unicode',
  },
  {
    name: "an agent's job result message with half a surrogate pair",
    method: 'POST',
    path: '/api/v1/agent/jobs/00000000-0000-4000-8000-000000000001/result',
    raw: '{"reportId":"00000000-0000-4000-8000-000000000002","outcome":"failed","retryable":false,"message":"x\\udc00","resources":[],"inventory":[]}',
    status: 400,
    says: 'request body: message is not valid Unicode',
  },
];

describe('bad input', () => {
  it('covers at least 25 distinct cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  for (const c of cases) {
    it(`${c.name} → ${c.status}`, async () => {
      const res = await h.api(c.method, c.path, { body: c.body, rawBody: c.raw, headers: c.headers });
      expect(res.status).toBe(c.status);
      expect(res.body).toMatchObject({
        statusCode: c.status,
        error: expect.any(String),
        message: expect.any(String),
      });
      expect(res.body.message).toContain(c.says);
      expect(res.text).not.toMatch(/\bat \S+ \(|node_modules|\.ts:\d+/);
    });
  }

  it('leaves nothing half-written: rejected requests add no rows and no audit events', async () => {
    const counts = await h.sql<{ c: string; r: string; a: string }>(
      'SELECT (SELECT count(*) FROM clusters) c, (SELECT count(*) FROM repositories) r, (SELECT count(*) FROM audit_events) a',
    );
    // The keyed-chain marker, the first admin token, the cluster and the repository.
    expect(counts[0]).toEqual({ c: '1', r: '1', a: '4' });
  });
});
