import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import pg from 'pg';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Agent } from '../../src/agent/agent.js';
import { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { HttpHubClient } from '../../src/agent/hub-client.js';
import { ClusterStateStore, FileStateStore, type StateStore } from '../../src/agent/state-store.js';
import { sealSecret, type RecipientList } from '../../src/cli/sealing.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { namespace, testAgent, uniq, waitFor } from '../k8s/agent/agent-test-kit.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

/**
 * Sealed secrets end to end (issue 17): three real agents (in-process, speaking HTTP to a real
 * hub) on three real API servers. A Secret sealed for `env=prod` arrives decrypted in the two
 * prod clusters and fails, naming the object, in the dev one; the hub's whole database and its
 * log never hold the value. A key rotation lists what needs a reseal, and the new key works.
 */

const value = `sealed-${randomBytes(9).toString('hex')}`;
const rotatedValue = `rotated-${randomBytes(9).toString('hex')}`;
const liveValue = `live-${randomBytes(9).toString('hex')}`;
/** A value as it could sit in the database: as is, Base64 (Secret data), and either in a bytea column (hex). */
const forms = (v: string) => {
  const b64 = Buffer.from(v).toString('base64');
  return [v, b64, Buffer.from(v).toString('hex'), Buffer.from(b64).toString('hex')];
};

let git: VcsFixture;
let h: TestHub;
let repo: VcsRepository;
let viewer: string;
const kube: KubeClusterClient[] = [];
const agents: { agent: Agent; logs: Record<string, unknown>[] }[] = [];
const appNs = uniq('sealed-e2e');
const names = ['sealed-a', 'sealed-b', 'sealed-c'];
const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();

const secretManifest = (v: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db' },
  stringData: { password: v },
});

async function recipients(selector: string): Promise<RecipientList> {
  const res = await h.api('GET', `/api/v1/cluster-recipients?selector=${encodeURIComponent(selector)}`, {
    token: viewer,
  });
  expect(res.status, res.text).toBe(200);
  return res.body as RecipientList;
}

async function commitSealed(v: string, message: string): Promise<void> {
  const list = await recipients('e2e=sealed,env=prod');
  const sealed = await sealSecret(secretManifest(v), 'e2e=sealed,env=prod', list.items);
  await git.externalCommit(
    repo,
    {
      'app/sealed.yaml': stringify(sealed),
      'app/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  rev: "${message}"\n`,
    },
    message,
  );
}

const secretIn = (i: number) =>
  kube[i].get({ apiVersion: 'v1', kind: 'Secret', namespace: appNs, name: 'db' });
const passwordOf = (s: Record<string, unknown> | null) =>
  s ? Buffer.from((s.data as Record<string, string>).password, 'base64').toString('utf8') : null;

/** Every row of every table of the hub's database, as text (what a pg_dump of the data holds). */
async function dumpDatabase(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.rows.map((r) => r.t)).toEqual(
      expect.arrayContaining(['bundles', 'clusters', 'audit_events']),
    );
    const out: string[] = [];
    for (const { s, t } of tables.rows) {
      const rows = await client.query<{ row: string }>(
        `SELECT row_to_json(x)::text AS row FROM ${client.escapeIdentifier(s)}.${client.escapeIdentifier(t)} x`,
      );
      out.push(`-- ${s}.${t}`, ...rows.rows.map((r) => r.row));
    }
    return out.join('\n');
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  git = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  viewer = await h.token('viewer');
  repo = await git.createRepo();
  expect(
    (await h.api('POST', '/api/v1/repositories', { body: { name: 'sealed', type: 'git', url: repo.url } }))
      .status,
  ).toBe(201);
  const clusters = inject('k8sClusters');
  const stateDir = await mkdtemp(join(tmpdir(), 'flotilla-sealed-e2e-'));
  for (const [i, name] of names.entries()) {
    const client = KubeClusterClient.fromConfig({ kubeconfig: clusters[i].kubeconfig });
    kube.push(client);
    await client.apply(namespace(appNs));
    const agentNs = uniq('sealed-agent');
    await client.apply(namespace(agentNs));
    const c = await h.api('POST', '/api/v1/clusters', {
      body: { name, labels: { e2e: 'sealed', env: i < 2 ? 'prod' : 'dev' } },
    });
    expect(c.status, c.text).toBe(201);
    // both stores keep the identity: a Secret of the agent's namespace, and a state directory
    const store: StateStore =
      i === 0 ? new FileStateStore(join(stateDir, name)) : new ClusterStateStore(client, agentNs, 'cred');
    const started = testAgent({
      client,
      hub: new HttpHubClient(h.url),
      store,
      namespace: agentNs,
      registrationToken: c.body.registration.token as string,
    });
    await started.agent.start();
    agents.push(started);
  }
  await waitFor(
    'every agent registered its key',
    async () => (await recipients('e2e=sealed')).items.length === 3,
  );
}, 180_000);

afterAll(async () => {
  for (const a of agents) await a.agent.stop();
  for (const k of kube) k.close();
  await h?.close();
  await git?.close();
});

describe('a sealed secret for env=prod, on three clusters', () => {
  it('is decrypted in the two recipients, fails clearly in the third; no plaintext on the hub', async () => {
    const prod = await recipients('e2e=sealed,env=prod');
    expect(prod.items.map((r) => r.cluster)).toEqual(['sealed-a', 'sealed-b']);
    expect(prod.withoutKey).toEqual([]);
    for (const r of prod.items) expect(r.recipient).toMatch(/^age1[a-z0-9]{58}$/);
    await commitSealed(value, 'sealed v1');
    const app = await h.api('POST', '/api/v1/applications', {
      body: {
        name: 'sealed-e2e',
        repositoryId: 'sealed',
        path: 'app',
        targets: [{ clusterSelector: 'e2e=sealed', namespace: appNs }],
        syncPolicy: { automated: true, prune: true, selfHeal: true },
      },
    });
    expect(app.status, app.text).toBe(201);
    const appId = app.body.id as string;
    await settle();

    for (const i of [0, 1])
      expect(
        passwordOf(await waitFor(`Secret in ${names[i]}`, () => secretIn(i), 30_000, 100)),
        names[i],
      ).toBe(value);

    const clusterC = (await h.api('GET', '/api/v1/clusters/sealed-c')).body.id as string;
    const [job] = await waitFor(
      'the job on sealed-c to fail',
      async () => {
        const jobs = await h.sql<{ state: string; error: string }>(
          'SELECT state, error FROM reconcile_jobs WHERE application_id = $1 AND cluster_id = $2',
          [appId, clusterC],
        );
        return jobs.length === 1 && jobs[0].state === 'failed' ? jobs : undefined;
      },
      30_000,
      100,
    );
    expect(job.error).toMatch(/nothing applied: 1 sealed secret\(s\) cannot be unsealed/);
    expect(job.error).toContain(`flotilla.io/SealedSecret/${appNs}/db: this cluster is not a recipient`);
    const failed = await waitFor('job.failed audited', async () =>
      (
        (await h.api('GET', '/api/v1/audit?action=job.failed&limit=100')).body.items as {
          applicationId: string;
          details: { failed?: { resource: string; message: string }[] };
        }[]
      ).find((e) => e.applicationId === appId),
    );
    expect(failed.details.failed).toEqual([
      {
        resource: `flotilla.io/SealedSecret/${appNs}/db`,
        message: expect.stringMatching(/sealed for 'e2e=sealed,env=prod'.*flotilla secret reseal/) as unknown,
      },
    ]);
    // nothing of the bundle was applied in the dev cluster: no Secret, not even the ConfigMap
    expect(await secretIn(2)).toBeNull();
    expect(
      await kube[2].get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNs, name: 'app-config' }),
    ).toBeNull();

    // the Secret it became is managed like any: edited live, it drifts (shown as keyed hashes) and is healed
    const patched = await kube[0].transport.request(
      'PATCH',
      `/api/v1/namespaces/${appNs}/secrets/db?fieldManager=intruder`,
      {
        contentType: 'application/merge-patch+json',
        body: { data: { password: Buffer.from(liveValue).toString('base64') } },
      },
    );
    expect(patched.status).toBe(200);
    const drift = await waitFor(
      'drift of the unsealed Secret audited',
      async () =>
        (
          (
            await h.api(
              'GET',
              `/api/v1/audit?resource=${encodeURIComponent(`/Secret/${appNs}/db`)}&limit=50`,
              {
                token: viewer,
              },
            )
          ).body.items as { action: string; details: { diff?: string } }[]
        ).find((e) => e.action === 'drift.detected'),
      30_000,
      100,
    );
    expect(drift.details.diff).toMatch(
      /^- \/data\/password: \(redacted hmac:[0-9a-f]{12}\)\n\+ \/data\/password: \(redacted hmac:[0-9a-f]{12}\)$/,
    );
    await waitFor('self-healed', async () => passwordOf(await secretIn(0)) === value, 30_000, 100);

    const dump = await dumpDatabase(h.databaseUrl);
    // the dump does hold the sealed bundle and the public keys: only ciphertext
    expect(dump).toContain('SealedSecret');
    // bundles are bytea, shown as hex: the scan does see inside them
    expect(dump).toContain(Buffer.from('"name":"app-config"').toString('hex'));
    for (const r of prod.items) expect(dump).toContain(r.recipient);
    const logs = h.logs.join('\n');
    const agentLogs = agents.map((a) => JSON.stringify(a.logs)).join('\n');
    for (const form of [...forms(value), ...forms(liveValue)]) {
      expect(dump).not.toContain(form);
      expect(logs).not.toContain(form);
      expect(agentLogs).not.toContain(form);
    }
  }, 90_000);

  it('rotate-key lists what is sealed to the old key; the new key is sent and a reseal applies', async () => {
    const before = (await recipients('e2e=sealed,env=prod')).items.find((r) => r.cluster === 'sealed-a')!;
    expect((await h.api('POST', '/api/v1/clusters/sealed-a/rotate-key', { token: viewer })).status).toBe(403);
    const rotated = await h.api('POST', '/api/v1/clusters/sealed-a/rotate-key');
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body).toMatchObject({
      cluster: 'sealed-a',
      fingerprint: before.fingerprint,
      needsReseal: [{ application: 'sealed-e2e', objects: [`flotilla.io/SealedSecret/${appNs}/db`] }],
    });
    const after = await waitFor(
      'the new key of sealed-a',
      async () =>
        (await recipients('e2e=sealed,env=prod')).items.find(
          (r) => r.cluster === 'sealed-a' && r.fingerprint !== before.fingerprint,
        ),
      20_000,
      100,
    );
    expect(after.recipient).not.toBe(before.recipient);
    // audited, with the fingerprint of the key it replaces
    const audit = await h.api('GET', '/api/v1/audit?action=cluster.key-rotation-requested&limit=10');
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].details).toEqual({ name: 'sealed-a', fingerprint: before.fingerprint });

    await commitSealed(rotatedValue, 'sealed v2');
    expect((await h.api('POST', '/api/v1/applications/sealed-e2e/sync')).status).toBeLessThan(300);
    await settle();
    for (const i of [0, 1])
      await waitFor(
        `the resealed value in ${names[i]}`,
        async () => passwordOf(await secretIn(i)) === rotatedValue,
        30_000,
        100,
      );
    const dump = await dumpDatabase(h.databaseUrl);
    for (const form of forms(rotatedValue)) {
      expect(dump).not.toContain(form);
      expect(h.logs.join('\n')).not.toContain(form);
    }
  }, 90_000);
});
