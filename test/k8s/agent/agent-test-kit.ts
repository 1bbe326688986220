import { randomBytes } from 'node:crypto';
import { canonicalJson } from '../../../src/domain/canonical-json.js';
import type { LiveObject } from '../../../src/domain/health/health.types.js';
import { ConfigMapInventoryStore } from '../../../src/agent/apply/inventory-store.js';
import { Applier } from '../../../src/agent/apply/applier.js';
import type { ReconcileRequest } from '../../../src/agent/apply/apply.types.js';
import { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import {
  HttpsKubeTransport,
  loadKubeConfig,
  type KubeRequestOptions,
  type KubeResponse,
  type KubeTransport,
} from '../../../src/agent/cluster/kube-transport.js';

/** Wraps a transport and counts requests; `writes` excludes reads and dry-runs. */
export class CountingTransport implements KubeTransport {
  requests: string[] = [];
  constructor(private readonly inner: KubeTransport) {}
  get writes(): string[] {
    return this.requests.filter((r) => !r.startsWith('GET ') && !r.includes('dryRun=All'));
  }
  reset(): void {
    this.requests = [];
  }
  request(method: string, path: string, options?: KubeRequestOptions): Promise<KubeResponse> {
    this.requests.push(`${method} ${path}`);
    return this.inner.request(method, path, options);
  }
  stream(path: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    return this.inner.stream(path, onLine, signal);
  }
  close(): void {
    this.inner.close();
  }
}

/** A client over a counting transport for a kubeconfig. */
export function countingClient(kubeconfig: string): {
  client: KubeClusterClient;
  counter: CountingTransport;
} {
  const counter = new CountingTransport(new HttpsKubeTransport(loadKubeConfig({ kubeconfig })));
  return { client: new KubeClusterClient(counter), counter };
}

/** Canonical bundle bytes of objects (order does not matter to the agent). */
export function bundleOf(objects: readonly object[]): Buffer {
  return Buffer.from(objects.map((o) => `${canonicalJson(o)}\n`).join(''), 'utf8');
}

export const uniq = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

export const configMap = (
  namespace: string,
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
  data,
});

export const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export const deployment = (ns: string, name: string, image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
  },
});

/** An applier for one application, with a helper to sync bundles. */
export function applierFor(client: KubeClusterClient, stateNamespace: string, applicationId: string) {
  const applier = new Applier(client, new ConfigMapInventoryStore(client, stateNamespace));
  const run = (objects: readonly object[], extra: Partial<ReconcileRequest> = {}) =>
    applier.reconcile({
      applicationId,
      applicationName: 'test-app',
      kind: 'sync',
      prune: true,
      force: false,
      fetchBundle: () => Promise.resolve(bundleOf(objects)),
      ...extra,
    });
  return { applier, run };
}

export type { LiveObject };
