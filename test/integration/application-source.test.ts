import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

// The application `source` through the real hub's API: stored, returned, audited, and every bad
// option refused with a 400 that names its field. Targets select no cluster, so these tests are
// about the API and stay independent of how each kind renders.

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "1"\n';
/** A string no audit entry may contain: it only ever travels as inline Helm values. */
const MARKER = 'inline-value-never-audited';

let fx: VcsFixture;
let h: TestHub;

const settle = () => h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
const base = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  repositoryId: 'fleet',
  path: 'apps/web',
  targets: [{ clusterSelector: 'env=nowhere' }],
  syncPolicy: { automated: true, prune: false, selfHeal: false },
  ...extra,
});
const create = async (name: string, extra: Record<string, unknown> = {}) => {
  const res = await h.api('POST', '/api/v1/applications', { body: base(name, extra) });
  await settle();
  return res;
};
const update = async (name: string, body: Record<string, unknown>) => {
  const res = await h.api('PATCH', `/api/v1/applications/${name}`, { body });
  await settle();
  return res;
};
const generation = async (name: string) =>
  (await h.sql<{ generation: number }>('SELECT generation FROM applications WHERE name = $1', [name]))[0]
    .generation;
const audit = async (action: string) =>
  (await h.api('GET', `/api/v1/audit?action=${action}&limit=100`)).body.items as Array<{
    details: Record<string, any>;
  }>;

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  const repo = await fx.createRepo();
  await fx.externalCommit(repo, { 'apps/web/cm.yaml': CM }, 'initial');
  const r = await h.api('POST', '/api/v1/repositories', {
    body: { name: 'fleet', type: 'git', url: repo.url },
  });
  expect(r.status).toBe(201);
});
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

const HELM = {
  kind: 'helm',
  helm: { releaseName: 'web-rel', valuesFiles: ['values.yaml', 'env/prod.yaml'], values: { marker: MARKER } },
};

describe('application source: create and get', () => {
  it('a helm source and per-target helm values are stored and returned as given', async () => {
    const targets = [
      {
        clusterSelector: 'env=nowhere',
        helm: { valuesFiles: ['env/eu.yaml'], values: { replicas: 3, image: { tag: 'v2' } } },
      },
    ];
    const res = await create('helm-app', { source: HELM, targets });
    expect(res.status).toBe(201);
    expect(res.body.source).toEqual(HELM);
    expect(res.body.targets[0].helm).toEqual(targets[0].helm);
    const got = await h.api('GET', '/api/v1/applications/helm-app');
    expect(got.body.source).toEqual(HELM);
    expect(got.body.targets[0].helm).toEqual(targets[0].helm);
    expect(
      (await h.api('GET', '/api/v1/applications')).body.items.find((a: any) => a.name === 'helm-app'),
    ).toMatchObject({ source: HELM });
  });

  it('a kustomize source with a cluster-label overlay and a manifests source are accepted', async () => {
    const kustomize = { kind: 'kustomize', kustomize: { path: 'overlays/${cluster.labels.env}' } };
    const k = await create('kust-app', { source: kustomize });
    expect(k.status).toBe(201);
    expect(k.body.source).toEqual(kustomize);
    const m = await create('plain-app', { source: { kind: 'manifests' } });
    expect(m.status).toBe(201);
    expect((await h.api('GET', '/api/v1/applications/plain-app')).body.source).toEqual({ kind: 'manifests' });
  });

  it('an omitted or null source is detected from the files (null in responses)', async () => {
    const omitted = await create('detected-app');
    expect(omitted.status).toBe(201);
    expect(omitted.body.source).toBeNull();
    const explicit = await create('detected-null', { source: null });
    expect(explicit.status).toBe(201);
    expect((await h.api('GET', '/api/v1/applications/detected-null')).body.source).toBeNull();
  });

  it('application.created records the source kind, and inline values only as digests', async () => {
    const entries = await audit('application.created');
    const byName = (n: string) => entries.find((e) => e.details.name === n)!.details;
    expect(byName('helm-app').source).toMatchObject({
      kind: 'helm',
      helm: { releaseName: 'web-rel', valuesFiles: ['values.yaml', 'env/prod.yaml'] },
    });
    expect(byName('helm-app').source.helm.valuesDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(byName('helm-app').targets[0].helm.valuesDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(byName('kust-app').source).toEqual({
      kind: 'kustomize',
      kustomize: { path: 'overlays/${cluster.labels.env}' },
    });
    expect(byName('detected-app').source).toEqual({ kind: 'detected' });
    expect(JSON.stringify(entries)).not.toContain(MARKER);
  });
});

const big = () => ({ blob: 'x'.repeat(70 * 1024) });
const INVALID: { name: string; extra: Record<string, unknown>; says: string }[] = [
  {
    name: 'a values file leaving the application path',
    extra: { source: { kind: 'helm', helm: { valuesFiles: ['ok.yaml', '../secrets.yaml'] } } },
    says: 'source.helm.valuesFiles[1] must not contain ".." segments',
  },
  {
    name: 'an absolute values file',
    extra: { source: { kind: 'helm', helm: { valuesFiles: ['/etc/passwd'] } } },
    says: 'source.helm.valuesFiles[0] must be relative to the application path',
  },
  {
    name: 'a kustomize path with a ${values.*} placeholder',
    extra: { source: { kind: 'kustomize', kustomize: { path: 'overlays/${values.env}' } } },
    says: 'source.kustomize.path may only use ${cluster.labels.KEY} placeholders',
  },
  {
    name: 'a kustomize path leaving the application path',
    extra: { source: { kind: 'kustomize', kustomize: { path: '../other' } } },
    says: 'source.kustomize.path must not contain ".." segments',
  },
  {
    name: 'helm options with kind kustomize',
    extra: { source: { kind: 'kustomize', helm: { releaseName: 'web' } } },
    says: 'source.helm is only allowed with kind helm',
  },
  {
    name: 'kustomize options with kind helm',
    extra: { source: { kind: 'helm', kustomize: { path: 'x' } } },
    says: 'source.kustomize is only allowed with kind kustomize',
  },
  {
    name: 'an unknown kind',
    extra: { source: { kind: 'jsonnet' } },
    says: 'source.kind must be one of manifests, helm, kustomize',
  },
  {
    name: 'a release name that is not a DNS-1123 label',
    extra: { source: { kind: 'helm', helm: { releaseName: 'Web_App' } } },
    says: 'source.helm.releaseName must be a DNS-1123 label',
  },
  {
    name: 'a release name that is not a string',
    extra: { source: { kind: 'helm', helm: { releaseName: 7 } } },
    says: 'source.helm.releaseName must be a string',
  },
  {
    name: 'inline values that are not an object',
    extra: { source: { kind: 'helm', helm: { values: [1, 2] } } },
    says: 'source.helm.values must be an object',
  },
  {
    name: 'an unknown source option',
    extra: { source: { kind: 'helm', chart: 'x' } },
    says: 'source.property chart should not exist',
  },
  {
    name: 'oversized inline values in the source',
    extra: { source: { kind: 'helm', helm: { values: big() } } },
    says: 'source.helm.values is',
  },
  {
    name: 'oversized inline values in a target',
    extra: { targets: [{ clusterSelector: 'env=nowhere', helm: { values: big() } }] },
    says: 'targets[0].helm.values is',
  },
  {
    name: 'a target values file leaving the application path',
    extra: { targets: [{ clusterSelector: 'env=nowhere', helm: { valuesFiles: ['a/../../b.yaml'] } }] },
    says: 'targets[0].helm.valuesFiles[0] must not contain ".." segments',
  },
  {
    name: 'target helm options when the source is kustomize',
    extra: {
      source: { kind: 'kustomize' },
      targets: [{ clusterSelector: 'env=nowhere', helm: { values: { a: 1 } } }],
    },
    says: 'targets[0].helm is only allowed when the source is helm',
  },
];

describe('application source: bad input is a 400 naming the field', () => {
  it.each(INVALID)('$name', async ({ extra, says }) => {
    const res = await h.api('POST', '/api/v1/applications', { body: base('refused', extra) });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toContain(JSON.stringify(says).slice(1, -1));
    expect(await h.sql("SELECT 1 FROM applications WHERE name = 'refused'")).toEqual([]);
  });
});

describe('application source: update', () => {
  it('a new source bumps the generation, is returned and audited with both kinds', async () => {
    const before = await generation('plain-app');
    const kustomize = { kind: 'kustomize', kustomize: { path: 'overlays/prod' } };
    const res = await update('plain-app', { source: kustomize });
    expect(res.status).toBe(200);
    expect(res.body.source).toEqual(kustomize);
    expect(await generation('plain-app')).toBe(before + 1);
    const entry = (await audit('application.updated')).find((e) => e.details.after.name === 'plain-app')!;
    expect(entry.details.before.source).toEqual({ kind: 'manifests' });
    expect(entry.details.after.source).toEqual({ kind: 'kustomize', kustomize: { path: 'overlays/prod' } });
  });

  it('changed target helm values alone bump the generation and show as a new digest', async () => {
    const before = await generation('helm-app');
    const res = await update('helm-app', {
      targets: [{ clusterSelector: 'env=nowhere', helm: { values: { replicas: 5 } } }],
    });
    expect(res.status).toBe(200);
    expect(res.body.source).toEqual(HELM);
    expect(res.body.targets[0].helm).toEqual({ values: { replicas: 5 } });
    expect(await generation('helm-app')).toBe(before + 1);
    const entry = (await audit('application.updated')).find((e) => e.details.after.name === 'helm-app')!;
    expect(entry.details.after.targets[0].helm.valuesDigest).not.toEqual(
      entry.details.before.targets[0].helm.valuesDigest,
    );
  });

  it('an update without source leaves it; null sends it back to detection', async () => {
    const kept = await update('kust-app', { ignoreDifferences: ['/spec/replicas'] });
    expect(kept.status).toBe(200);
    expect(kept.body.source).toEqual({
      kind: 'kustomize',
      kustomize: { path: 'overlays/${cluster.labels.env}' },
    });
    const reset = await update('kust-app', { source: null });
    expect(reset.status).toBe(200);
    expect(reset.body.source).toBeNull();
    expect((await h.api('GET', '/api/v1/applications/kust-app')).body.source).toBeNull();
    expect((await h.sql("SELECT source FROM applications WHERE name = 'kust-app'"))[0].source).toBeNull();
  });

  it('an update is checked against the source and targets as they will be', async () => {
    // helm-app has target helm values: a non-helm source no longer fits them.
    const gen = await generation('helm-app');
    const res = await update('helm-app', { source: { kind: 'manifests' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('targets[0].helm is only allowed when the source is helm');
    const bad = await update('helm-app', { source: { kind: 'helm', helm: { valuesFiles: ['/abs.yaml'] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('source.helm.valuesFiles[0] must be relative to the application path');
    expect(await generation('helm-app')).toBe(gen);
    expect((await h.api('GET', '/api/v1/applications/helm-app')).body.source).toEqual(HELM);
  });
});
