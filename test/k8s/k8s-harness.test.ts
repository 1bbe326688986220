import {
  ApiException,
  ApiextensionsV1Api,
  AppsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
  Watch,
  type KubernetesObject,
  type V1CustomResourceDefinition,
  type V1Deployment,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';

const clusters = inject('k8sClusters');

/** The custom resource of the CRD test. */
interface Widget extends KubernetesObject {
  spec: { size: number };
}

function kubeConfig(kubeconfig: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  return kc;
}

/** Unique per call, so tests sharing the clusters never touch each other's objects. */
function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function deployment(name: string, replicas: number): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
      },
    },
  };
}

async function serverSideApply<T extends KubernetesObject>(
  kc: KubeConfig,
  object: T,
  fieldManager: string,
  force: boolean,
): Promise<T> {
  return KubernetesObjectApi.makeApiClient(kc).patch(
    object,
    undefined,
    undefined,
    fieldManager,
    force,
    PatchStrategy.ServerSideApply,
  );
}

/** The HTTP status of a rejected client-node call. */
async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) {
      return error.code;
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('Kubernetes test clusters', () => {
  it('runs three separate API servers', async () => {
    expect(clusters.map((c) => c.name)).toEqual(['cluster-1', 'cluster-2', 'cluster-3']);
    expect(new Set(clusters.map((c) => c.url)).size).toBe(3);
    for (const cluster of clusters) {
      const version = await kubeConfig(cluster.kubeconfig).makeApiClient(VersionApi).getCode();
      expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+/);
    }
  });

  it('server-side applies a Deployment into one cluster only', async () => {
    const [first, ...others] = clusters;
    const name = uniqueName('web');
    const applied = await serverSideApply(
      kubeConfig(first.kubeconfig),
      deployment(name, 2),
      'flotilla',
      true,
    );
    expect(applied.metadata?.managedFields?.map((f) => f.manager)).toContain('flotilla');

    const read = await kubeConfig(first.kubeconfig)
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name, namespace: 'default' });
    expect(read.spec?.replicas).toBe(2);
    for (const other of others) {
      const apps = kubeConfig(other.kubeconfig).makeApiClient(AppsV1Api);
      expect(await statusOf(apps.readNamespacedDeployment({ name, namespace: 'default' }))).toBe(404);
    }
  });

  it('rejects a second field manager changing an owned field with 409 unless forced', async () => {
    const kc = kubeConfig(clusters[0].kubeconfig);
    const name = uniqueName('conflict');
    await serverSideApply(kc, deployment(name, 1), 'flotilla', true);

    expect(await statusOf(serverSideApply(kc, deployment(name, 3), 'someone-else', false))).toBe(409);
    const forced = await serverSideApply(kc, deployment(name, 3), 'someone-else', true);
    expect(forced.spec?.replicas).toBe(3);
  });

  it('applies a CRD, waits until it is Established, then applies a custom resource', async () => {
    const kc = kubeConfig(clusters[1].kubeconfig);
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const crd: V1CustomResourceDefinition = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.test.flotilla.dev' },
      spec: {
        group: 'test.flotilla.dev',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
              },
            },
          },
        ],
      },
    };
    await serverSideApply(kc, crd, 'flotilla', true);

    await eventually(async () => {
      const current = await kc
        .makeApiClient(ApiextensionsV1Api)
        .readCustomResourceDefinition({ name: 'widgets.test.flotilla.dev' });
      const established = current.status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      return established === true ? true : undefined;
    });

    const name = uniqueName('widget');
    const widget: Widget = {
      apiVersion: 'test.flotilla.dev/v1',
      kind: 'Widget',
      metadata: { name, namespace: 'default' },
      spec: { size: 3 },
    };
    await serverSideApply(kc, widget, 'flotilla', true);
    const read = await objects.read<Widget>({
      apiVersion: 'test.flotilla.dev/v1',
      kind: 'Widget',
      metadata: { name, namespace: 'default' },
    });
    expect(read.spec.size).toBe(3);
  });

  it('denies the limited user with 403 from RBAC', async () => {
    for (const cluster of clusters) {
      const apps = kubeConfig(cluster.limitedKubeconfig).makeApiClient(AppsV1Api);
      expect(await statusOf(apps.listNamespacedDeployment({ namespace: 'default' }))).toBe(403);
    }
  });

  it('delivers an update to a watch', async () => {
    const kc = kubeConfig(clusters[2].kubeconfig);
    const name = uniqueName('watched');
    const created = await serverSideApply(kc, deployment(name, 1), 'flotilla', true);

    let resolveSeen: (replicas: number) => void = () => undefined;
    const seen = new Promise<number>((resolve) => {
      resolveSeen = resolve;
    });
    let watchError: unknown;
    const controller = await new Watch(kc).watch(
      '/apis/apps/v1/namespaces/default/deployments',
      { fieldSelector: `metadata.name=${name}`, resourceVersion: created.metadata?.resourceVersion },
      (phase, object: V1Deployment) => {
        if (phase === 'MODIFIED' && object.spec?.replicas === 4) {
          resolveSeen(4);
        }
      },
      (error: unknown) => {
        watchError = error;
      },
    );
    try {
      await serverSideApply(kc, deployment(name, 4), 'flotilla', true);
      const replicas = await Promise.race([
        seen,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`no MODIFIED event (watch error: ${String(watchError)})`)),
            15_000,
          ),
        ),
      ]);
      expect(replicas).toBe(4);
    } finally {
      controller.abort();
    }
  });
});
