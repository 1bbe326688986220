/**
 * Rendering benchmark (issue 5 §2): a generated 5,000-object, ~20 MB application rendered five
 * times (median ms and MB/s of input), then one ~200-object application rendered for 1,000
 * clusters carrying 10 distinct label sets, parsing once (`prepareManifests`) and rendering per
 * cluster (`renderManifests`), as the hub should; `renderBundle` per cluster, which re-parses
 * every time, is timed on a sample for comparison.
 * Prints how many distinct digests came out (10 expected: one bundle stored per label set).
 * Last, the cost of the expanded-size bound against YAML bombs (issue 12): the big bundle
 * rendered with the bound and without it (`maxExpansionFactor: Infinity`), alternating, as a
 * ratio of medians; once as written and once with every Deployment's pod labels an alias.
 * Then the cost of project object rules at render (issue 14): the same fleet rendered without
 * any check and with the hub's check (`bundleChecker`, memoised by digest) under a restricted
 * policy, alternating, plus the check alone on every cluster's bundle without the memo; and with
 * each cluster's registered guardrail checked too (three distinct guardrails and clusters
 * without one, as a fleet would have).
 *
 *   npm run bench:render         (OBJECTS, RUNS, CLUSTERS env vars to resize)
 */
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_RENDER_LIMITS,
  prepareManifests,
  renderBundle,
  renderManifests,
  type RenderResult,
  type RenderTarget,
} from '../src/domain/render/render.js';
import { bundleChecker, checkBundle, guardrailChecks } from '../src/domain/render/bundle-policy.js';
import { type ClusterGuardrail, type ObjectPolicy } from '../src/domain/object-policy.js';

const OBJECTS = Number(process.env.OBJECTS ?? 5000);
const RUNS = Number(process.env.RUNS ?? 5);
const CLUSTERS = Number(process.env.CLUSTERS ?? 1000);
/** renderBundle re-parses per cluster, ~140 ms each here: measured on a sample, not the whole fleet. */
const NAIVE_SAMPLE = Math.min(CLUSTERS, 100);
const PER_FILE = 100;

/** Realistic-looking Deployments and ConfigMaps, ~4 KB each, 100 per file, with per-cluster variables. */
function generate(objects: number): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const config = Array.from(
    { length: 40 },
    (_, j) => `    setting_${j} = "value-${j}-${'v'.repeat(40)}"`,
  ).join('\n');
  for (let f = 0; f * PER_FILE < objects; f++) {
    const docs: string[] = [];
    for (let i = f * PER_FILE; i < Math.min(objects, (f + 1) * PER_FILE); i++) {
      docs.push(
        i % 2
          ? `apiVersion: v1
kind: ConfigMap
metadata:
  name: config-${i}
  labels: { app: app-${i}, region: "\${cluster.labels.region}" }
data:
  app.conf: |
${config}
`
          : `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  labels: { app: app-${i}, tier: "\${cluster.labels.tier}" }
spec:
  replicas: 2
  selector: { matchLabels: { app: app-${i} } }
  template:
    metadata: { labels: { app: app-${i} } }
    spec:
      containers:
        - name: app
          image: "registry.example.com/app-${i}:\${values.tag}"
          args: ["--region=\${cluster.labels.region}", "--verbose"]
          ports: [{ containerPort: 8080, name: http }]
          resources: { requests: { cpu: 100m, memory: 128Mi }, limits: { memory: 256Mi } }
          env:
${Array.from({ length: 62 }, (_, j) => `            - { name: VAR_${j}, value: "value-${j}-${'e'.repeat(20)}" }`).join('\n')}
`,
      );
    }
    files.set(`team-${f % 10}/file-${f}.yaml`, Buffer.from(`---\n${docs.join('---\n')}`));
  }
  return files;
}

function targetFor(cluster: number): RenderTarget {
  const set = cluster % 10;
  return {
    cluster: {
      name: `cluster-${cluster}`,
      labels: { region: `region-${set}`, tier: set % 2 ? 'gold' : 'silver' },
    },
    namespace: 'apps',
    values: { tag: '1.2.3' },
  };
}

function mustSucceed(r: RenderResult) {
  if (!r.ok) throw new Error(`render failed: ${JSON.stringify(r.errors.slice(0, 3))}`);
  return r.bundle;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 1. one big bundle, several times
const big = generate(OBJECTS);
const inputBytes = [...big.values()].reduce((n, b) => n + b.length, 0);
const times: number[] = [];
let canonicalBytes = 0;
for (let run = 0; run < RUNS; run++) {
  const t0 = performance.now();
  const bundle = mustSucceed(renderBundle(big, targetFor(0)));
  times.push(performance.now() - t0);
  canonicalBytes = bundle.canonical.length;
  if (bundle.objectCount !== OBJECTS)
    throw new Error(`expected ${OBJECTS} objects, got ${bundle.objectCount}`);
}
const ms = median(times);
console.log(
  `big bundle: ${OBJECTS} objects, ${(inputBytes / 1e6).toFixed(1)} MB YAML in ${big.size} files -> ` +
    `${(canonicalBytes / 1e6).toFixed(1)} MB canonical; median of ${RUNS}: ${ms.toFixed(0)} ms, ` +
    `${(inputBytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`,
);

// 2. one application, a fleet of clusters
const app = generate(200);
const appBytes = [...app.values()].reduce((n, b) => n + b.length, 0);
let digests = new Set<string>();
let t0 = performance.now();
for (let c = 0; c < NAIVE_SAMPLE; c++) digests.add(mustSucceed(renderBundle(app, targetFor(c))).digest);
const naive = performance.now() - t0;
const naiveDigests = digests.size;

digests = new Set<string>();
t0 = performance.now();
const prepared = prepareManifests(app, DEFAULT_RENDER_LIMITS);
for (let c = 0; c < CLUSTERS; c++) digests.add(mustSucceed(renderManifests(prepared, targetFor(c))).digest);
const reused = performance.now() - t0;
console.log(
  `fleet: 200 objects (${(appBytes / 1e6).toFixed(2)} MB) for ${CLUSTERS} clusters, 10 label sets -> ` +
    `parse once + renderManifests per cluster: ${digests.size} distinct digests, ${reused.toFixed(0)} ms total; ` +
    `renderBundle per cluster (re-parsing) on the first ${NAIVE_SAMPLE}: ${naiveDigests} digests, ` +
    `${naive.toFixed(0)} ms (~${((naive / NAIVE_SAMPLE) * CLUSTERS).toFixed(0)} ms for ${CLUSTERS})`,
);

// 3. the cost of the expanded-size bound (the syntax tree walk before toJS), same process, alternating
const BOUND_RUNS = Number(process.env.BOUND_RUNS ?? 3);
function boundCost(label: string, files: Map<string, Buffer>): void {
  const timed = (limits: Partial<typeof DEFAULT_RENDER_LIMITS>) => {
    const t = performance.now();
    mustSucceed(renderBundle(files, targetFor(0), limits));
    return performance.now() - t;
  };
  const bounded: number[] = [];
  const unbounded: number[] = [];
  for (let run = 0; run < BOUND_RUNS; run++) {
    bounded.push(timed({}));
    unbounded.push(timed({ maxExpansionFactor: Infinity }));
  }
  const b = median(bounded);
  const u = median(unbounded);
  console.log(
    `expanded-size bound, ${label}: with ${b.toFixed(0)} ms, without ${u.toFixed(0)} ms ` +
      `(medians of ${BOUND_RUNS}, alternating) -> ratio ${(b / u).toFixed(3)}`,
  );
}
boundCost(`${OBJECTS} objects as generated`, big);
/** The same bundle with each Deployment's pod labels an alias of its selector (anchors are per document). */
const aliased = new Map(
  [...big].map(([path, content]) => {
    const text = content
      .toString('utf8')
      .replace(/matchLabels: (\{ app: app-\d+ \})/g, 'matchLabels: &sel $1')
      .replace(/metadata: \{ labels: \{ app: app-\d+ \} \}/g, 'metadata: { labels: *sel }');
    return [path, Buffer.from(text)];
  }),
);
boundCost(`${OBJECTS} objects, pod labels aliased`, aliased);

// 4. the cost of project object rules at render: the fleet of section 2, with and without the check
const POLICY_RUNS = Number(process.env.POLICY_RUNS ?? 3);
const TEAM_POLICY: ObjectPolicy = {
  namespaces: ['apps', 'team-*'],
  allowedKinds: [],
  deniedKinds: [{ group: 'rbac.authorization.k8s.io', kind: '*' }],
  allowSecrets: false,
};
/** A quarter of the fleet without a guardrail, the rest under one of three (all let `apps` through). */
const GUARDRAILS: (ClusterGuardrail | null)[] = [
  null,
  { allowedNamespaces: ['apps'], allowClusterScoped: false, deniedKinds: [] },
  { allowedNamespaces: ['apps', 'team-a'], allowClusterScoped: false, deniedKinds: ['Secret'] },
  { allowedNamespaces: ['apps'], allowClusterScoped: true, deniedKinds: ['rbac.authorization.k8s.io/*'] },
];
function fleetRender(mode: 'none' | 'project' | 'guardrail'): number {
  const check = bundleChecker(TEAM_POLICY);
  const guardrailOf = guardrailChecks();
  const t = performance.now();
  for (let c = 0; c < CLUSTERS; c++) {
    const bundle = mustSucceed(renderManifests(prepared, targetFor(c)));
    if (mode === 'none') continue;
    const g = mode === 'guardrail' ? guardrailOf(GUARDRAILS[c % GUARDRAILS.length]) : null;
    if (check(bundle, g).length) throw new Error('the benchmark policy refused an object');
  }
  return performance.now() - t;
}
const without: number[] = [];
const withCheck: number[] = [];
const withGuardrail: number[] = [];
for (let run = 0; run < POLICY_RUNS; run++) {
  without.push(fleetRender('none'));
  withCheck.push(fleetRender('project'));
  withGuardrail.push(fleetRender('guardrail'));
}
const sample = mustSucceed(renderManifests(prepared, targetFor(0)));
t0 = performance.now();
for (let c = 0; c < CLUSTERS; c++) checkBundle(TEAM_POLICY, undefined, sample.objects);
const unmemoised = performance.now() - t0;
console.log(
  `policy at render: 200 objects x ${CLUSTERS} clusters, restricted policy -> without check ` +
    `${median(without).toFixed(0)} ms, with the hub's check ${median(withCheck).toFixed(0)} ms ` +
    `(medians of ${POLICY_RUNS}, alternating; ratio ${(median(withCheck) / median(without)).toFixed(3)}), ` +
    `with each cluster's guardrail too ${median(withGuardrail).toFixed(0)} ms ` +
    `(ratio ${(median(withGuardrail) / median(without)).toFixed(3)}); ` +
    `checkBundle on every cluster's bundle without the memo: ${unmemoised.toFixed(1)} ms ` +
    `(${((unmemoised / CLUSTERS / sample.objectCount) * 1e6).toFixed(0)} ns per object)`,
);
