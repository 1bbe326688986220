import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCanonicalBundle, renderManifests, prepareManifests } from '../../src/domain/render/render.js';
import { helmOutputFiles } from '../../src/domain/render/tool-output.js';
import { type ApplicationSource } from '../../src/domain/render/source-spec.js';
import { type ApplicationTarget } from '../../src/hub/applications/application.entity.js';
import {
  describeRenderErrors,
  SourceRenderer,
  type RenderCluster,
  type RenderRequest,
} from '../../src/hub/render/source-renderer.js';
import { fixtureFiles, SHOP_CHART_DIR } from '../support/chart-fixture.js';
import { ensureHelm } from '../support/helm-binary.js';
import { ensureKustomize } from '../support/kustomize-binary.js';

const run = promisify(execFile);

/**
 * The hub's renderer for Helm charts and Kustomize overlays, driving the REAL helm and kustomize
 * binaries: per-cluster values, the tool-output cache, errors as users read them, and the limits
 * of the runner (timeout, output cap, private temporary tree, clean environment).
 */
let helm: string;
let kustomize: string;
let tempRoot: string;
let env: NodeJS.ProcessEnv;

const cluster = (
  name: string,
  labels: Record<string, string>,
  kubernetesVersion = 'v1.31.2',
): RenderCluster => ({
  id: name,
  name,
  labels,
  kubernetesVersion,
});

function request(
  files: Map<string, Buffer>,
  source: ApplicationSource | null,
  targets: { cluster: RenderCluster; target: ApplicationTarget }[],
  path = 'apps/shop',
  revision = 'r1',
): RenderRequest {
  return {
    app: { name: 'web', path, repositoryId: 'repo-1', source },
    files: { revision: { id: revision, display: revision }, files, totalBytes: 0 },
    targets,
  };
}

function renderer(overrides: ConstructorParameters<typeof SourceRenderer>[0] = {}): SourceRenderer {
  return new SourceRenderer({ env, runner: { tempRoot }, ...overrides });
}

const text = (files: Record<string, string>) =>
  new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v, 'utf8')]));

beforeAll(async () => {
  [helm, kustomize] = await Promise.all([ensureHelm(), ensureKustomize()]);
  tempRoot = await mkdtemp(join(tmpdir(), 'flotilla-renderer-test-'));
  env = { PATH: '/usr/bin:/bin', FLOTILLA_HELM_BIN: helm, FLOTILLA_KUSTOMIZE_BIN: kustomize };
}, 900_000);

afterAll(async () => {
  if (tempRoot) await rm(tempRoot, { recursive: true, force: true });
});

describe('Helm charts', () => {
  it('matches helm template run by hand, byte for byte after canonicalisation', async () => {
    const files = await fixtureFiles(SHOP_CHART_DIR, 'apps/shop');
    const target: ApplicationTarget = { clusterSelector: '', namespace: 'shop' };
    const [result] = await renderer().render(
      request(files, { kind: 'helm', helm: { valuesFiles: ['values-prod.yaml'] } }, [
        { cluster: cluster('prod-eu', { env: 'prod' }), target },
      ]),
    );
    expect(result.ok, result.ok ? '' : describeRenderErrors(result.errors)).toBe(true);
    const byHand = await run(
      helm,
      [
        'template',
        'web',
        '.',
        '--namespace',
        'shop',
        '--include-crds',
        '--skip-tests',
        '-f',
        'values-prod.yaml',
        '--kube-version',
        'v1.31.2',
      ],
      { cwd: SHOP_CHART_DIR, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
    );
    const canonical = renderManifests(
      prepareManifests(helmOutputFiles(byHand.stdout, 'apps/shop'), {
        maxFileBytes: 5 << 20,
        maxObjects: 20_000,
        maxBundleBytes: 64 << 20,
        maxExpansionFactor: 10,
      }),
      { cluster: { name: 'x', labels: {} }, namespace: 'shop' },
      undefined,
      { substitute: false },
    );
    expect(canonical.ok).toBe(true);
    if (!result.ok || !canonical.ok) return;
    expect(result.bundle.canonical.equals(canonical.bundle.canonical)).toBe(true);
    const objects = parseCanonicalBundle(result.bundle.canonical);
    const kinds = objects.map((o) => o.kind);
    expect(kinds).toContain('CustomResourceDefinition'); // --include-crds
    expect(kinds).not.toContain('Pod'); // the helm test hook is skipped
    expect(objects.filter((o) => o.kind === 'Coupon')).toHaveLength(2);
    // a shell ${...} in the chart's output is content, not a Flotilla variable
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'web-shop-cart');
    expect((cm as unknown as { data: Record<string, string> }).data['start.sh']).toContain('"${PORT:-8081}"');
  });

  it('gives each cluster its values files and inline values, running helm once per distinct set', async () => {
    const files = await fixtureFiles(SHOP_CHART_DIR, 'apps/shop');
    const r = renderer();
    const prodTarget: ApplicationTarget = {
      clusterSelector: 'env=prod',
      namespace: 'shop',
      values: { tier: 'gold' },
      helm: {
        valuesFiles: ['values-prod.yaml', 'values-eu.yaml'],
        values: {
          global: { domain: '${cluster.name}.shop.example.com' },
          cart: { env: { TIER: '${values.tier}' } },
        },
      },
    };
    const devTarget: ApplicationTarget = { clusterSelector: 'env=dev', namespace: 'shop-dev' };
    const clusters = ['a', 'b', 'c'].map((n) => cluster(`dev-${n}`, { env: 'dev' }));
    const targets = [
      ...clusters.map((c) => ({ cluster: c, target: devTarget })),
      { cluster: cluster('prod-1', { env: 'prod' }), target: prodTarget },
      { cluster: cluster('prod-2', { env: 'prod' }), target: prodTarget },
    ];
    const source: ApplicationSource = { kind: 'helm', helm: { values: { global: { imageTag: '2.8.0' } } } };
    const results = await r.render(request(files, source, targets));
    expect(results.every((x) => x.ok)).toBe(true);
    // three dev clusters share one run; each prod cluster's domain differs, so one run each
    expect(r.cacheStats().misses).toBe(3);
    const bundles = results.map((x) => (x.ok ? parseCanonicalBundle(x.bundle.canonical) : []));
    const ingress = (i: number) =>
      bundles[i].find((o) => o.kind === 'Ingress') as unknown as { spec: { rules: { host: string }[] } };
    expect(ingress(3).spec.rules[0].host).toBe('prod-1.shop.example.com');
    expect(ingress(4).spec.rules[0].host).toBe('prod-2.shop.example.com');
    expect(ingress(0).spec.rules[0].host).toBe('shop.example.com');
    const deploy = bundles[3].find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'web-shop-cart',
    ) as unknown as {
      metadata: { namespace: string };
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(deploy.metadata.namespace).toBe('shop');
    expect(deploy.spec.template.spec.containers[0].image).toBe('registry.eu.example.com/shop/cart:2.8.0');
    const cartConfig = bundles[3].find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === 'web-shop-cart',
    ) as unknown as {
      data: Record<string, string>;
    };
    expect(cartConfig.data.TIER).toBe('gold');
    // the same revision again: every output comes from the cache
    await r.render(request(files, source, targets));
    expect(r.cacheStats().misses).toBe(3);
    expect(r.cacheStats().hits).toBe(3);
  });

  it('fails the cluster with the template error, naming the template and no temporary path', async () => {
    const files = text({
      'charts/bad/Chart.yaml': 'apiVersion: v2\nname: bad\nversion: 0.1.0\n',
      'charts/bad/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name | nosuchfunc }}\n',
    });
    const [result] = await renderer().render(
      request(files, null, [{ cluster: cluster('c1', {}), target: { clusterSelector: '' } }], 'charts/bad'),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const message = describeRenderErrors(result.errors);
    expect(message).toMatch(/^charts\/bad: helm: .*templates\/cm\.yaml/);
    expect(message).toContain('nosuchfunc');
    expect(message).not.toContain(tempRoot);
    expect(message).not.toContain('flotilla-render-');
  });

  it('refuses a missing values file and an unknown variable in inline values, naming them', async () => {
    const files = await fixtureFiles(SHOP_CHART_DIR, 'apps/shop');
    const results = await renderer().render(
      request(files, { kind: 'helm', helm: { valuesFiles: ['values-staging.yaml'] } }, [
        { cluster: cluster('c1', {}), target: { clusterSelector: '' } },
      ]),
    );
    expect(describeRenderErrors(results[0].ok ? [] : results[0].errors)).toBe(
      'apps/shop/values-staging.yaml: values file not found',
    );
    const [unknown] = await renderer().render(
      request(files, { kind: 'helm' }, [
        {
          cluster: cluster('c1', {}),
          target: { clusterSelector: '', helm: { values: { a: '${cluster.labels.zone}' } } },
        },
      ]),
    );
    expect(describeRenderErrors(unknown.ok ? [] : unknown.errors)).toBe(
      'apps/shop: helm values: unknown variable ${cluster.labels.zone} (in a)',
    );
  });
});

describe('Kustomize overlays', () => {
  const overlays = text({
    'kust/base/kustomization.yaml': 'resources:\n  - cm.yaml\n',
    'kust/base/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  env: base\n  run: "echo ${HOME}"\n',
    'kust/overlays/prod/kustomization.yaml': 'resources:\n  - ../../base\nnamePrefix: prod-\n',
    'kust/overlays/dev/kustomization.yaml': 'resources:\n  - ../../base\nnamePrefix: dev-\n',
    'elsewhere/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\n',
  });

  /** The prod overlay of `files`, built for one cluster. */
  const buildProdOverlay = (files: Map<string, Buffer>) =>
    renderer().render(
      request(
        files,
        { kind: 'kustomize', kustomize: { path: 'overlays/prod' } },
        [{ cluster: cluster('p1', {}), target: { clusterSelector: '' } }],
        'kust',
      ),
    );

  it('builds the overlay a cluster label picks, then applies the target patches', async () => {
    const r = renderer();
    const target: ApplicationTarget = {
      clusterSelector: '',
      namespace: 'apps',
      patches: [
        { target: { kind: 'ConfigMap', name: 'prod-settings' }, patch: { data: { env: 'patched' } } },
      ],
    };
    const results = await r.render(
      request(
        overlays,
        { kind: 'kustomize', kustomize: { path: 'overlays/${cluster.labels.env}' } },
        [
          { cluster: cluster('p1', { env: 'prod' }), target },
          { cluster: cluster('p2', { env: 'prod' }), target },
          { cluster: cluster('d1', { env: 'dev' }), target: { clusterSelector: '' } },
          { cluster: cluster('x1', {}), target: { clusterSelector: '' } },
        ],
        'kust',
      ),
    );
    expect(r.cacheStats().misses).toBe(2);
    const [p1, , d1, x1] = results.map((x) =>
      x.ok ? parseCanonicalBundle(x.bundle.canonical) : describeRenderErrors(x.errors),
    );
    expect(p1).toMatchObject([
      {
        kind: 'ConfigMap',
        metadata: { name: 'prod-settings', namespace: 'apps' },
        data: { env: 'patched', run: 'echo ${HOME}' },
      },
    ]);
    expect(d1).toMatchObject([{ metadata: { name: 'dev-settings' }, data: { env: 'base' } }]);
    expect(x1).toBe('kust: source.kustomize.path: cluster label "env" is missing or not a directory name');
  });

  it.each([
    ['a remote base', 'resources:\n  - https://github.com/org/repo//base?ref=v1\n', /is a remote reference/],
    [
      'a path out of the application',
      'resources:\n  - ../../../elsewhere/secret.yaml\n',
      /points outside the application's directory/,
    ],
    ['an absolute path', 'resources:\n  - /etc/kubernetes\n', /must be a relative path/],
    ['helm inflation', 'helmCharts:\n  - name: x\n', /helmCharts inflates Helm charts/],
  ])('refuses %s, naming the file', async (_name, kustomization, message) => {
    const files = new Map(overlays);
    files.set('kust/overlays/prod/kustomization.yaml', Buffer.from(kustomization));
    const [result] = await buildProdOverlay(files);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0].file).toBe('kust/overlays/prod/kustomization.yaml');
    expect(result.errors[0].message).toMatch(message);
  });

  it('leaves exec plugins to kustomize, which refuses them without the flags the hub never passes', async () => {
    const files = new Map(overlays);
    files.set('kust/overlays/prod/kustomization.yaml', Buffer.from('generators:\n  - gen.yaml\n'));
    files.set(
      'kust/overlays/prod/gen.yaml',
      Buffer.from(
        'apiVersion: x/v1\nkind: Exec\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: /bin/sh\n',
      ),
    );
    const [result] = await buildProdOverlay(files);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(describeRenderErrors(result.errors)).toMatch(/^kust\/overlays\/prod: kustomize: .*/);
  });
});

describe('the runner', () => {
  const chart = text({
    'c/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n',
    'c/templates/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  a: {{ repeat 5000 "x" | quote }}\n',
  });
  const one = [{ cluster: cluster('c1', {}), target: { clusterSelector: '' } }];

  it('kills a run over the output cap and does not keep the outcome', async () => {
    const r = renderer({ runner: { tempRoot, maxOutputBytes: 1_000 } });
    const [result] = await r.render(request(chart, null, one, 'c'));
    expect(result.ok ? '' : describeRenderErrors(result.errors)).toBe(
      'c: helm output is over the limit of 1000 bytes',
    );
    await r.render(request(chart, null, one, 'c'));
    expect(r.cacheStats().misses).toBe(2);
  });

  it('kills a run over the timeout', async () => {
    const r = renderer({ runner: { tempRoot, timeoutMs: 1 } });
    const [result] = await r.render(request(chart, null, one, 'c'));
    expect(result.ok ? '' : describeRenderErrors(result.errors)).toBe('c: helm ran longer than 1 ms');
  });

  it('gives up the rest of a render once one input ran out of time', async () => {
    const r = renderer({ runner: { tempRoot, timeoutMs: 1, concurrency: 1 } });
    const targets = ['a', 'b', 'c'].map((n) => ({
      cluster: cluster(n, {}),
      target: { clusterSelector: '', helm: { values: { n } } },
    }));
    const results = await r.render(request(chart, null, targets, 'c'));
    const messages = results.map((x) => (x.ok ? '' : describeRenderErrors(x.errors)));
    expect(messages.filter((m) => m === 'c: helm ran longer than 1 ms')).toHaveLength(1);
    expect(
      messages.filter((m) => m.startsWith('c: not rendered: helm already failed for another cluster')),
    ).toHaveLength(2);
  });

  it('leaves no temporary tree behind, whatever the outcome', async () => {
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('removes the trees a killed hub left behind, not those of runs still going', async () => {
    const orphan = join(tempRoot, 'flotilla-render-orphan');
    const recent = join(tempRoot, 'flotilla-render-recent');
    await mkdir(join(orphan, 'tree'), { recursive: true });
    await mkdir(recent);
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(orphan, hourAgo, hourAgo);
    await renderer().render(request(chart, null, one, 'c'));
    expect(await readdir(tempRoot)).toEqual(['flotilla-render-recent']);
    await rm(recent, { recursive: true });
  });

  it('runs the tool with a clean environment in a tree holding only the application', async () => {
    // a probe standing in for helm, to print what a tool run sees: its environment and its tree
    const probe = join(tempRoot, '..', `flotilla-env-probe-${process.pid}`);
    await writeFile(
      probe,
      '#!/bin/sh\nif [ "$1" = version ]; then echo v0.0.0-probe; exit 0; fi\n' +
        'printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: probe\\ndata:\\n  env: |\\n"\n' +
        'env | sort | sed "s/^/    /"\nprintf "  tree: |\\n"\nfind . -type f | sort | sed "s/^/    /"\n',
    );
    await chmod(probe, 0o700);
    process.env.HELM_PLUGINS = '/hub/plugins';
    process.env.KUBECONFIG = '/hub/kubeconfig';
    try {
      const r = new SourceRenderer({ env: { ...env, FLOTILLA_HELM_BIN: probe }, runner: { tempRoot } });
      const files = new Map(chart);
      files.set('secrets/hub.yaml', Buffer.from('kind: Secret\n'));
      const [result] = await r.render(request(files, null, one, 'c'));
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const data = (
        parseCanonicalBundle(result.bundle.canonical)[0] as unknown as { data: Record<string, string> }
      ).data;
      const names = data.env
        .trim()
        .split('\n')
        .map((l) => l.split('=')[0]);
      expect(names.sort()).toEqual(
        [
          'HELM_CACHE_HOME',
          'HELM_CONFIG_HOME',
          'HELM_DATA_HOME',
          'HELM_PLUGINS',
          'HOME',
          'KUBECONFIG',
          'PATH',
          'PWD',
          'XDG_CONFIG_HOME',
        ].sort(),
      );
      expect(data.env).not.toContain('/hub/');
      expect(data.tree.trim().split('\n')).toEqual(['./Chart.yaml', './templates/cm.yaml']);
    } finally {
      delete process.env.HELM_PLUGINS;
      delete process.env.KUBECONFIG;
      await rm(probe, { force: true });
    }
  });

  it('says what to install when a binary is missing, only for applications that need it', async () => {
    const r = new SourceRenderer({
      env: { PATH: '/nonexistent', FLOTILLA_CACHE_DIR: tempRoot },
      runner: { tempRoot },
    });
    const [helmResult] = await r.render(request(chart, null, one, 'c'));
    expect(helmResult.ok ? '' : describeRenderErrors(helmResult.errors)).toMatch(
      /helm is needed to render this application but it was not found: install helm .*FLOTILLA_HELM_BIN.*npm run helm:binary/,
    );
    const plain = text({ 'm/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n' });
    const [manifests] = await r.render(request(plain, null, one, 'm'));
    expect(manifests.ok).toBe(true);
  });
});
