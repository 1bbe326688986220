/**
 * A fleet-wide preview end to end on real components (issue 18): an in-process hub on Postgres, a
 * real Git server, and real agent processes on real kube-apiservers.
 * - `east` runs the application at revision 1 and previews revision 2: a changed ConfigMap value
 *   (field-level diff), a new ConfigMap, a removed one (prune) and a changed Secret (values
 *   redacted);
 * - `west` runs it too, but its API server holds a ValidatingAdmissionPolicy that refuses the new
 *   ConfigMap: the dry run's refusal fails that cluster;
 * - `north` never had an agent: unknown, and no job is sent;
 * - a revision whose YAML does not parse fails every cluster with the file named.
 * Nothing is written: the live objects, the desired state and the jobs stay as they were.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { waitFor as pollUntil } from '../k8s/agent/agent-test-kit.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { CliSession } from '../cli/cli-harness.js';
import { AgentProcess } from './agent-process.js';

const suffix = randomBytes(3).toString('hex');
const NS = `preview-${suffix}`;
const LABEL = `preview-${suffix}`;
const OLD_PASSWORD = 'b2xkLXBhc3N3b3JkLTEyMw=='; // base64 of a value that must never leave an agent
const NEW_PASSWORD = 'bmV3LXBhc3N3b3JkLTQ1Ng==';

const cm = (name: string, data: Record<string, string>, labels: Record<string, string> = {}) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${NS}\n` +
  (Object.keys(labels).length
    ? `  labels:\n${Object.entries(labels)
        .map(([k, v]) => `    ${k}: "${v}"`)
        .join('\n')}\n`
    : '') +
  `data:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join('\n')}\n`;
const secret = (password: string) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: ${NS}\ntype: Opaque\ndata:\n  password: ${password}\n`;

const REVISION_1 = {
  'app/ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n  labels:\n    preview-test: "${suffix}"\n`,
  'app/keep.yaml': cm('keep', { mode: 'blue' }),
  'app/gone.yaml': cm('gone', { x: '1' }),
  'app/secret.yaml': secret(OLD_PASSWORD),
};
const REVISION_2 = {
  'app/keep.yaml': cm('keep', { mode: 'green' }),
  'app/gone.yaml': null,
  'app/fresh.yaml': cm('fresh', { y: '2' }, { 'preview-block': 'yes' }),
  'app/secret.yaml': secret(NEW_PASSWORD),
};

/** Refuses ConfigMaps labelled preview-block=yes in namespaces of this test (installed on `west` only). */
const admissionPolicy = [
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: `no-blocked-${suffix}` },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['configmaps'],
          },
        ],
      },
      validations: [
        {
          expression: "!has(object.metadata.labels) || !('preview-block' in object.metadata.labels)",
          message: 'configmaps labelled preview-block are not allowed here',
        },
      ],
    },
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: `no-blocked-${suffix}` },
    spec: {
      policyName: `no-blocked-${suffix}`,
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchLabels: { 'preview-test': suffix } } },
    },
  },
];

let git: VcsFixture;
let repo: VcsRepository;
let h: TestHub;
let cli: CliSession;
/** Revision 2, which the later tests preview again by its id. */
let revision2 = '';
const kube: Record<'east' | 'west', KubeClusterClient> = {} as never;
const agents: AgentProcess[] = [];

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const waitFor = <T>(what: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<NonNullable<T>> =>
  pollUntil(what, fn, timeoutMs, 200);

interface PreviewObject {
  id: string;
  action: string;
  message?: string;
  changes?: { path: string; op: string; before?: unknown; after?: unknown }[];
}
interface PreviewCluster {
  clusterName: string;
  state: string;
  reason: string | null;
  renderError: string | null;
  objects: PreviewObject[];
}
interface Preview {
  id: string;
  revision: string | null;
  state: string;
  summary: Record<string, number | string>;
  clusters: PreviewCluster[];
}

async function preview(): Promise<Preview> {
  const res = await h.api('POST', '/api/v1/applications/web/previews', { body: {} });
  expect(res.status, res.text).toBe(201);
  return waitFor('the preview to complete', async () => {
    const got = await h.api('GET', `/api/v1/previews/${res.body.id}`);
    expect(got.status, got.text).toBe(200);
    return got.body.state === 'complete' ? (got.body as Preview) : undefined;
  });
}

const liveKeep = async (k: KubeClusterClient) =>
  ((await k.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'keep' })) as any)?.data?.mode;

async function register(name: string): Promise<string> {
  const res = await h.api('POST', '/api/v1/clusters', { body: { name, labels: { preview: LABEL } } });
  expect(res.status, res.text).toBe(201);
  return res.body.registration.token as string;
}

beforeAll(async () => {
  git = await gitFixture(false);
  repo = await git.createRepo();
  await git.externalCommit(repo, REVISION_1, 'revision 1');
  h = await startTestHub(inject('postgresUrl'));
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'previewed', type: 'git', url: repo.url, branch: repo.branch },
  });
  expect(r.status, r.text).toBe(201);
  const clusters = inject('k8sClusters');
  kube.east = KubeClusterClient.fromConfig({ kubeconfig: clusters[0].kubeconfig });
  kube.west = KubeClusterClient.fromConfig({ kubeconfig: clusters[1].kubeconfig });
  for (const o of admissionPolicy) await kube.west.apply(o);
  for (const [name, i] of [
    ['east', 0],
    ['west', 1],
  ] as const) {
    const token = await register(`${name}-${suffix}`);
    agents.push(
      await AgentProcess.start({
        name,
        hubUrl: h.url,
        kubeconfig: clusters[i].kubeconfig,
        registrationToken: token,
      }),
    );
  }
  await register(`north-${suffix}`);
  const app = await h.api('POST', '/api/v1/applications', {
    body: {
      name: 'web',
      repositoryId: 'previewed',
      path: 'app',
      targets: [{ clusterSelector: `preview=${LABEL}` }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(app.status, app.text).toBe(201);
  await settle();
  await waitFor('revision 1 live on east and west', async () =>
    (await liveKeep(kube.east)) === 'blue' && (await liveKeep(kube.west)) === 'blue' ? true : undefined,
  );
  // west's API server enforces a policy some time after it is stored (its admission informers,
  // and the namespace's label for the binding): wait until a blocked ConfigMap is refused there
  await waitFor('the admission policy enforced on west', async () => {
    const probe = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'probe', namespace: NS, labels: { 'preview-block': 'yes' } },
    };
    return kube.west.apply(probe, { dryRun: true }).then(
      () => undefined,
      (e: Error) => e.message.includes('not allowed here') || undefined,
    );
  });
  // from here on, commits are only previewed: nothing syncs them
  const off = await h.api('PATCH', '/api/v1/applications/web', {
    body: { syncPolicy: { automated: false, prune: true, selfHeal: false } },
  });
  expect(off.status, off.text).toBe(200);
}, 240_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  if (kube.west)
    for (const o of [...admissionPolicy].reverse()) await kube.west.delete(o as never).catch(() => {});
  for (const k of Object.values(kube)) k.close();
  await h?.close();
  await git?.close();
  await cli?.close();
});

describe('a fleet-wide preview on real agents (issue 18)', () => {
  it('shows per cluster what a revision would change, refuse and prune, and writes nothing', async () => {
    await git.externalCommit(repo, REVISION_2, 'revision 2');
    const jobsBefore = await h.sql('SELECT count(*)::int AS n FROM reconcile_jobs');
    const desiredBefore = await h.sql(
      'SELECT cluster_id, revision, bundle_digest FROM desired_states ORDER BY cluster_id',
    );

    const p = await preview();
    revision2 = p.revision!;
    const byName = new Map(p.clusters.map((c) => [c.clusterName.replace(`-${suffix}`, ''), c]));

    const east = byName.get('east')!;
    expect(east.state, JSON.stringify(east)).toBe('changes');
    const action = (c: PreviewCluster, name: string) =>
      c.objects.find((o) => o.id.endsWith(`/${NS}/${name}`))?.action;
    expect(action(east, 'keep')).toBe('change');
    expect(action(east, 'fresh')).toBe('create');
    expect(action(east, 'gone')).toBe('prune');
    expect(action(east, 'db')).toBe('change');
    const keep = east.objects.find((o) => o.id.endsWith(`/${NS}/keep`))!;
    expect(keep.changes).toEqual([{ path: '/data/mode', op: 'replace', before: 'blue', after: 'green' }]);
    const db = east.objects.find((o) => o.id.endsWith(`/${NS}/db`))!;
    expect(db.changes).toEqual([
      { path: '/data/password', op: 'replace', before: '(redacted)', after: '(redacted)' },
    ]);

    const west = byName.get('west')!;
    expect(west.state, JSON.stringify(west)).toBe('failed');
    const refused = west.objects.find((o) => o.id.endsWith(`/${NS}/fresh`))!;
    expect(refused.action).toBe('refused');
    expect(refused.message).toContain('configmaps labelled preview-block are not allowed here');

    const north = byName.get('north')!;
    expect(north.state).toBe('unknown');
    expect(north.reason).toBeTruthy();

    expect(p.summary).toMatchObject({ clusters: 3, changing: 1, failing: 1, unknown: 1 });
    expect(String(p.summary.text)).toMatch(/1 fail/);

    // no secret value anywhere in what the API answers
    const text = JSON.stringify(p);
    for (const v of [OLD_PASSWORD, NEW_PASSWORD, 'old-password-123', 'new-password-456'])
      expect(text).not.toContain(v);

    // nothing written: live objects, desired state, jobs
    for (const k of [kube.east, kube.west]) {
      expect(await liveKeep(k)).toBe('blue');
      expect(await k.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'fresh' })).toBeNull();
      expect(
        await k.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'gone' }),
      ).not.toBeNull();
    }
    expect(await h.sql('SELECT count(*)::int AS n FROM reconcile_jobs')).toEqual(jobsBefore);
    expect(
      await h.sql('SELECT cluster_id, revision, bundle_digest FROM desired_states ORDER BY cluster_id'),
    ).toEqual(desiredBefore);
  }, 120_000);

  it('a revision that does not render fails every connected cluster, naming the file', async () => {
    await git.externalCommit(repo, { 'app/broken.yaml': 'kind: ConfigMap\nmetadata: [unclosed\n' }, 'broken');
    const p = await preview();
    for (const name of ['east', 'west']) {
      const c = p.clusters.find((x) => x.clusterName === `${name}-${suffix}`)!;
      expect(c.state).toBe('failed');
      expect(c.renderError).toContain('broken.yaml');
    }
  }, 120_000);

  it('flotilla app diff --revision R -o markdown: a pull-request comment, exit 1 as a cluster would fail', async () => {
    cli ??= await CliSession.create({ FLOTILLA_URL: h.url, FLOTILLA_TOKEN: h.adminToken });
    const md = await cli.run([
      'app',
      'diff',
      'web',
      '--revision',
      revision2,
      '-o',
      'markdown',
      '--interval',
      '200ms',
    ]);
    expect(md.code, md.stderr).toBe(1);
    expect(md.stderr).toContain('1 cluster(s) would fail');
    expect(md.stdout).toMatch(/^### Flotilla preview: `web` at `main@sha1:[0-9a-f]{7}`\n/);
    expect(md.stdout).toMatch(new RegExp(`\\| east-${suffix} \\| ✏️ changes \\| 1 \\| 2 \\| 1 \\|`));
    expect(md.stdout).toMatch(new RegExp(`\\| west-${suffix} \\| ❌ failed \\|`));
    expect(md.stdout).toContain(`    ~ /data/mode: "blue" → "green"`);
    expect(md.stdout).toContain('configmaps labelled preview-block are not allowed here');
    for (const v of [OLD_PASSWORD, NEW_PASSWORD]) expect(md.stdout).not.toContain(v);

    const json = await cli.run([
      'app',
      'diff',
      'web',
      '--revision',
      revision2,
      '-o',
      'json',
      '--interval',
      '200ms',
    ]);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.state).toBe('complete');
    expect(parsed.clusters).toHaveLength(3);
  }, 120_000);
});
