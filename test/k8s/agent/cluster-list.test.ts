import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import {
  HttpsKubeTransport,
  loadKubeConfig,
  type KubeRequestOptions,
  type KubeResponse,
  type KubeTransport,
} from '../../../src/agent/cluster/kube-transport.js';
import { CountingTransport, configMap, namespace, uniq } from './agent-test-kit.js';

/** Answers the first page-continuation with 410, as a server does for an expired continue token. */
class ExpiringContinueTransport extends CountingTransport {
  expired = false;
  override request(method: string, path: string, options?: KubeRequestOptions): Promise<KubeResponse> {
    if (!this.expired && path.includes('continue=')) {
      this.expired = true;
      this.requests.push(`${method} ${path}`);
      return Promise.resolve({
        status: 410,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Expired',
          code: 410,
          message: 'The provided continue parameter is too old to display a consistent list result.',
        },
      });
    }
    return super.request(method, path, options);
  }
}

let inner: KubeTransport;
let ns: string;

beforeAll(async () => {
  inner = new HttpsKubeTransport(loadKubeConfig({ kubeconfig: inject('k8sClusters')[0].kubeconfig }));
  const setup = new KubeClusterClient(inner);
  ns = uniq('list');
  await setup.apply(namespace(ns));
  for (let i = 0; i < 7; i++)
    await setup.apply({
      ...configMap(ns, `cm-${i}`, { i: String(i) }),
      metadata: { name: `cm-${i}`, namespace: ns, labels: { 'flotilla.io/application': 'list-test' } },
    });
});

afterAll(() => inner.close());

describe('listing a kind (the watch and prune lists)', () => {
  it('reads in pages of a bounded size, and returns every object once, whole and without managedFields', async () => {
    const counter = new CountingTransport(inner);
    const client = new KubeClusterClient(counter, 3);
    const listed = await client.list('v1', 'ConfigMap', {
      namespace: ns,
      labelSelector: 'flotilla.io/application=list-test',
    });
    expect(listed.items.map((o) => o.metadata.name).sort()).toEqual(
      Array.from({ length: 7 }, (_, i) => `cm-${i}`),
    );
    expect(listed.resourceVersion).toMatch(/^\d+$/);
    for (const item of listed.items) {
      expect(item).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
      expect(item.metadata).not.toHaveProperty('managedFields');
    }
    const lists = counter.requests.filter((r) => r.includes(`/namespaces/${ns}/configmaps?`));
    expect(lists).toHaveLength(3);
    for (const r of lists) expect(r).toContain('limit=3');
    expect(lists.slice(1).every((r) => r.includes('continue='))).toBe(true);
  });

  it('starts over in one answer when the server expired the snapshot between pages', async () => {
    const expiring = new ExpiringContinueTransport(inner);
    const client = new KubeClusterClient(expiring, 3);
    const listed = await client.list('v1', 'ConfigMap', {
      namespace: ns,
      labelSelector: 'flotilla.io/application=list-test',
    });
    expect(expiring.expired).toBe(true);
    expect(listed.items.map((o) => o.metadata.name).sort()).toEqual(
      Array.from({ length: 7 }, (_, i) => `cm-${i}`),
    );
    const lists = expiring.requests.filter((r) => r.includes(`/namespaces/${ns}/configmaps?`));
    expect(lists.map((r) => /limit=(\d+)/.exec(r)?.[1])).toEqual(['3', '3', '0']);
  });
});
