import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { HttpHubClient } from '../../src/agent/hub-client.js';
import { ClusterStateStore } from '../../src/agent/state-store.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { namespace, testAgent, uniq, waitFor } from '../k8s/agent/agent-test-kit.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ensureSops } from '../support/sops-binary.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

/**
 * SOPS end to end (issue 17): files encrypted by the real `sops` CLI for an age recipient made
 * here, committed to Git, rendered by a real hub and applied by a real agent to a real API
 * server, which decrypts them with the age key its cluster owner put in a Secret.
 * - without that Secret the job fails saying so; once it exists, the Secret arrives decrypted;
 * - a file changed after encryption (MAC) and a file for another recipient fail by file and
 *   object, and nothing of their bundles is applied;
 * - drift on the decrypted Secret is reported without its values, and an API server error
 *   quoting a decrypted value reaches the hub without it;
 * - the hub's database, its log and what a viewer can read never hold the plaintext.
 */

const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const LIVE = `live-${randomBytes(8).toString('hex')}`;
const SCHEDULE = `not-a-schedule-${randomBytes(8).toString('hex')}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
// `data`, not `stringData`: the API server turns stringData into data, so only data can drift
const secretYaml = (name: string, label: string) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  labels:\n    team: ${label}\ntype: Opaque\ndata:\n  password: ${b64(PASSWORD)}\n  port: ${b64('5432')}\n`;

let git: VcsFixture;
let h: TestHub;
let repo: VcsRepository;
let kube: KubeClusterClient;
let viewer: string;
let agentNs: string;
let work: string;
let stopAgent: (() => Promise<void>) | null = null;
let identity: string;
const appNs = uniq('sops-e2e');

/** Encrypts `plain` with the real sops CLI for `recipient`, keeping identity fields in clear. */
async function sopsEncrypt(
  sops: string,
  recipient: string,
  name: string,
  plain: string,
  encryptedRegex = '^(data|stringData)$',
): Promise<string> {
  const path = join(work, `${name}.yaml`);
  await writeFile(path, plain);
  const { stdout } = await promisify(execFile)(
    sops,
    ['encrypt', '--age', recipient, '--encrypted-regex', encryptedRegex, path],
    // a developer's own key or config must not change what the test makes
    { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: work } },
  );
  return stdout;
}

const jobsOf = async (app: string) =>
  h.sql<{ state: string; error: string | null }>(
    `SELECT j.state, j.error FROM reconcile_jobs j JOIN applications a ON a.id = j.application_id
     WHERE a.name = $1 ORDER BY j.created_at`,
    [app],
  );

async function createApp(name: string, path: string): Promise<void> {
  const app = await h.api('POST', '/api/v1/applications', {
    body: {
      name,
      repositoryId: 'sops',
      path,
      targets: [{ clusterSelector: 'e2e=sops', namespace: appNs }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(app.status, app.text).toBe(201);
  await h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
}

const failedJob = (app: string) =>
  waitFor(
    `${app}: a failed job`,
    async () => (await jobsOf(app)).find((j) => j.state === 'failed'),
    30_000,
    100,
  );

beforeAll(async () => {
  const sops = await ensureSops();
  work = await mkdtemp(join(tmpdir(), 'flotilla-sops-'));
  identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const otherRecipient = await identityToRecipient(await generateX25519Identity());
  const good = await sopsEncrypt(sops, recipient, 'good', secretYaml('db-creds', 'a'));
  const changed = (await sopsEncrypt(sops, recipient, 'changed', secretYaml('changed-creds', 'a'))).replace(
    'team: a',
    'team: b',
  );
  expect(changed).toContain('team: b');
  const other = await sopsEncrypt(sops, otherRecipient, 'other', secretYaml('other-creds', 'a'));
  // an encrypted field the API server refuses, quoting it in its error
  const cron = await sopsEncrypt(
    sops,
    recipient,
    'cron',
    `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  schedule: ${SCHEDULE}\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n            - name: c\n              image: busybox\n`,
    '^schedule$',
  );
  expect(cron).not.toContain(SCHEDULE);
  for (const text of [good, changed, other]) expect(text).not.toContain(b64(PASSWORD));

  git = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  viewer = await h.token('viewer');
  repo = await git.createRepo();
  const cm = (name: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;
  await git.externalCommit(
    repo,
    {
      'ok/db.sops.yaml': good,
      'tampered/db.sops.yaml': changed,
      'tampered/settings.yaml': cm('tampered-settings'),
      'other/db.sops.yaml': other,
      'other/settings.yaml': cm('other-settings'),
      'cron/nightly.sops.yaml': cron,
    },
    'sops-encrypted secrets',
  );
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'sops', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  kube = KubeClusterClient.fromConfig({ kubeconfig: inject('k8sClusters')[0].kubeconfig });
  await kube.apply(namespace(appNs));
  agentNs = uniq('sops-e2e-agent');
  await kube.apply(namespace(agentNs));
  const c = await h.api('POST', '/api/v1/clusters', { body: { name: 'sops-e2e', labels: { e2e: 'sops' } } });
  expect(c.status, c.text).toBe(201);
  const { agent } = testAgent({
    client: kube,
    hub: new HttpHubClient(h.url),
    store: new ClusterStateStore(kube, agentNs, 'cred'),
    namespace: agentNs,
    registrationToken: c.body.registration.token as string,
  });
  await agent.start();
  stopAgent = () => agent.stop();
}, 600_000);

afterAll(async () => {
  await stopAgent?.();
  kube?.close();
  await h?.close();
  await git?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('SOPS files made by the real sops CLI, applied by a real agent', () => {
  it('fail clearly while the cluster has no age key, and arrive decrypted once it has', async () => {
    await createApp('sops-ok', 'ok');
    const job = await failedJob('sops-ok');
    expect(job.error).toContain(`no age key in this cluster: create the Secret ${agentNs}/flotilla-sops-age`);
    expect(
      await kube.get({ apiVersion: 'v1', kind: 'Secret', namespace: appNs, name: 'db-creds' }),
    ).toBeNull();

    // the cluster owner adds the key; it never goes to the hub
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'flotilla-sops-age', namespace: agentNs },
      data: { 'keys.txt': b64(`# created by the cluster owner\n${identity}\n`) },
    });
    const sync = await h.api('POST', '/api/v1/applications/sops-ok/sync');
    expect(sync.status, sync.text).toBeLessThan(300);
    const secret = await waitFor(
      'the decrypted Secret',
      () => kube.get({ apiVersion: 'v1', kind: 'Secret', namespace: appNs, name: 'db-creds' }),
      30_000,
      100,
    );
    const data = (secret as unknown as { data: Record<string, string> }).data;
    expect(Buffer.from(data.password, 'base64').toString()).toBe(PASSWORD);
    expect(Buffer.from(data.port, 'base64').toString()).toBe('5432');
    expect(secret.metadata.labels).toMatchObject({ team: 'a' });
    expect(secret).not.toHaveProperty('sops');
    await waitFor('the job succeeded', async () =>
      (await jobsOf('sops-ok')).some((j) => j.state === 'succeeded'),
    );
  }, 90_000);

  it('refuse a file changed after encryption (MAC), naming file and object; nothing of the bundle applied', async () => {
    await createApp('sops-tampered', 'tampered');
    const job = await failedJob('sops-tampered');
    expect(job.error).toMatch(
      /SOPS file tampered\/db\.sops\.yaml \(Secret "changed-creds"\): MAC mismatch: the file was changed after it was encrypted/,
    );
    const rows = (await h.api('GET', '/api/v1/applications/sops-tampered/resources', { token: viewer })).body
      .items as { resource: string; message: string | null }[];
    expect(rows.find((r) => r.resource === `/Secret/${appNs}/changed-creds`)?.message).toMatch(
      /MAC mismatch/,
    );
    for (const [kind, name] of [
      ['Secret', 'changed-creds'],
      ['ConfigMap', 'tampered-settings'],
    ])
      expect(await kube.get({ apiVersion: 'v1', kind, namespace: appNs, name })).toBeNull();
  }, 60_000);

  it('refuse a file encrypted for other recipients, naming them; nothing of the bundle applied', async () => {
    await createApp('sops-other', 'other');
    const job = await failedJob('sops-other');
    expect(job.error).toMatch(
      /SOPS file other\/db\.sops\.yaml \(Secret "other-creds"\): not encrypted for this cluster's age key; its recipients are age1/,
    );
    expect(
      await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNs, name: 'other-settings' }),
    ).toBeNull();
  }, 60_000);

  it('reports drift on the decrypted Secret without either value', async () => {
    const patched = await kube.transport.request(
      'PATCH',
      `/api/v1/namespaces/${appNs}/secrets/db-creds?fieldManager=intruder`,
      { contentType: 'application/merge-patch+json', body: { data: { password: b64(LIVE) } } },
    );
    expect(patched.status).toBe(200);
    const row = await waitFor(
      'drift reported to the hub',
      async () =>
        (
          (await h.api('GET', '/api/v1/applications/sops-ok/resources', { token: viewer })).body.items as {
            resource: string;
            drifted: boolean;
            diff: string | null;
          }[]
        ).find((r) => r.resource === `/Secret/${appNs}/db-creds` && r.drifted),
      30_000,
      100,
    );
    expect(row.diff).toMatch(
      /^- \/data\/password: \(redacted hmac:[0-9a-f]{12}\)\n\+ \/data\/password: \(redacted hmac:[0-9a-f]{12}\)$/,
    );
  }, 60_000);

  it("keeps a decrypted value out of the API server's error that quotes it", async () => {
    await createApp('sops-cron', 'cron');
    const job = await failedJob('sops-cron');
    expect(job.error).toContain('spec.schedule: Invalid value: "(redacted)"');
    expect(job.error).not.toContain(SCHEDULE);
  }, 60_000);

  it('never puts the plaintext in the database, the hub log or what a viewer reads', async () => {
    const forms = [PASSWORD, LIVE, SCHEDULE].flatMap((v) => [v, b64(v), Buffer.from(v).toString('hex')]);
    const tables = await h.sql<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((t) => t.table_name)).toContain('bundles');
    for (const { table_name } of tables) {
      const rows = await h.sql<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
      const dump = rows.map((r) => r.row).join('\n');
      for (const form of forms) expect(dump, table_name).not.toContain(form);
    }
    const views = [
      await h.api('GET', '/api/v1/applications/sops-ok/resources', { token: viewer }),
      await h.api('GET', '/api/v1/audit?limit=500', { token: viewer }),
    ];
    for (const text of [...views.map((v) => v.text), h.logs.join('\n')])
      for (const form of forms) expect(text).not.toContain(form);
    // the bundle the hub holds is the ciphertext as committed
    const bundles = await h.sql<{ row: string }>(`SELECT t::text AS row FROM bundles t`);
    expect(bundles.map((b) => b.row).join('\n')).toMatch(/ENC\[AES256_GCM|454e435b414553323536/);
    expect(await readFile(join(work, 'good.yaml'), 'utf8')).toContain(b64(PASSWORD)); // the check above could fail
  }, 60_000);
});
