/**
 * Issue 15 end to end: a Helm chart from Git and a Kustomize overlay and a small chart from SVN,
 * rendered on the hub by the REAL helm and kustomize binaries with per-cluster values, and applied
 * to real API servers by real agent processes; then a template error and a refused kustomization,
 * each failing only the clusters it concerns with the tool's message while what runs stays.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { RepositoryPollerService } from '../../src/hub/repositories/repository-poller.service.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { waitFor as pollUntil } from '../k8s/agent/agent-test-kit.js';
import { fixtureTextFiles, SHOP_CHART_DIR } from '../support/chart-fixture.js';
import { ensureHelm } from '../support/helm-binary.js';
import { registerRepository, startTestHub, type TestHub } from '../support/hub-harness.js';
import { ensureKustomize } from '../support/kustomize-binary.js';
import { gitFixture, svnFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { AgentProcess } from './agent-process.js';

const suffix = randomBytes(3).toString('hex');
const SHOP_NS = `shop-${suffix}`;
const KUST_NS = `kust-${suffix}`;
const PROD = `hk-prod-${suffix}`;
const DEV = `hk-dev-${suffix}`;

const KUSTOMIZE = {
  'kust/base/kustomization.yaml': 'resources:\n  - cm.yaml\n',
  'kust/base/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  env: base\n  run: "echo ${HOME}"\n',
  'kust/overlays/prod/kustomization.yaml': 'resources:\n  - ../../base\nnamePrefix: prod-\n',
  'kust/overlays/dev/kustomization.yaml': 'resources:\n  - ../../base\nnamePrefix: dev-\n',
  'small/Chart.yaml': 'apiVersion: v2\nname: small\nversion: 0.2.0\n',
  'small/values.yaml': 'greeting: hello\n',
  'small/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n' +
    '  coupons: {{ .Capabilities.APIVersions.Has "shop.example.com/v1" | quote }}\n' +
    `  widgets: {{ .Capabilities.APIVersions.Has "widgets-${suffix}.example.com/v1" | quote }}\n`,
};

let git: VcsFixture;
let svn: VcsFixture;
let gitRepo: VcsRepository;
let svnRepo: VcsRepository;
let h: TestHub;
const kube: Record<string, KubeClusterClient> = {};
const agents: AgentProcess[] = [];

const waitFor = <T>(what: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<NonNullable<T>> =>
  pollUntil(what, fn, timeoutMs, 200);

/** The hub notices the repositories' new revisions now (its poller, as on its schedule). */
async function poll(): Promise<void> {
  await h.sql("UPDATE repositories SET next_poll_at = now() - interval '1 second'");
  await h.hub.app.get(RepositoryPollerService).tick();
  await h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
}

type StatusRow = { clusterName: string; sync: string; message: string | null };
const statusOf = async (app: string): Promise<Record<string, StatusRow>> => {
  const res = await h.api('GET', `/api/v1/fleet/status?application=${app}`);
  expect(res.status, res.text).toBe(200);
  return Object.fromEntries((res.body.items as StatusRow[]).map((r) => [r.clusterName, r]));
};

const configMap = (cluster: string, namespace: string, name: string) =>
  kube[cluster].get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name }) as Promise<{
    data: Record<string, string>;
  } | null>;

async function createApp(body: Record<string, unknown>): Promise<void> {
  const res = await h.api('POST', '/api/v1/applications', {
    body: { syncPolicy: { automated: true, prune: true, selfHeal: false }, ...body },
  });
  expect(res.status, res.text).toBe(201);
}

beforeAll(async () => {
  await promisify(execFile)(process.execPath, [
    'node_modules/typescript/bin/tsc',
    '-p',
    'tsconfig.build.json',
  ]);
  // the in-process hub finds the tools the way a deployed one does: through these variables
  [process.env.FLOTILLA_HELM_BIN, process.env.FLOTILLA_KUSTOMIZE_BIN] = await Promise.all([
    ensureHelm(),
    ensureKustomize(),
  ]);
  git = await gitFixture(false);
  svn = await svnFixture('svnserve');
  gitRepo = await git.createRepo();
  await git.externalCommit(gitRepo, await fixtureTextFiles(SHOP_CHART_DIR, 'apps/shop'), 'the shop chart');
  svnRepo = await svn.createRepo();
  await svn.externalCommit(svnRepo, KUSTOMIZE, 'an overlay and a small chart');
  h = await startTestHub(inject('postgresUrl'));
  await registerRepository(h, 'charts-git', gitRepo);
  await registerRepository(h, 'overlays-svn', svnRepo);
  const clusters = inject('k8sClusters');
  for (const [i, [name, env]] of (
    [
      [PROD, 'prod'],
      [DEV, 'dev'],
    ] as const
  ).entries()) {
    kube[name] = KubeClusterClient.fromConfig({ kubeconfig: clusters[i].kubeconfig });
    for (const ns of [SHOP_NS, KUST_NS])
      await kube[name].apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels: { hk: suffix, env } } });
    expect(c.status, c.text).toBe(201);
    agents.push(
      await AgentProcess.start({
        name,
        hubUrl: h.url,
        kubeconfig: clusters[i].kubeconfig,
        registrationToken: c.body.registration.token,
      }),
    );
  }
}, 900_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  for (const k of Object.values(kube)) k.close();
  await h?.close();
  await git?.close();
  await svn?.close();
});

describe('Helm and Kustomize sources through real agents (issue 15)', () => {
  it('applies a Helm chart from Git with per-cluster values files and inline values', async () => {
    await createApp({
      name: `shop-${suffix}`,
      repositoryId: 'charts-git',
      path: 'apps/shop',
      source: { kind: 'helm', helm: { releaseName: 'shop', values: { global: { imageTag: '2.8.0' } } } },
      targets: [
        {
          clusterSelector: `hk=${suffix},env=prod`,
          namespace: SHOP_NS,
          helm: {
            valuesFiles: ['values-prod.yaml', 'values-eu.yaml'],
            values: { global: { domain: '${cluster.name}.shop.example.com' } },
          },
        },
        { clusterSelector: `hk=${suffix}`, namespace: SHOP_NS },
      ],
    });
    const ingress = (cluster: string) =>
      kube[cluster].get({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        namespace: SHOP_NS,
        name: 'shop-shop',
      }) as Promise<{ spec: { rules: { host: string }[]; tls?: unknown[] } } | null>;
    const prodIngress = await waitFor('the chart applied on prod', () => ingress(PROD));
    const devIngress = await waitFor('the chart applied on dev', () => ingress(DEV));
    expect(prodIngress.spec.rules[0].host).toBe(`${PROD}.shop.example.com`);
    expect(prodIngress.spec.tls).toHaveLength(1); // values-prod.yaml
    expect(devIngress.spec.rules[0].host).toBe('shop.example.com');
    expect(devIngress.spec.tls).toBeUndefined();
    const deploy = (await kube[PROD].get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: SHOP_NS,
      name: 'shop-shop-cart',
    })) as { spec: { template: { spec: { containers: { image: string }[] } } } } | null;
    expect(deploy?.spec.template.spec.containers[0].image).toBe('registry.eu.example.com/shop/cart:2.8.0');
    // the chart's CRD, then its custom resources
    await waitFor('the coupons', () =>
      kube[DEV].get({
        apiVersion: 'shop.example.com/v1',
        kind: 'Coupon',
        namespace: SHOP_NS,
        name: 'welcome',
      }),
    );
    const status = await waitFor('both Synced', async () => {
      const s = await statusOf(`shop-${suffix}`);
      return s[PROD]?.sync === 'Synced' && s[DEV]?.sync === 'Synced' ? s : undefined;
    });
    expect(Object.keys(status).sort()).toEqual([DEV, PROD].sort());
    const app = await h.api('GET', `/api/v1/applications/shop-${suffix}`);
    expect(app.body.source).toMatchObject({ kind: 'helm' });
  });

  it('fails every cluster on a template error with helm’s message, keeping what runs', async () => {
    const before = await h.sql<{ bundle_digest: string }>(
      `SELECT d.bundle_digest FROM desired_states d JOIN applications a ON a.id = d.application_id
        WHERE a.name = $1 ORDER BY d.cluster_id`,
      [`shop-${suffix}`],
    );
    await git.externalCommit(
      gitRepo,
      {
        'apps/shop/templates/broken.yaml':
          'kind: ConfigMap\nmetadata:\n  name: {{ .Values.x | nosuchfunc }}\n',
      },
      'a broken template',
    );
    await poll();
    const failed = await waitFor('both Failed', async () => {
      const s = await statusOf(`shop-${suffix}`);
      return s[PROD]?.sync === 'Failed' && s[DEV]?.sync === 'Failed' ? s : undefined;
    });
    for (const row of Object.values(failed)) {
      expect(row.message).toMatch(/^apps\/shop: helm: .*templates\/broken\.yaml.*nosuchfunc/);
      expect(row.message).not.toMatch(/flotilla-render-|\/tmp\//);
    }
    const after = await h.sql<{ bundle_digest: string }>(
      `SELECT d.bundle_digest FROM desired_states d JOIN applications a ON a.id = d.application_id
        WHERE a.name = $1 ORDER BY d.cluster_id`,
      [`shop-${suffix}`],
    );
    expect(after).toEqual(before);
    expect(
      await kube[PROD].get({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        namespace: SHOP_NS,
        name: 'shop-shop',
      }),
    ).not.toBeNull();
  });

  it('applies a Kustomize overlay from SVN chosen by a cluster label, with the target patches after', async () => {
    await createApp({
      name: `kust-${suffix}`,
      repositoryId: 'overlays-svn',
      path: 'kust',
      source: { kind: 'kustomize', kustomize: { path: 'overlays/${cluster.labels.env}' } },
      targets: [
        {
          clusterSelector: `hk=${suffix},env=prod`,
          namespace: KUST_NS,
          patches: [
            { target: { kind: 'ConfigMap', name: 'prod-settings' }, patch: { data: { env: 'patched' } } },
          ],
        },
        { clusterSelector: `hk=${suffix}`, namespace: KUST_NS },
      ],
    });
    const prod = await waitFor('prod-settings', () => configMap(PROD, KUST_NS, 'prod-settings'));
    // kustomize's output is final: the ${HOME} in it is not a Flotilla variable
    expect(prod.data).toEqual({ env: 'patched', run: 'echo ${HOME}' });
    const dev = await waitFor('dev-settings', () => configMap(DEV, KUST_NS, 'dev-settings'));
    expect(dev.data.env).toBe('base');
    expect(await configMap(DEV, KUST_NS, 'prod-settings')).toBeNull();
  });

  it('renders a chart from SVN detected from its Chart.yaml, with the cluster’s versions as its agent reports them', async () => {
    // the shop chart installed its CRD: the dev agent's next heartbeat reports the new group/version
    const reported = await waitFor('the CRD reported', async () => {
      const [row] = await h.sql<{ api_versions: string[] | null }>(
        'SELECT api_versions FROM clusters WHERE name = $1',
        [DEV],
      );
      return row.api_versions?.includes('shop.example.com/v1') ? row.api_versions : undefined;
    });
    expect(reported).toContain('apps/v1');
    expect(reported).toContain('v1');
    await createApp({
      name: `small-${suffix}`,
      repositoryId: 'overlays-svn',
      path: 'small',
      targets: [{ clusterSelector: `hk=${suffix},env=dev`, namespace: KUST_NS }],
    });
    const cm = await waitFor('the greeting', () => configMap(DEV, KUST_NS, `small-${suffix}-greeting`));
    expect(cm.data.greeting).toBe('hello');
    const version = await h.sql<{ kubernetes_version: string }>(
      'SELECT kubernetes_version FROM clusters WHERE name = $1',
      [DEV],
    );
    expect(cm.data.kube).toBe(version[0].kubernetes_version);
    expect(cm.data.coupons).toBe('true');
    expect(cm.data.widgets).toBe('false');
    expect(await configMap(PROD, KUST_NS, `small-${suffix}-greeting`)).toBeNull();

    // someone installs a CRD on the cluster: the agent reports it, the hub renders the chart again
    await kube[DEV].apply({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.widgets-${suffix}.example.com` },
      spec: {
        group: `widgets-${suffix}.example.com`,
        names: { kind: 'Widget', plural: 'widgets' },
        scope: 'Namespaced',
        versions: [
          { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } },
        ],
      },
    });
    await waitFor(
      'the chart rendered again with the new API',
      async () =>
        (await configMap(DEV, KUST_NS, `small-${suffix}-greeting`))?.data.widgets === 'true' || undefined,
    );
    const triggers = await h.sql<{ trigger: string }>(
      `SELECT d.trigger FROM deployments d JOIN applications a ON a.id = d.application_id WHERE a.name = $1`,
      [`small-${suffix}`],
    );
    expect(triggers.map((t) => t.trigger)).toContain('cluster-capabilities');
  });

  it('refuses a kustomization with a remote base for the clusters that build it, naming the file', async () => {
    await svn.externalCommit(
      svnRepo,
      {
        'kust/overlays/dev/kustomization.yaml': 'resources:\n  - https://github.com/org/repo//base?ref=v1\n',
      },
      'a remote base',
    );
    await poll();
    const rows = await waitFor('refused', async () => {
      const s = await statusOf(`kust-${suffix}`);
      return s[DEV]?.message?.includes('remote reference') && s[PROD]?.sync === 'Synced' ? s : undefined;
    });
    expect(rows[DEV].message).toContain('kust/overlays/dev/kustomization.yaml');
    expect(rows[PROD].sync).toBe('Synced');
  });
});
