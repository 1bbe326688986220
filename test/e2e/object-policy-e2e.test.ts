/**
 * Issue 14's attack, refused at both layers on real components: a commit with a kube-system
 * ConfigMap and a ClusterRoleBinding granting `system:anonymous` cluster-admin.
 * a) through an application of a restricted project: the hub's render fails for every cluster
 *    naming both objects and rules, `policy.denied` is audited once, and no job is queued;
 * b) through the open `default` project to a narrowly installed agent (a real agent process,
 *    `--allowed-namespaces team-a`): the agent refuses, the job fails naming both, and the API
 *    server holds neither object;
 * c) a job whose carried rules refuse an object the hub let through (its row changed between
 *    queueing and lease, as a bug or a tampered row would): the agent refuses it too.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { waitFor as pollUntil } from '../k8s/agent/agent-test-kit.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { insertProject, moveToProject } from '../support/projects.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { AgentProcess } from './agent-process.js';

const suffix = randomBytes(3).toString('hex');
const EVIL_CM = `evil-${suffix}`;
const EVIL_CRB = `anonymous-admin-${suffix}`;
const TEAM_NS = 'team-a';
const TEAM_CM = `team-settings-${suffix}`;

const ATTACK = {
  'attack/cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${EVIL_CM}
  namespace: kube-system
data:
  owned: "yes"
`,
  'attack/crb.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${EVIL_CRB}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: User
    name: system:anonymous
`,
  'team/cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${TEAM_CM}
data:
  a: "1"
`,
};

let git: VcsFixture;
let repo: VcsRepository;
let h: TestHub;
const kube: KubeClusterClient[] = [];
const agents: AgentProcess[] = [];

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const waitFor = <T>(what: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> =>
  pollUntil(what, fn, timeoutMs, 100);

async function createApp(name: string, path: string, selector: string): Promise<string> {
  const res = await h.api('POST', '/api/v1/applications', {
    body: {
      name,
      repositoryId: 'guarded',
      path,
      targets: [{ clusterSelector: selector, namespace: TEAM_NS }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

async function createCluster(
  name: string,
  labels: Record<string, string>,
): Promise<{ id: string; token: string }> {
  const res = await h.api('POST', '/api/v1/clusters', { body: { name, labels } });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.id as string, token: res.body.registration.token as string };
}

const jobsOf = (applicationId: string) =>
  h.sql<{ state: string; error: string | null; cluster_id: string }>(
    'SELECT state, error, cluster_id FROM reconcile_jobs WHERE application_id = $1',
    [applicationId],
  );

const auditOf = async (action: string) =>
  (await h.api('GET', `/api/v1/audit?action=${action}&limit=100`)).body.items as {
    action: string;
    applicationId: string | null;
    clusterId: string | null;
    details: Record<string, any>;
  }[];

/** Neither attack object exists on this API server. */
async function expectNoAttackObjects(client: KubeClusterClient): Promise<void> {
  expect(
    await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: EVIL_CM }),
  ).toBeNull();
  expect(
    await client.get({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      name: EVIL_CRB,
    }),
  ).toBeNull();
}

beforeAll(async () => {
  await promisify(execFile)(process.execPath, [
    'node_modules/typescript/bin/tsc',
    '-p',
    'tsconfig.build.json',
  ]);
  git = await gitFixture(false);
  repo = await git.createRepo();
  await git.externalCommit(repo, ATTACK, 'the attack');
  h = await startTestHub(inject('postgresUrl'));
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'guarded', type: 'git', url: repo.url, branch: repo.branch },
  });
  expect(r.status, r.text).toBe(201);
  const clusters = inject('k8sClusters');
  kube.push(...clusters.slice(0, 2).map((c) => KubeClusterClient.fromConfig({ kubeconfig: c.kubeconfig })));
  // the team's namespace exists, so an apply that got through would succeed
  for (const k of kube) await k.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: TEAM_NS } });
}, 180_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  for (const k of kube) k.close();
  await h?.close();
  await git?.close();
});

describe('object policy at both layers (issue 14)', () => {
  it('a) a restricted project: the render fails for every cluster naming both objects, audited, no job', async () => {
    const appId = await createApp('attack-restricted', 'attack', 'guard=restricted');
    const project = await insertProject((t, p) => h.sql(t, p), `team-a-${suffix}`, {
      namespaces: ['team-a*'],
      allowedKinds: [],
      deniedKinds: [],
      allowSecrets: true,
    });
    await moveToProject((t, p) => h.sql(t, p), 'attack-restricted', project);
    // registering clusters makes the hub render for them
    await createCluster(`guard-r1-${suffix}`, { guard: 'restricted' });
    await createCluster(`guard-r2-${suffix}`, { guard: 'restricted' });
    await settle();

    const status = await h.api('GET', '/api/v1/fleet/status?application=attack-restricted');
    expect(status.status, status.text).toBe(200);
    const rows = status.body.items as { clusterName: string; sync: string; message: string | null }[];
    expect(rows.map((r) => r.clusterName).sort()).toEqual([`guard-r1-${suffix}`, `guard-r2-${suffix}`]);
    for (const row of rows) {
      expect(row.sync).toBe('Failed');
      expect(row.message).toContain(
        `ConfigMap kube-system/${EVIL_CM}: namespace kube-system is not allowed (rule namespaces: team-a*)`,
      );
      expect(row.message).toContain(
        `rbac.authorization.k8s.io/ClusterRoleBinding ${EVIL_CRB}: cluster-scoped kind rbac.authorization.k8s.io/ClusterRoleBinding is not listed in allowedKinds`,
      );
    }
    expect(await jobsOf(appId)).toEqual([]);
    const bundles = await h.sql(
      'SELECT d.bundle_digest FROM desired_states d WHERE d.application_id = $1 AND d.bundle_digest IS NOT NULL',
      [appId],
    );
    expect(bundles).toEqual([]);

    // once per reconcile for the clusters it newly refused (each registration made one)
    const denied = (await auditOf('policy.denied')).filter((e) => e.applicationId === appId);
    expect(denied.length).toBeGreaterThanOrEqual(1);
    expect(new Set(denied.flatMap((e) => e.details.clusters as string[]))).toEqual(
      new Set([`guard-r1-${suffix}`, `guard-r2-${suffix}`]),
    );
    for (const e of denied) {
      expect(e.details.project).toBe(`team-a-${suffix}`);
      expect(e.details.refusals).toEqual([
        expect.objectContaining({ resource: `/ConfigMap/kube-system/${EVIL_CM}`, rule: 'namespaces' }),
        expect.objectContaining({
          resource: `rbac.authorization.k8s.io/ClusterRoleBinding//${EVIL_CRB}`,
          rule: 'clusterScoped',
        }),
      ]);
    }

    // the same revision again (a manual sync) changes nothing and audits nothing new
    const sync = await h.api('POST', '/api/v1/applications/attack-restricted/sync');
    expect(sync.status, sync.text).toBeLessThan(300);
    await settle();
    expect((await auditOf('policy.denied')).filter((e) => e.applicationId === appId)).toHaveLength(
      denied.length,
    );
    expect(await jobsOf(appId)).toEqual([]);
    await expectNoAttackObjects(kube[0]);
  });

  it('b) the open project to a narrowly installed agent: refused per object, nothing applied', async () => {
    const cluster = await createCluster(`guard-narrow-${suffix}`, { guard: 'narrow' });
    agents.push(
      await AgentProcess.start({
        name: 'narrow',
        hubUrl: h.url,
        kubeconfig: inject('k8sClusters')[0].kubeconfig,
        registrationToken: cluster.token,
        extraArgs: ['--allowed-namespaces', TEAM_NS],
      }),
    );
    const appId = await createApp('attack-open', 'attack', 'guard=narrow');
    await settle();
    const [job] = await waitFor('the job to fail', async () => {
      const jobs = await jobsOf(appId);
      return jobs.length === 1 && jobs[0].state === 'failed' ? jobs : undefined;
    });
    expect(job.error).toContain('policy refused 2 object(s)');
    const failed = await waitFor('job.failed audited', async () =>
      (await auditOf('job.failed')).find((e) => e.applicationId === appId),
    );
    expect(failed.details.willRetry).toBe(false);
    expect(failed.details.failed).toEqual([
      {
        resource: `/ConfigMap/kube-system/${EVIL_CM}`,
        message: expect.stringMatching(
          /refused by policy \(rule namespaces\): .*namespace kube-system is not allowed/,
        ),
      },
      {
        resource: `rbac.authorization.k8s.io/ClusterRoleBinding//${EVIL_CRB}`,
        message: expect.stringMatching(/refused by policy \(rule clusterScoped\): .*cluster-scoped kind/),
      },
    ]);
    await expectNoAttackObjects(kube[0]);
  });

  it("c) the job's own rules are enforced by the agent even when the hub let an object through", async () => {
    const appId = await createApp('team-app', 'team', 'guard=open');
    const project = await insertProject((t, p) => h.sql(t, p), `team-loose-${suffix}`, {
      namespaces: ['team-a*'],
      allowedKinds: [],
      deniedKinds: [],
      allowSecrets: true,
    });
    await moveToProject((t, p) => h.sql(t, p), 'team-app', project);
    const cluster = await createCluster(`guard-open-${suffix}`, { guard: 'open' });
    await settle();
    // the hub's check passed (team-a is allowed) and the job carries the project's rules
    const [queued] = await h.sql<{ id: string; object_policy: { namespaces: string[] } }>(
      `SELECT id, object_policy FROM reconcile_jobs WHERE application_id = $1 AND state = 'queued'`,
      [appId],
    );
    expect(queued.object_policy.namespaces).toEqual(['team-a*']);
    // ...and then the row says otherwise before any agent leases it
    await h.sql(
      `UPDATE reconcile_jobs SET object_policy = jsonb_set(object_policy, '{namespaces}', '["team-b"]') WHERE id = $1`,
      [queued.id],
    );
    // an agent without a guardrail of its own
    agents.push(
      await AgentProcess.start({
        name: 'open',
        hubUrl: h.url,
        kubeconfig: inject('k8sClusters')[1].kubeconfig,
        registrationToken: cluster.token,
      }),
    );
    const [job] = await waitFor('the job to fail', async () => {
      const jobs = await jobsOf(appId);
      return jobs[0]?.state === 'failed' ? jobs : undefined;
    });
    expect(job.error).toContain(
      `ConfigMap ${TEAM_NS}/${TEAM_CM}: namespace ${TEAM_NS} is not allowed (rule namespaces: team-b)`,
    );
    expect(
      await kube[1].get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: TEAM_NS, name: TEAM_CM }),
    ).toBeNull();

    // the project's rules as they are: the next sync gets through and applies
    const sync = await h.api('POST', '/api/v1/applications/team-app/sync');
    expect(sync.status, sync.text).toBeLessThan(300);
    await waitFor('the ConfigMap applied', () =>
      kube[1].get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: TEAM_NS, name: TEAM_CM }),
    );
  });
});
