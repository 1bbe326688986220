/**
 * Helm hook annotations (as `helm template` prints them) run as Flotilla sync hooks, with the
 * real applier against a real API server. The test clusters run no controllers or kubelets, so
 * THE TEST ACTS AS THE JOB CONTROLLER: it writes the hook Job's status (complete or failed)
 * through the status subresource while the applier waits.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import {
  applierFor,
  configMap,
  countingClient,
  namespace,
  uniq,
  type CountingTransport,
} from './agent-test-kit.js';
import { controllerFor, whenExists } from './controller-kit.js';

const STATE_NS = 'flotilla-agent-test';
let client: KubeClusterClient;
let finishJob: (ns: string, name: string, ok: boolean) => Promise<void>;

beforeAll(async () => {
  let counter: CountingTransport;
  ({ client, counter } = countingClient(inject('k8sClusters')[0].kubeconfig));
  ({ finishJob } = controllerFor(client, counter));
  await client.apply(namespace(STATE_NS));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cm = (ns: string, name: string) =>
  client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const job = (ns: string, name: string) =>
  client.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name });

/** A hook Job the way a chart writes one. */
const helmJob = (ns: string, name: string, annotations: Record<string, string>) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: ns, annotations },
  spec: {
    backoffLimit: 0,
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'migrate:1' }] } },
  },
});

/** What `helm template` prints for a chart with a migration hook, a cleanup hook and a test. */
function chartOutput(ns: string, version: string) {
  return [
    configMap(ns, 'app', { version }),
    helmJob(ns, 'migrate', {
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-weight': '1',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    }),
    configMap(ns, 'seed', { once: 'yes' }, { 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '-1' }),
    helmJob(ns, 'cleanup', { 'helm.sh/hook': 'pre-delete' }),
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'smoke-test', namespace: ns, annotations: { 'helm.sh/hook': 'test' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 't', image: 'curl:1' }] },
    },
  ];
}

describe('Helm hooks as sync hooks', () => {
  it('gates the sync on a pre-install/pre-upgrade Job, runs install-only hooks once, and leaves delete and test hooks out', async () => {
    const ns = uniq('helm-hooks');
    await client.apply(namespace(ns));
    const { run } = applierFor(client, STATE_NS, uniq('app'));

    // install: the seed (weight -1), then the migration Job; the ConfigMap waits for both.
    const installing = run(chartOutput(ns, '1'));
    await whenExists(() => job(ns, 'migrate'));
    expect(await cm(ns, 'seed')).not.toBeNull();
    await sleep(300);
    expect(await cm(ns, 'app')).toBeNull();
    await finishJob(ns, 'migrate', true);
    const install = await installing;
    expect(install.outcome, install.message).toBe('succeeded');
    expect(install.hooks?.map((h) => [h.phase, h.resource, h.outcome])).toEqual([
      ['PreSync', `/ConfigMap/${ns}/seed`, 'succeeded'],
      ['PreSync', `batch/Job/${ns}/migrate`, 'succeeded'],
    ]);
    expect((await cm(ns, 'app'))?.data).toEqual({ version: '1' });
    // hook-succeeded: the migration Job is gone once it completed.
    expect(await job(ns, 'migrate')).toBeNull();
    // Neither the delete hook nor the test Pod was ever created; the result says why.
    expect(await job(ns, 'cleanup')).toBeNull();
    expect(await client.get({ apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'smoke-test' })).toBeNull();
    expect(install.resources.filter((r) => r.action === 'skipped')).toEqual([
      expect.objectContaining({
        id: `batch/Job/${ns}/cleanup`,
        message: expect.stringContaining('pre-delete'),
      }),
      expect.objectContaining({
        id: `/Pod/${ns}/smoke-test`,
        message: expect.stringContaining('Helm test hook'),
      }),
    ]);
    expect(install.inventory).toEqual([`/ConfigMap/${ns}/app`]);

    // upgrade: the install-only seed does not run again; a failed migration stops the sync.
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'seed' });
    const upgrading = run(chartOutput(ns, '2'));
    await whenExists(() => job(ns, 'migrate'));
    await finishJob(ns, 'migrate', false);
    const upgrade = await upgrading;
    expect(upgrade.outcome).toBe('failed');
    expect(upgrade.message).toContain(`PreSync hook batch/Job/${ns}/migrate failed`);
    expect(upgrade.hooks?.map((h) => [h.resource, h.outcome])).toEqual([
      [`batch/Job/${ns}/migrate`, 'failed'],
    ]);
    expect(await cm(ns, 'seed')).toBeNull();
    expect(upgrade.resources).toContainEqual(
      expect.objectContaining({
        id: `/ConfigMap/${ns}/seed`,
        action: 'skipped',
        message: expect.stringContaining('this sync is an upgrade'),
      }),
    );
    expect((await cm(ns, 'app'))?.data).toEqual({ version: '1' });
    // The failed Job stays to be read (hook-failed is not followed), until the next run replaces it.
    expect(await job(ns, 'migrate')).not.toBeNull();
  });

  it('lets flotilla.io/hook win over helm.sh/hook', async () => {
    const ns = uniq('helm-hooks');
    await client.apply(namespace(ns));
    const { run } = applierFor(client, STATE_NS, uniq('app'));
    const result = await run([
      configMap(ns, 'app', { a: '1' }),
      configMap(ns, 'notify', { a: '1' }, { 'flotilla.io/hook': 'PostSync', 'helm.sh/hook': 'pre-install' }),
    ]);
    expect(result.outcome, result.message).toBe('succeeded');
    expect(result.hooks?.map((h) => [h.phase, h.resource])).toEqual([
      ['PostSync', `/ConfigMap/${ns}/notify`],
    ]);
  });
});
