/**
 * Preview jobs (issue 18) against a real API server: what a sync would do per object — create,
 * field-level change, unchanged, prune, an admission refusal from a real
 * ValidatingAdmissionPolicy, a guardrail/policy denial — with secret values never in the answer
 * and, above all, nothing written: no write request at all, every object's resourceVersion as
 * it was, no new object, the inventory untouched.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import { runPreview, type PreviewDeps } from '../../../src/agent/preview/preview-runner.js';
import { FLOTILLA_ANNOTATIONS, FLOTILLA_LABELS } from '../../../src/domain/apply/flotilla-marks.js';
import { formatPointer } from '../../../src/domain/apply/ignore-differences.js';
import { guardrailPolicy } from '../../../src/domain/object-policy.js';
import type { PreviewJobV1 } from '../../../src/protocol/v1/agent-protocol.js';
import {
  applierFor,
  configMap,
  countingClient,
  deployment,
  namespace,
  uniq,
  waitFor,
  type CountingTransport,
} from './agent-test-kit.js';
import { b64, byId, previewDeps, previewJob, previewOf, secret, snapshot, STATE_NS } from './preview-kit.js';

let client: KubeClusterClient;
let counter: CountingTransport;

beforeAll(async () => {
  ({ client, counter } = countingClient(inject('k8sClusters')[0].kubeconfig));
  await client.apply(namespace(STATE_NS));
});

const deps = (extra: Partial<PreviewDeps> = {}) => previewDeps(client, extra);
const job = previewJob;
const preview = (objects: readonly object[], j: PreviewJobV1, d: PreviewDeps = deps()) =>
  previewOf(objects, j, d);

describe('preview jobs against a real API server', () => {
  it('reports create, field changes, unchanged, prune and deferred creates — and writes nothing', async () => {
    const ns = uniq('pv');
    const newNs = uniq('pv-new');
    const appId = randomUUID();
    const { run } = applierFor(client, STATE_NS, appId);
    const kept = configMap(ns, 'kept', { k: '1' }, { 'flotilla.io/prune': 'disabled' });
    const synced = await run([
      namespace(ns),
      configMap(ns, 'settings', { a: '1', same: 'x' }),
      configMap(ns, 'steady', { s: '1' }),
      configMap(ns, 'old', { o: '1' }),
      kept,
      deployment(ns, 'web', 'nginx:1'),
      secret(ns, 'creds', { password: 'hunter2-old-value', user: 'admin-user' }),
    ]);
    expect(synced.outcome, synced.message).toBe('succeeded');

    const next = [
      namespace(ns),
      configMap(ns, 'settings', { a: '2', same: 'x', added: 'y' }),
      configMap(ns, 'steady', { s: '1' }),
      configMap(ns, 'fresh', { f: '1' }),
      deployment(ns, 'web', 'nginx:2'),
      secret(ns, 'creds', { password: 'hunter2-new-value', user: 'admin-user' }),
      namespace(newNs),
      configMap(newNs, 'inside', { i: '1' }),
      {
        ...configMap(ns, 'after-sync', { h: '1' }),
        metadata: { name: 'after-sync', namespace: ns, annotations: { 'flotilla.io/hook': 'PostSync' } },
      },
    ];
    const before = await snapshot(client, [ns], appId);
    counter.reset();
    const answer = await preview(next, job(appId));
    expect(counter.writes).toEqual([]);
    // the hook is listed, never sent to the API server (not even as a dry run)
    expect(counter.requests.filter((r) => r.includes('after-sync'))).toEqual([]);
    expect(await snapshot(client, [ns], appId)).toEqual(before);
    expect(await client.get({ apiVersion: 'v1', kind: 'Namespace', name: newNs })).toBeNull();
    expect(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'fresh' }),
    ).toBeNull();

    expect(answer.outcome, answer.message).toBe('completed');
    const got = byId(answer.objects);
    expect(got.get(`/ConfigMap/${ns}/settings`)).toEqual({
      id: `/ConfigMap/${ns}/settings`,
      action: 'change',
      changes: [
        { path: '/data/a', op: 'replace', before: '1', after: '2' },
        { path: '/data/added', op: 'add', after: 'y' },
      ],
    });
    expect(got.get(`apps/Deployment/${ns}/web`)).toMatchObject({
      action: 'change',
      changes: [
        {
          path: '/spec/template/spec/containers/0/image',
          op: 'replace',
          before: 'nginx:1',
          after: 'nginx:2',
        },
      ],
    });
    expect(got.get(`/ConfigMap/${ns}/steady`)).toEqual({
      id: `/ConfigMap/${ns}/steady`,
      action: 'unchanged',
    });
    expect(got.get(`/Namespace//${ns}`)?.action).toBe('unchanged');
    expect(got.get(`/ConfigMap/${ns}/fresh`)).toEqual({ id: `/ConfigMap/${ns}/fresh`, action: 'create' });
    expect(got.get(`/Namespace//${newNs}`)).toMatchObject({ action: 'create' });
    expect(got.get(`/ConfigMap/${newNs}/inside`)).toMatchObject({
      action: 'create',
      message: expect.stringContaining('dry run deferred'),
    });
    expect(got.get(`/ConfigMap/${ns}/after-sync`)).toMatchObject({
      action: 'create',
      message: 'hook (runs at PostSync)',
    });
    expect(got.get(`/ConfigMap/${ns}/old`)).toEqual({ id: `/ConfigMap/${ns}/old`, action: 'prune' });
    expect(got.get(`/ConfigMap/${ns}/kept`)).toMatchObject({
      action: 'unchanged',
      message: expect.stringContaining('prune: disabled'),
    });

    // secret values: the change shows, the values do not — anywhere in the answer
    expect(got.get(`/Secret/${ns}/creds`)).toEqual({
      id: `/Secret/${ns}/creds`,
      action: 'change',
      changes: [{ path: '/data/password', op: 'replace', before: '(redacted)', after: '(redacted)' }],
    });
    const text = JSON.stringify(answer);
    for (const v of ['hunter2-old-value', 'hunter2-new-value', 'admin-user'])
      for (const form of [v, b64(v)]) expect(text).not.toContain(form);

    // without prune, removed objects are not mentioned at all
    const noPrune = byId((await preview(next, job(appId, { prune: false }))).objects);
    expect(noPrune.has(`/ConfigMap/${ns}/old`)).toBe(false);
    expect(noPrune.has(`/ConfigMap/${ns}/kept`)).toBe(false);
    expect(counter.writes).toEqual([]);
    expect(await snapshot(client, [ns], appId)).toEqual(before);
  });

  it('honours ignoreDifferences, and previews an application not created yet (owning nothing)', async () => {
    const ns = uniq('pv-ign');
    const appId = randomUUID();
    const { run } = applierFor(client, STATE_NS, appId);
    expect((await run([namespace(ns), deployment(ns, 'web', 'nginx:1')])).outcome).toBe('succeeded');
    const scaled = {
      ...deployment(ns, 'web', 'nginx:1'),
      spec: { ...deployment(ns, 'web', 'nginx:1').spec, replicas: 5 },
    };
    const ignored = await preview(
      [namespace(ns), scaled],
      job(appId, { ignoreDifferences: ['/spec/replicas'] }),
    );
    expect(byId(ignored.objects).get(`apps/Deployment/${ns}/web`)?.action).toBe('unchanged');

    // a new application meets an existing object: a takeover is a change, not a create
    counter.reset();
    const fresh = await preview(
      [configMap(ns, 'brand-new', { a: '1' }), deployment(ns, 'web', 'nginx:1')],
      job(null),
    );
    expect(counter.writes).toEqual([]);
    const got = byId(fresh.objects);
    expect(got.get(`/ConfigMap/${ns}/brand-new`)?.action).toBe('create');
    expect(got.get(`apps/Deployment/${ns}/web`)).toMatchObject({ action: 'change' });
    // only the ownership marks change: another application's object would be taken over
    expect(got.get(`apps/Deployment/${ns}/web`)?.changes?.map((c) => c.path)).toEqual([
      formatPointer(['metadata', 'annotations', FLOTILLA_ANNOTATIONS.owner]),
      formatPointer(['metadata', 'labels', FLOTILLA_LABELS.application]),
    ]);
  });

  it('reports an admission refusal from a real ValidatingAdmissionPolicy with the server’s message', async () => {
    const ns = uniq('pv-vap');
    const name = uniq('no-forbidden-key');
    await client.apply(namespace(ns));
    await client.apply({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['configmaps'],
            },
          ],
        },
        validations: [
          {
            expression: "!has(object.data) || !('forbidden' in object.data)",
            message: `${name}: no forbidden key`,
          },
        ],
      },
    });
    await client.apply({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } },
      },
    });
    const bundle = [configMap(ns, 'bad', { forbidden: 'x' }), configMap(ns, 'good', { fine: 'x' })];
    // the policy takes effect once the API server has compiled it
    const answer = await waitFor('the policy to refuse', async () => {
      const a = await preview(bundle, job(randomUUID()));
      return byId(a.objects).get(`/ConfigMap/${ns}/bad`)?.action === 'refused' ? a : null;
    });
    const got = byId(answer.objects);
    expect(got.get(`/ConfigMap/${ns}/bad`)?.message).toContain(`${name}: no forbidden key`);
    expect(got.get(`/ConfigMap/${ns}/good`)?.action).toBe('create');
    expect(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'good' })).toBeNull();
    const vap = { apiVersion: 'admissionregistration.k8s.io/v1', name };
    await client.delete({ ...vap, kind: 'ValidatingAdmissionPolicyBinding' });
    await client.delete({ ...vap, kind: 'ValidatingAdmissionPolicy' });
  });

  it('denies what the guardrail or the job’s policy refuses, without sending it to the API server', async () => {
    const ns = uniq('pv-deny');
    await client.apply(namespace(ns));
    const guardrail = guardrailPolicy({ allowedNamespaces: [ns], allowClusterScoped: null, deniedKinds: [] });
    counter.reset();
    const answer = await preview(
      [
        configMap(ns, 'ok', { a: '1' }),
        configMap('kube-system', 'sneaky', { a: '1' }),
        secret(ns, 's', { k: 'v4lue-secret' }),
      ],
      job(randomUUID(), {
        policy: { namespaces: ['*'], allowedKinds: [], deniedKinds: [], allowSecrets: false },
      }),
      deps({ guardrail }),
    );
    const got = byId(answer.objects);
    expect(got.get(`/ConfigMap/${ns}/ok`)?.action).toBe('create');
    expect(got.get('/ConfigMap/kube-system/sneaky')).toMatchObject({
      action: 'denied',
      message: expect.stringContaining('rule namespaces'),
    });
    expect(got.get(`/Secret/${ns}/s`)).toMatchObject({
      action: 'denied',
      message: expect.stringContaining('allowSecrets'),
    });
    expect(counter.requests.filter((r) => r.includes('sneaky') || r.includes('/secrets/s?'))).toEqual([]);
    expect(counter.writes).toEqual([]);
  });

  it('fails as a whole, saying why, when the bundle cannot be read', async () => {
    const failed = await runPreview(deps(), job(randomUUID()), () => Promise.reject(new Error('hub away')));
    expect(failed).toEqual({ outcome: 'failed', message: 'fetching the bundle: hub away', objects: [] });
    const garbled = await runPreview(deps(), job(randomUUID()), () => Promise.resolve(Buffer.from('{nope')));
    expect(garbled).toMatchObject({ outcome: 'failed', message: expect.stringMatching(/^bundle: /) });
  });
});
