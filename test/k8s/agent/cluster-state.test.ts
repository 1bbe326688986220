import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AGENT_STATE_LABEL } from '../../../src/agent/apply/inventory-store.js';
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import { AgeKeys } from '../../../src/agent/sealing/age-keys.js';
import { ClusterStateStore, FileStateStore } from '../../../src/agent/state-store.js';
import { bundleDigest } from '../../../src/domain/render/render.js';
import {
  bundleOf,
  configMap,
  countingClient,
  namespace,
  ScriptedHub,
  syncJob,
  testAgent,
  uniq,
  waitFor,
} from './agent-test-kit.js';

let client: KubeClusterClient;

beforeAll(() => {
  ({ client } = countingClient(inject('k8sClusters')[0].kubeconfig));
});
afterAll(() => client.close());

const cm = (ns: string, name: string) =>
  client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name }) as Promise<{
    data?: Record<string, string>;
    metadata: { labels?: Record<string, string> };
  } | null>;

describe('ClusterStateStore against a real API server', () => {
  it('keeps the credential in a Secret and desired state with its bundle in ConfigMaps of its namespace', async () => {
    const ns = uniq('state');
    await client.apply(namespace(ns));
    const store = new ClusterStateStore(client, ns, 'agent-credential');
    expect(await store.loadCredential()).toBeNull();
    expect(await store.listDesired()).toEqual([]);

    await store.saveCredential('fltagent_secret-value');
    const secret = await client.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: ns,
      name: 'agent-credential',
    });
    expect(secret).toMatchObject({
      type: 'Opaque',
      metadata: { labels: { [AGENT_STATE_LABEL]: 'credential' } },
    });
    expect(JSON.stringify(await cm(ns, 'agent-credential'))).not.toContain('secret-value');

    const appId = randomUUID();
    const bytes = bundleOf([configMap('x', 'a', { k: 'v' })]);
    const job = syncJob(appId, bundleDigest(bytes));
    const next = syncJob(appId, 'sha256:' + 'f'.repeat(64));
    await store.saveBundle(appId, job.bundleDigest!, bytes);
    await store.saveDesired(appId, { job, pending: next });

    // A new store (an agent restarted in a new pod) reads back exactly what was saved.
    const fresh = new ClusterStateStore(client, ns, 'agent-credential');
    expect(await fresh.loadCredential()).toBe('fltagent_secret-value');
    expect(await fresh.listDesired()).toEqual([{ job, pending: next }]);
    expect(await fresh.loadBundle(job.bundleDigest!)).toEqual(bytes);
    expect(await fresh.loadBundle(next.bundleDigest!)).toBeNull();
    const stored = await cm(ns, `flotilla-desired-${appId}`);
    expect(stored!.metadata.labels![AGENT_STATE_LABEL]).toBe('desired');

    // Rotation overwrites; removal forgets.
    await fresh.saveCredential('fltagent_rotated');
    expect(await new ClusterStateStore(client, ns, 'agent-credential').loadCredential()).toBe(
      'fltagent_rotated',
    );
    await fresh.removeDesired(appId);
    expect(await new ClusterStateStore(client, ns, 'agent-credential').listDesired()).toEqual([]);
  });

  it('a bundle too big for a ConfigMap is kept in memory only; the state itself is still stored', async () => {
    const ns = uniq('state');
    await client.apply(namespace(ns));
    const store = new ClusterStateStore(client, ns, 'cred');
    const appId = randomUUID();
    // Random bytes do not compress: 1.2 MB stays over the limit gzipped.
    const big = randomBytes(1200 * 1024);
    const job = syncJob(appId, bundleDigest(big));
    await store.saveBundle(appId, job.bundleDigest!, big);
    await store.saveDesired(appId, { job });
    expect((await store.loadBundle(job.bundleDigest!))?.equals(big)).toBe(true);
    const fresh = new ClusterStateStore(client, ns, 'cred');
    expect(await fresh.listDesired()).toEqual([{ job }]);
    expect(await fresh.loadBundle(job.bundleDigest!)).toBeNull();
  });
});

describe("the agent's age identity (sealed secrets)", () => {
  it('is made once, kept across restarts in a Secret or a 0600 file, and rotation keeps the previous ones', async () => {
    const ns = uniq('age');
    await client.apply(namespace(ns));
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-age-'));
    try {
      for (const make of [
        () => new ClusterStateStore(client, ns, 'agent-credential'),
        () => new FileStateStore(dir),
      ]) {
        const first = await AgeKeys.load(make());
        expect(first.recipient).toMatch(/^age1[a-z0-9]{58}$/);
        // a restarted agent (a new store) finds the same identity
        const again = await AgeKeys.load(make());
        expect(again.recipient).toBe(first.recipient);
        const old = again.identities[0];
        const rotated = await again.rotate();
        expect(rotated).not.toBe(first.recipient);
        const reloaded = await AgeKeys.load(make());
        expect(reloaded.recipient).toBe(rotated);
        expect(reloaded.identities).toHaveLength(2);
        expect(reloaded.identities[1]).toBe(old);
        for (let i = 0; i < 3; i++) await reloaded.rotate();
        expect((await AgeKeys.load(make())).identities).toHaveLength(3);
      }
      const secret = await client.get({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: ns,
        name: 'agent-credential-age',
      });
      expect(secret).toMatchObject({
        type: 'Opaque',
        metadata: { labels: { [AGENT_STATE_LABEL]: 'age-identity' } },
      });
      expect((await stat(join(dir, 'age-identities'))).mode & 0o777).toBe(0o600);
      // the credential Secret is a separate object: saving one never drops the other
      const store = new ClusterStateStore(client, ns, 'agent-credential');
      await store.saveCredential('fltagent_x');
      expect(await store.loadAgeIdentities()).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('an agent with only the in-cluster store', () => {
  it('restarted while the hub is down keeps its credential and enforces the last desired state', async () => {
    const agentNs = uniq('flotilla-sys');
    const appNs = uniq('app');
    const appId = randomUUID();
    const hub = new ScriptedHub();
    const objects = [namespace(appNs), configMap(appNs, 'settings', { greeting: 'hello' })];

    // First life: registers with the token, receives a job, applies it.
    const first = testAgent({
      client,
      hub,
      store: new ClusterStateStore(client, agentNs, 'cred'),
      namespace: agentNs,
      registrationToken: 'flotilla-registration-token',
    });
    await first.agent.start();
    const job1 = hub.queueSync(appId, objects);
    await waitFor('job 1 reported', () => hub.results.find((r) => r.jobId === job1.id));
    expect(hub.results[0].result.outcome).toBe('succeeded');
    expect(hub.registrations).toBe(1);
    const credential = hub.credentialSet!;
    // A second job is received; the agent dies before it finishes (its state says so).
    const job2 = syncJob(appId, 'sha256:' + 'e'.repeat(64));
    await first.agent.stop();
    const store = new ClusterStateStore(client, agentNs, 'cred');
    await store.listDesired();
    await store.saveDesired(appId, { job: job1, pending: job2 });

    // Second life: a new store (no state dir, no memory), no token, the hub unreachable.
    hub.down = true;
    hub.credentialSet = null;
    const second = testAgent({
      client,
      hub,
      store: new ClusterStateStore(client, agentNs, 'cred'),
      namespace: agentNs,
    });
    await second.agent.start();
    try {
      await waitFor('credential loaded', () => hub.credentialSet === credential);
      expect(hub.registrations).toBe(1);
      // The interrupted job needs the hub for its bundle; job 1's state is enforced meanwhile.
      await waitFor('previous state enforced', () =>
        second.logs.some((l) => l.msg === 'stored desired state enforced' && l.outcome === 'succeeded'),
      );
      expect(second.agent.managedObjects).toBe(2);

      await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNs, name: 'settings' });
      await waitFor(
        'deleted object recreated',
        async () => (await cm(appNs, 'settings'))?.data?.greeting === 'hello',
      );
      const edit = await client.transport.request(
        'PATCH',
        `/api/v1/namespaces/${appNs}/configmaps/settings?fieldManager=intruder`,
        { contentType: 'application/merge-patch+json', body: { data: { greeting: 'edited' } } },
      );
      expect(edit.status).toBe(200);
      await waitFor('edit reverted', async () => (await cm(appNs, 'settings'))?.data?.greeting === 'hello');

      // Reports wait for the hub: the failed attempt of job 2 and the corrections.
      expect(hub.results).toHaveLength(1);
      expect(hub.events('drift.corrected')).toEqual([]);
      hub.down = false;
      await waitFor('buffer flushed', () => second.agent.buffer.size === 0 && hub.results.length === 2);
      const retry = hub.results[1];
      expect(retry.jobId).toBe(job2.id);
      expect(retry.result).toMatchObject({ outcome: 'failed', retryable: true });
      expect(hub.events('drift.corrected').length).toBeGreaterThanOrEqual(2);
    } finally {
      await second.agent.stop();
    }
  }, 60_000);

  it('a stored state it cannot enforce yet is retried later, but never over a newer job', async () => {
    const agentNs = uniq('flotilla-sys');
    const appNs = uniq('app');
    const appId = randomUUID();
    const hub = new ScriptedHub();
    await client.apply(namespace(agentNs));
    // Stored state whose bundle is not in the cluster (too big, say): only the hub has it.
    const old = hub.queueSync(appId, [namespace(appNs), configMap(appNs, 'settings', { v: 'old' })]);
    await hub.jobs(0, 10);
    const store = new ClusterStateStore(client, agentNs, 'cred');
    await store.saveCredential('fltagent_stored');
    await store.saveDesired(appId, { job: old });

    hub.down = true;
    const { agent, logs } = testAgent({
      client,
      hub,
      store: new ClusterStateStore(client, agentNs, 'cred'),
      namespace: agentNs,
    });
    await agent.start();
    try {
      await waitFor('enforcement deferred', () =>
        logs.some((l) => l.msg === 'enforce: retrying' && l.retryInMs === 5000),
      );
      const deferredAt = Date.now();
      // The hub comes back with a newer revision before the retry is due.
      const newer = hub.queueSync(appId, [namespace(appNs), configMap(appNs, 'settings', { v: 'new' })]);
      hub.down = false;
      await waitFor('newer job applied', () => hub.results.find((r) => r.jobId === newer.id), 15_000);
      const value = async () => (await cm(appNs, 'settings'))?.data?.v;
      expect(await value()).toBe('new');
      // Past the retry's due time: the old state must not have been re-applied.
      await new Promise((r) => setTimeout(r, Math.max(0, deferredAt + 5000 + 1000 - Date.now())));
      expect(await value()).toBe('new');
      expect(logs.filter((l) => l.msg === 'stored desired state enforced')).toHaveLength(1);
    } finally {
      await agent.stop();
    }
  }, 60_000);
});
