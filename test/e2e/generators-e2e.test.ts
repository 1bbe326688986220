/**
 * Generated applications (issue 20) on real components: a generator's applications, made from
 * the directories of a real Git repository, are synced by a real agent process into a real
 * kube-apiserver; a directory removed from the repository removes its application, leaving its
 * objects in the cluster while the generator preserves on delete and pruning them once it does not.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { waitFor as pollUntil } from '../k8s/agent/agent-test-kit.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { AgentProcess } from './agent-process.js';

const suffix = randomBytes(3).toString('hex');
const NS = `gen-${suffix}`;
const cmName = (dir: string) => `gen-${dir}-${suffix}`;
const cm = (dir: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cmName(dir)}\ndata:\n  dir: ${dir}\n`;

let git: VcsFixture;
let repo: VcsRepository;
let h: TestHub;
let kube: KubeClusterClient;
let agent: AgentProcess | undefined;

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const waitFor = <T>(what: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<NonNullable<T>> =>
  pollUntil(what, fn, timeoutMs, 200);
const configMap = (dir: string) =>
  kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: cmName(dir) });
const commit = async (files: Record<string, string | null>) => {
  await git.externalCommit(repo, files, 'change');
  expect((await h.api('POST', '/api/v1/repositories/gen-fleet/refresh')).status).toBe(200);
  await settle();
};

beforeAll(async () => {
  await promisify(execFile)(process.execPath, [
    'node_modules/typescript/bin/tsc',
    '-p',
    'tsconfig.build.json',
  ]);
  git = await gitFixture(false);
  repo = await git.createRepo();
  await git.externalCommit(repo, { 'apps/a/cm.yaml': cm('a'), 'apps/b/cm.yaml': cm('b') }, 'initial');
  h = await startTestHub(inject('postgresUrl'));
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'gen-fleet', type: 'git', url: repo.url, branch: repo.branch },
  });
  expect(r.status, r.text).toBe(201);
  await h.api('POST', '/api/v1/repositories/gen-fleet/refresh');
  const k8s = inject('k8sClusters')[0];
  kube = KubeClusterClient.fromConfig({ kubeconfig: k8s.kubeconfig });
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const c = await h.api('POST', '/api/v1/clusters', {
    body: { name: `gen-${suffix}`, labels: { gen: suffix } },
  });
  expect(c.status, c.text).toBe(201);
  agent = await AgentProcess.start({
    name: 'gen',
    hubUrl: h.url,
    kubeconfig: k8s.kubeconfig,
    registrationToken: c.body.registration.token as string,
  });
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  kube?.close();
  await h?.close();
  await git?.close();
});

describe('generated applications on a real cluster', () => {
  it('sync through a real agent; removed directories remove their applications, preserving or pruning', async () => {
    const g = await h.api('POST', '/api/v1/generators', {
      body: {
        name: 'gen-e2e',
        repositoryId: 'gen-fleet',
        directories: { glob: 'apps/*' },
        preserveOnDelete: true,
        template: {
          name: 'gen-${dir.name}',
          path: '${dir.path}',
          targets: [{ clusterSelector: `gen=${suffix}`, namespace: NS }],
          syncPolicy: { automated: true, prune: true, selfHeal: false },
        },
      },
    });
    expect(g.status, g.text).toBe(201);
    expect(g.body.status.applications).toEqual(['gen-a', 'gen-b']);
    await waitFor(
      'both ConfigMaps applied',
      async () => ((await configMap('a')) && (await configMap('b'))) || null,
    );
    await waitFor('gen-a synced', async () => {
      const s = (await h.api('GET', '/api/v1/applications/gen-a')).body;
      return s.clusters?.[0]?.sync === 'Synced' || null;
    });

    // preserveOnDelete: the application goes, its object stays in the cluster
    await commit({ 'apps/a/cm.yaml': null });
    await waitFor(
      'gen-a removed',
      async () => (await h.api('GET', '/api/v1/applications/gen-a')).status === 404 || null,
    );
    expect(await configMap('a')).not.toBeNull();

    // without it, the removal prunes (the template's prune policy)
    expect(
      (await h.api('PATCH', '/api/v1/generators/gen-e2e', { body: { preserveOnDelete: false } })).status,
    ).toBe(200);
    await commit({ 'apps/b/cm.yaml': null });
    await waitFor(
      'gen-b removed',
      async () => (await h.api('GET', '/api/v1/applications/gen-b')).status === 404 || null,
    );
    await waitFor('ConfigMap b pruned', async () => ((await configMap('b')) === null ? true : null));
    expect(await configMap('a')).not.toBeNull();
  });
});
