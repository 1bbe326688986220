/**
 * Helpers of the preview tests (preview*.test.ts): preview jobs, a preview run against a real
 * API server, and a snapshot of resourceVersions to prove a preview wrote nothing.
 */
import { randomUUID } from 'node:crypto';
import { ConfigMapInventoryStore } from '../../../src/agent/apply/inventory-store.js';
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import { runPreview, type PreviewDeps } from '../../../src/agent/preview/preview-runner.js';
import { OPEN_POLICY } from '../../../src/domain/object-policy.js';
import type { PreviewJobV1, PreviewObjectV1 } from '../../../src/protocol/v1/agent-protocol.js';
import { bundleOf } from './agent-test-kit.js';

/** Where the test agents keep their inventories. */
export const STATE_NS = 'flotilla-agent-test';

export const b64 = (s: string) => Buffer.from(s).toString('base64');

export const secret = (ns: string, name: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: ns },
  type: 'Opaque',
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});

/** What a preview reads the cluster with: an open guardrail unless told otherwise. */
export function previewDeps(client: KubeClusterClient, extra: Partial<PreviewDeps> = {}): PreviewDeps {
  return {
    client,
    inventory: new ConfigMapInventoryStore(client, STATE_NS),
    guardrail: OPEN_POLICY,
    concurrency: 4,
    ...extra,
  };
}

/** A preview job as the hub would send it. */
export function previewJob(applicationId: string | null, extra: Partial<PreviewJobV1> = {}): PreviewJobV1 {
  return {
    id: randomUUID(),
    applicationId,
    applicationName: 'test-app',
    revision: 'abc',
    revisionDisplay: 'abc',
    bundleDigest: 'sha256:unused',
    prune: true,
    ignoreDifferences: [],
    force: false,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    ...extra,
  };
}

/** Runs a preview of `objects`. */
export const previewOf = (objects: readonly object[], job: PreviewJobV1, deps: PreviewDeps) =>
  runPreview(deps, job, () => Promise.resolve(bundleOf(objects)));

export const byId = (objects: PreviewObjectV1[]) => new Map(objects.map((o) => [o.id, o]));

/** Every object of the given namespaces and the inventory, as `id → resourceVersion`. */
export async function snapshot(
  client: KubeClusterClient,
  namespaces: string[],
  applicationId: string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const kinds: [string, string][] = [
    ['v1', 'ConfigMap'],
    ['v1', 'Secret'],
    ['apps/v1', 'Deployment'],
  ];
  for (const ns of namespaces)
    for (const [apiVersion, kind] of kinds)
      for (const o of (await client.list(apiVersion, kind, { namespace: ns })).items)
        out.set(`${kind}/${ns}/${o.metadata.name}`, String(o.metadata.resourceVersion));
  const inv = await client.get({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: STATE_NS,
    name: `flotilla-inventory-${applicationId}`,
  });
  out.set('inventory', String(inv?.metadata.resourceVersion));
  return out;
}
