import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import { unavailable } from '../../../src/agent/cluster/cluster-errors.js';
import {
  HttpsKubeTransport,
  loadKubeConfig,
  type KubeRequestOptions,
  type KubeResponse,
  type KubeTransport,
} from '../../../src/agent/cluster/kube-transport.js';
import { applierFor, configMap, countingClient, namespace, uniq } from './agent-test-kit.js';

/**
 * An API server that goes away mid-apply, as seen from the agent: after `afterWrites` real
 * (non-dry-run) writes, one more write is carried out but its answer is lost, and then —
 * when `outage` is set — nothing answers at all until `back()`.
 */
class RestartingTransport implements KubeTransport {
  private writes = 0;
  private down = false;
  lostAnswer: string | null = null;

  constructor(
    private readonly inner: KubeTransport,
    private readonly afterWrites: number,
    private readonly outage: boolean,
  ) {}

  async request(method: string, path: string, options?: KubeRequestOptions): Promise<KubeResponse> {
    if (this.down) throw unavailable(`${method} ${path}`, new Error('connect ECONNREFUSED 127.0.0.1'));
    const write = method !== 'GET' && !path.includes('dryRun=All');
    if (
      write &&
      !path.includes('flotilla-inventory') &&
      ++this.writes > this.afterWrites &&
      !this.lostAnswer
    ) {
      await this.inner.request(method, path, options);
      this.lostAnswer = path;
      this.down = this.outage;
      throw unavailable(`${method} ${path}`, new Error('socket hang up'));
    }
    return this.inner.request(method, path, options);
  }
  stream(path: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    return this.inner.stream(path, onLine, signal);
  }
  back(): void {
    this.down = false;
  }
  close(): void {
    this.inner.close();
  }
}

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

  it('the API server restarting mid-apply: retryable, each object reported, converges on the next run', async () => {
    const kubeconfig = inject('k8sClusters')[1].kubeconfig;
    const ns = uniq('restart');
    await client.apply(namespace(ns));
    const flaky = new RestartingTransport(new HttpsKubeTransport(loadKubeConfig({ kubeconfig })), 3, true);
    const agentClient = new KubeClusterClient(flaky);
    try {
      const { run } = applierFor(agentClient, STATE_NS, uniq('app'));
      const bundle = Array.from({ length: 10 }, (_, i) => configMap(ns, `cm-${i}`, { i: String(i) }));
      const cut = await run(bundle);
      expect(cut.outcome).toBe('failed');
      expect(cut.retryable).toBe(true);
      const failed = cut.resources.filter((r) => r.action === 'failed');
      expect(failed.length).toBeGreaterThan(0);
      for (const r of failed) expect(r.message).toMatch(/socket hang up|ECONNREFUSED/);
      expect(cut.message).toContain('inventory not saved');

      flaky.back();
      const after = await run(bundle);
      expect(after.outcome, after.message).toBe('succeeded');
      const live = await client.list('v1', 'ConfigMap', {
        namespace: ns,
        labelSelector: 'flotilla.io/application',
      });
      expect(live.items).toHaveLength(10);
    } finally {
      agentClient.close();
    }
  });

  it('a write whose answer was lost is kept in the inventory, so removing it from the bundle prunes it', async () => {
    const kubeconfig = inject('k8sClusters')[1].kubeconfig;
    const ns = uniq('lost');
    await client.apply(namespace(ns));
    const flaky = new RestartingTransport(new HttpsKubeTransport(loadKubeConfig({ kubeconfig })), 0, false);
    const agentClient = new KubeClusterClient(flaky);
    try {
      const { run } = applierFor(agentClient, STATE_NS, uniq('app'));
      const cut = await run([configMap(ns, 'lost', { a: '1' })]);
      expect(cut.outcome).toBe('failed');
      expect(cut.retryable).toBe(true);
      expect(flaky.lostAnswer).toContain('/configmaps/lost');
      expect(cut.inventory).toEqual([`/ConfigMap/${ns}/lost`]);
      // The write did happen; the bundle then drops the object before any run succeeded.
      expect(
        await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'lost' }),
      ).not.toBeNull();
      const next = await run([configMap(ns, 'kept', { a: '1' })]);
      expect(next.outcome, next.message).toBe('succeeded');
      expect(next.resources.find((r) => r.id.endsWith('/lost'))).toMatchObject({ action: 'deleted' });
      expect(
        await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'lost' }),
      ).toBeNull();
    } finally {
      agentClient.close();
    }
  });
});
