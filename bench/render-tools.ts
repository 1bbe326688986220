/**
 * Helm rendering at fleet scale (issue 15): the `shop` chart fixture (35 templates, a CRD, helpers,
 * values files) for 1,000 clusters carrying 10 distinct value sets, through the hub's renderer
 * (tool output cached by repository, revision, arguments, values and tool version, single flight),
 * against the same 1,000 renders with `helm template` run once per cluster by the same runner
 * (same temporary tree, environment and concurrency), in the same process. Then the same revision
 * again (the sweep re-rendering an unchanged application): everything from the cache.
 * Prints times, helm runs, and the ratios; checks both ways give the same bundles.
 *
 *   npm run bench:render        (CLUSTERS, VALUE_SETS env vars to resize)
 */
import { performance } from 'node:perf_hooks';
import { type ApplicationTarget } from '../src/hub/applications/application.entity.js';
import {
  SourceRenderer,
  describeRenderErrors,
  type RenderRequest,
} from '../src/hub/render/source-renderer.js';
import { fixtureFiles, SHOP_CHART_DIR } from '../test/support/chart-fixture.js';
import { ensureHelm } from '../test/support/helm-binary.js';

const CLUSTERS = Number(process.env.CLUSTERS ?? 1000);
const VALUE_SETS = Number(process.env.VALUE_SETS ?? 10);

const helm = await ensureHelm();
const files = await fixtureFiles(SHOP_CHART_DIR, 'apps/shop');
const env = { PATH: process.env.PATH ?? '', FLOTILLA_HELM_BIN: helm };

/** Value set k: its own values file mix and inline values (environment, tag, replicas). */
function target(k: number): ApplicationTarget {
  return {
    clusterSelector: `set=${k}`,
    namespace: `shop-${k % 3}`,
    helm: {
      valuesFiles: k % 2 ? ['values-prod.yaml'] : ['values-eu.yaml'],
      values: { global: { environment: `env-${k}`, imageTag: `2.${k}.0` }, cart: { replicas: 1 + (k % 4) } },
    },
  };
}

const targets = Array.from({ length: CLUSTERS }, (_, i) => ({
  cluster: {
    id: `c${i}`,
    name: `cluster-${i}`,
    labels: { set: String(i % VALUE_SETS) },
    kubernetesVersion: 'v1.31.2',
  },
  target: target(i % VALUE_SETS),
}));

function request(revision: string, slice = targets): RenderRequest {
  return {
    app: { name: 'shop', path: 'apps/shop', repositoryId: 'bench', source: { kind: 'helm' } },
    files: { revision: { id: revision, display: revision }, files, totalBytes: 0 },
    targets: slice,
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

// warm-up: the binary's version probe and the OS's file cache
await new SourceRenderer({ env }).render(request('warm-up', targets.slice(0, 2)));

const cached = new SourceRenderer({ env });
const fleet = await timed(() => cached.render(request('r1')));
const failures = fleet.value.filter((r) => !r.ok);
if (failures.length)
  throw new Error(`render failed: ${describeRenderErrors(failures[0].ok ? [] : failures[0].errors)}`);
const runs = cached.cacheStats().misses;
const again = await timed(() => cached.render(request('r1')));

// baseline: one helm run per cluster — every cluster its own revision key, so nothing is shared
const perCluster = new SourceRenderer({ env, cacheBytes: 0 });
const baseline = await timed(() =>
  Promise.all(targets.map((t, i) => perCluster.render(request(`r1-${i}`, [t])).then((r) => r[0]))),
);
const same = fleet.value.every(
  (r, i) =>
    r.ok &&
    baseline.value[i].ok &&
    r.bundle.digest === (baseline.value[i].ok ? baseline.value[i].bundle.digest : ''),
);
const digests = new Set(fleet.value.map((r) => (r.ok ? r.bundle.digest : '')));

console.log(
  `helm chart (${files.size} files) for ${CLUSTERS} clusters, ${VALUE_SETS} value sets:\n` +
    `  cached renderer:        ${fleet.ms.toFixed(0)} ms, ${runs} helm runs, ${digests.size} distinct bundles\n` +
    `  same revision again:    ${again.ms.toFixed(0)} ms, ${cached.cacheStats().misses - runs} helm runs\n` +
    `  helm once per cluster:  ${baseline.ms.toFixed(0)} ms, ${perCluster.cacheStats().misses} helm runs\n` +
    `  ratio per-cluster / cached: ${(baseline.ms / fleet.ms).toFixed(1)}x; ` +
    `same bundles both ways: ${same ? 'yes' : 'NO'}`,
);
