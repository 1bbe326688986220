import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import { applierFor, configMap, countingClient, namespace, uniq } from './agent-test-kit.js';

const STATE_NS = 'flotilla-agent-faults';
let client: KubeClusterClient;

beforeAll(async () => {
  ({ client } = countingClient(inject('k8sClusters')[1].kubeconfig));
  await client.apply(namespace(STATE_NS));
});
afterAll(() => client.close());

/** A namespace stuck in Terminating on a finalizer the test holds; `finish()` lets it go. */
async function terminatingNamespace(name: string): Promise<{ finish(): Promise<void> }> {
  await client.apply({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, finalizers: ['flotilla.test/hold'] },
  });
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name });
  return {
    async finish() {
      await client.mergePatch(
        { apiVersion: 'v1', kind: 'Namespace', name },
        { metadata: { finalizers: null } },
      );
      // No namespace controller runs here: empty spec.finalizers through /finalize ourselves.
      const res = await client.transport.request('PUT', `/api/v1/namespaces/${name}/finalize`, {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: [] } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    },
  };
}

describe('applier faults against a real API server', () => {
  it('a namespace being deleted: refused per object with the server message, retryable, converges once it is gone', async () => {
    const doomed = uniq('doomed');
    const ns = await terminatingNamespace(doomed);
    const { run } = applierFor(client, STATE_NS, uniq('app'));
    const bundle = [namespace(doomed), configMap(doomed, 'settings', { a: '1' })];
    const refused = await run(bundle);
    expect(refused.outcome).toBe('failed');
    expect(refused.retryable).toBe(true);
    const failed = refused.resources.find((r) => r.id === `/ConfigMap/${doomed}/settings`)!;
    expect(failed.action).toBe('failed');
    expect(failed.message).toContain('because it is being terminated');
    expect(refused.message).toContain(`/ConfigMap/${doomed}/settings`);

    await ns.finish();
    let after = await run(bundle);
    // The Namespace goes away asynchronously; until then the same refusal comes back.
    for (let i = 0; i < 50 && after.outcome === 'failed' && after.retryable; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await run(bundle);
    }
    expect(after.outcome, after.message).toBe('succeeded');
    expect(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: doomed, name: 'settings' }),
    ).not.toBeNull();
  });

  it('an agent RBAC denies everything: each object named with its forbidden message, nothing applied', async () => {
    const cluster = inject('k8sClusters')[1];
    const ns = uniq('denied');
    const limited = countingClient(cluster.limitedKubeconfig);
    try {
      const { run } = applierFor(limited.client, STATE_NS, uniq('app'));
      const res = await run([namespace(ns), configMap(ns, 'settings', { a: '1' })]);
      expect(res.outcome).toBe('failed');
      expect(res.retryable).toBe(false);
      expect(res.resources.map((r) => [r.id, r.action])).toEqual([
        [`/Namespace//${ns}`, 'failed'],
        [`/ConfigMap/${ns}/settings`, 'failed'],
      ]);
      for (const r of res.resources)
        expect(r.message).toMatch(/forbidden: User "flotilla-limited" cannot patch/);
      expect(res.message).toMatch(/dry-run failed, nothing applied for 2 object/);
      expect(limited.counter.writes).toEqual([]);
      expect(await client.get({ apiVersion: 'v1', kind: 'Namespace', name: ns })).toBeNull();
    } finally {
      limited.client.close();
    }
  });
});
