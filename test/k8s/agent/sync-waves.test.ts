/**
 * Health-gated sync waves and sync hooks, with the real applier against a real API server.
 * The test clusters run no controllers or kubelets, so THE TEST ACTS AS THE CONTROLLER: it
 * writes Deployment and Job status through the status subresource (ready, failed, or never
 * ready) while the applier waits, exactly as the deployment and job controllers would.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { Applier } from '../../../src/agent/apply/applier.js';
import type { ReconcileRequest } from '../../../src/agent/apply/apply.types.js';
import { ConfigMapInventoryStore } from '../../../src/agent/apply/inventory-store.js';
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import {
  bundleOf,
  configMap,
  countingClient,
  deployment,
  namespace,
  uniq,
  type CountingTransport,
} from './agent-test-kit.js';
import { controllerFor, whenExists } from './controller-kit.js';

const STATE_NS = 'flotilla-agent-test';
let client: KubeClusterClient;
let makeReady: (ns: string, name: string) => Promise<void>;
let finishJob: (ns: string, name: string, ok: boolean) => Promise<void>;

beforeAll(async () => {
  let counter: CountingTransport;
  ({ client, counter } = countingClient(inject('k8sClusters')[0].kubeconfig));
  ({ makeReady, finishJob } = controllerFor(client, counter));
  await client.apply(namespace(STATE_NS));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sync(objects: readonly object[], healthTimeoutMs = 20_000, applicationId = uniq('app')) {
  const applier = new Applier(client, new ConfigMapInventoryStore(client, STATE_NS), { healthTimeoutMs });
  const req: ReconcileRequest = {
    applicationId,
    applicationName: 'waves-app',
    kind: 'sync',
    prune: true,
    force: false,
    fetchBundle: () => Promise.resolve(bundleOf(objects)),
  };
  return applier.reconcile(req);
}

const cm = (ns: string, name: string) =>
  client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const deploy = (ns: string, name: string) =>
  client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name });
const job = (ns: string, name: string) =>
  client.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name });

const waved = <T extends { metadata: object }>(obj: T, wave: number): T => ({
  ...obj,
  metadata: { ...obj.metadata, annotations: { 'flotilla.io/sync-wave': String(wave) } },
});

const hookJob = (ns: string, name: string, phase: string) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: ns, annotations: { 'flotilla.io/hook': phase } },
  spec: {
    backoffLimit: 0,
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'migrate:1' }] } },
  },
});

const hookCm = (ns: string, name: string, phase: string, policy?: string) =>
  configMap(
    ns,
    name,
    { ran: 'yes' },
    {
      'flotilla.io/hook': phase,
      ...(policy ? { 'flotilla.io/hook-delete-policy': policy } : {}),
    },
  );

describe('health-gated sync waves', () => {
  it('applies wave 1 only once wave 0 Deployment is made ready by the test', async () => {
    const ns = uniq('waves');
    const running = sync([
      namespace(ns),
      waved(deployment(ns, 'db', 'db:1'), 0),
      waved(configMap(ns, 'app', { a: '1' }), 1),
    ]);
    await whenExists(() => deploy(ns, 'db'));
    await sleep(500);
    expect(await cm(ns, 'app')).toBeNull(); // wave 1 waits for wave 0
    await makeReady(ns, 'db');
    const result = await running;
    expect(result.outcome, result.message).toBe('succeeded');
    expect(await cm(ns, 'app')).not.toBeNull();
    expect(result.resources.find((r) => r.id === `apps/Deployment/${ns}/db`)?.health).toBe('Current');
  });

  it('fails the sync naming a never-ready object when its wave times out, applying nothing after it', async () => {
    const ns = uniq('waves');
    const result = await sync(
      [
        namespace(ns),
        waved(deployment(ns, 'stuck', 'db:1'), 0),
        waved(configMap(ns, 'later', { a: '1' }), 1),
      ],
      1500,
    );
    expect(result.outcome).toBe('failed');
    expect(result.message).toContain(
      `sync wave 0 not healthy: apps/Deployment/${ns}/stuck not healthy after 2 s`,
    );
    expect(result.message).toContain('waiting for the deployment controller');
    expect(result.retryable).toBe(false);
    expect(result.resources.find((r) => r.id === `/ConfigMap/${ns}/later`)?.action).toBe('skipped');
    expect(await cm(ns, 'later')).toBeNull();
    // What was applied stays in the inventory, so a later prune can find it.
    expect(result.inventory).toContain(`apps/Deployment/${ns}/stuck`);
  });

  it('does not wait on a bundle without sync waves or hooks', async () => {
    const ns = uniq('waves');
    // The Deployment never becomes ready; with one wave and no PostSync hook nothing waits for it.
    const result = await sync(
      [namespace(ns), deployment(ns, 'web', 'web:1'), configMap(ns, 'c', { a: '1' })],
      600_000,
    );
    expect(result.outcome, result.message).toBe('succeeded');
    expect(result.hooks).toBeUndefined();
  });
});

describe('sync hooks', () => {
  it('runs a PreSync Job first and applies the rest once it completed; the hook is not in the inventory', async () => {
    const ns = uniq('hooks');
    await client.apply(namespace(ns));
    const running = sync([hookJob(ns, 'migrate', 'PreSync'), configMap(ns, 'app', { a: '1' })]);
    await whenExists(() => job(ns, 'migrate'));
    await sleep(300);
    expect(await cm(ns, 'app')).toBeNull();
    await finishJob(ns, 'migrate', true);
    const result = await running;
    expect(result.outcome, result.message).toBe('succeeded');
    expect(result.hooks).toEqual([
      expect.objectContaining({
        phase: 'PreSync',
        resource: `batch/Job/${ns}/migrate`,
        outcome: 'succeeded',
      }),
    ]);
    expect(await cm(ns, 'app')).not.toBeNull();
    expect(result.inventory).not.toContain(`batch/Job/${ns}/migrate`);
    expect(result.resources.map((r) => r.id)).not.toContain(`batch/Job/${ns}/migrate`);
  });

  it('stops the sync when a PreSync Job fails, naming it, and then runs the SyncFail hooks', async () => {
    const ns = uniq('hooks');
    await client.apply(namespace(ns));
    const running = sync([
      hookJob(ns, 'migrate', 'PreSync'),
      configMap(ns, 'app', { a: '1' }),
      hookCm(ns, 'on-failure', 'SyncFail'),
    ]);
    await whenExists(() => job(ns, 'migrate'));
    await finishJob(ns, 'migrate', false);
    const result = await running;
    expect(result.outcome).toBe('failed');
    expect(result.message).toContain(`PreSync hook batch/Job/${ns}/migrate failed`);
    expect(result.message).toContain('backoff limit');
    expect(await cm(ns, 'app')).toBeNull();
    expect(result.resources).toEqual([
      expect.objectContaining({ id: `/ConfigMap/${ns}/app`, action: 'skipped' }),
    ]);
    expect(result.hooks?.map((h) => [h.phase, h.outcome])).toEqual([
      ['PreSync', 'failed'],
      ['SyncFail', 'succeeded'],
    ]);
    expect(await cm(ns, 'on-failure')).not.toBeNull();
  });

  it('runs PostSync hooks only after everything is healthy, and SyncFail not at all on success', async () => {
    const ns = uniq('hooks');
    const running = sync([
      namespace(ns),
      deployment(ns, 'web', 'web:1'),
      hookCm(ns, 'notify', 'PostSync'),
      hookCm(ns, 'on-failure', 'SyncFail'),
    ]);
    await whenExists(() => deploy(ns, 'web'));
    await sleep(500);
    expect(await cm(ns, 'notify')).toBeNull(); // the Deployment is not ready yet
    await makeReady(ns, 'web');
    const result = await running;
    expect(result.outcome, result.message).toBe('succeeded');
    expect(result.hooks).toEqual([
      expect.objectContaining({
        phase: 'PostSync',
        resource: `/ConfigMap/${ns}/notify`,
        outcome: 'succeeded',
      }),
    ]);
    expect(await cm(ns, 'notify')).not.toBeNull();
    expect(await cm(ns, 'on-failure')).toBeNull();
  });

  it('runs SyncFail hooks when a wave does not become healthy', async () => {
    const ns = uniq('hooks');
    const result = await sync(
      [
        namespace(ns),
        deployment(ns, 'web', 'web:1'),
        hookCm(ns, 'notify', 'PostSync'),
        hookCm(ns, 'on-failure', 'SyncFail'),
      ],
      1000,
    );
    expect(result.outcome).toBe('failed');
    expect(result.message).toContain(`apps/Deployment/${ns}/web not healthy`);
    expect(result.hooks?.map((h) => [h.phase, h.resource])).toEqual([
      ['SyncFail', `/ConfigMap/${ns}/on-failure`],
    ]);
    expect(await cm(ns, 'notify')).toBeNull();
  });

  it('deletes a hook after success (HookSucceeded) and recreates it on the next sync (BeforeHookCreation)', async () => {
    const ns = uniq('hooks');
    await client.apply(namespace(ns));
    const app = uniq('app');
    const bundle = [
      hookCm(ns, 'once', 'PreSync', 'HookSucceeded'),
      hookCm(ns, 'again', 'PreSync'),
      configMap(ns, 'app', { a: '1' }),
    ];
    const first = await sync(bundle, 20_000, app);
    expect(first.outcome, first.message).toBe('succeeded');
    expect(await cm(ns, 'once')).toBeNull();
    const firstUid = (await cm(ns, 'again'))!.metadata.uid;
    expect(firstUid).toBeTruthy();

    const second = await sync(bundle, 20_000, app);
    expect(second.outcome, second.message).toBe('succeeded');
    expect(second.hooks?.map((h) => h.outcome)).toEqual(['succeeded', 'succeeded']);
    const secondUid = (await cm(ns, 'again'))!.metadata.uid;
    expect(secondUid).toBeTruthy();
    expect(secondUid).not.toBe(firstUid);
  });
});
