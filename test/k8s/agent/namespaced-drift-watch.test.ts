import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import { DriftWatcher, type DriftNotice } from '../../../src/agent/drift-watcher.js';
import { renderKubeconfig } from '../../support/k8s/kubeconfig.js';
import { applierFor, configMap, namespace, uniq, waitFor } from './agent-test-kit.js';

// An agent installed with namespaced RBAC (a guarded join, or the agent chart's namespaced
// mode) holds Roles in its allowed namespaces only: the API server refuses it a watch across
// namespaces. Drift detection and self-heal must still work there — watched per namespace.

let admin: KubeClusterClient;
let scoped: KubeClusterClient;
const teamNs = uniq('team');
const stateNs = uniq('agent-state');

/** A ServiceAccount with a Role in `teamNs` and `stateNs` only, and a token for it (TokenRequest). */
async function namespacedAgentToken(): Promise<string> {
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'agent', namespace: stateNs } };
  await admin.apply(sa);
  for (const ns of [teamNs, stateNs]) {
    await admin.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'flotilla-agent', namespace: ns },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
      ],
    });
    await admin.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'flotilla-agent', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'flotilla-agent' },
      subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: stateNs }],
    });
  }
  const res = await admin.transport.request(
    'POST',
    `/api/v1/namespaces/${stateNs}/serviceaccounts/agent/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return (res.body as { status: { token: string } }).status.token;
}

beforeAll(async () => {
  const cluster = inject('k8sClusters')[0];
  admin = KubeClusterClient.fromConfig({ kubeconfig: cluster.kubeconfig });
  await admin.apply(namespace(teamNs));
  await admin.apply(namespace(stateNs));
  const token = await namespacedAgentToken();
  scoped = KubeClusterClient.fromConfig({
    kubeconfig: renderKubeconfig({
      clusterName: cluster.name,
      userName: 'namespaced-agent',
      server: cluster.url,
      caCert: cluster.caCert,
      token,
    }),
  });
}, 60_000);
afterAll(() => {
  scoped?.close();
  admin?.close();
});

describe('drift watching under namespaced RBAC', () => {
  it('is refused a watch across namespaces, watches per namespace instead, and detects and heals drift', async () => {
    // What the agent's credentials may do: list in its namespace, not across the cluster.
    await expect(scoped.list('v1', 'ConfigMap', { namespace: teamNs })).resolves.toMatchObject({ items: [] });
    await expect(scoped.list('v1', 'ConfigMap', {})).rejects.toMatchObject({ kind: 'forbidden' });

    const appId = randomUUID();
    const { run } = applierFor(scoped, stateNs, appId);
    const outcome = await run([configMap(teamNs, 'settings', { color: 'blue' })]);
    expect(outcome.outcome, outcome.message).toBe('succeeded');

    const detected: DriftNotice[] = [];
    const corrected: DriftNotice[] = [];
    const watchErrors: string[] = [];
    const watcher = new DriftWatcher(
      scoped,
      {
        detected: (n) => detected.push(n),
        corrected: (n) => corrected.push(n),
        failed: (_n, e) => watchErrors.push(`heal: ${(e as Error).message}`),
        watchError: (kind, e) => watchErrors.push(`${kind}: ${(e as Error).message}`),
      },
      () => 'test-redaction-key',
    );
    const color = async () =>
      (
        (await admin.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: teamNs, name: 'settings' }))
          ?.data as Record<string, string> | undefined
      )?.color;
    try {
      watcher.setDesired(
        { applicationId: appId, revision: 'r1', selfHeal: true, ignoreDifferences: [] },
        outcome.applied,
      );
      // Someone edits the object with their own rights; the agent notices and puts it back.
      await new Promise((r) => setTimeout(r, 500));
      const res = await admin.transport.request(
        'PATCH',
        `/api/v1/namespaces/${teamNs}/configmaps/settings?fieldManager=intruder`,
        { contentType: 'application/merge-patch+json', body: { data: { color: 'red' } } },
      );
      expect(res.status).toBe(200);
      await waitFor('drift detected', () => detected.length === 1);
      expect(detected[0]).toMatchObject({ applicationId: appId, deleted: false });
      expect(detected[0].diff).toContain('red');
      await waitFor('drift corrected', async () => corrected.length === 1 && (await color()) === 'blue');

      // A deletion is seen too, through the namespace's watch.
      await admin.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: teamNs, name: 'settings' });
      await waitFor('deleted object recreated', async () => (await color()) === 'blue');
      expect(detected.at(-1)!.deleted).toBe(true);
      // The refusal across namespaces was handled, not reported as a failing watch.
      expect(watchErrors).toEqual([]);
    } finally {
      watcher.stop();
    }
  }, 60_000);
});
