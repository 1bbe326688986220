/**
 * Preview jobs (issue 18) against a real API server: what a sync would do per object — create,
 * field-level change, unchanged, prune, an admission refusal from a real
 * ValidatingAdmissionPolicy, a guardrail/policy denial — with secret values never in the answer
 * and, above all, nothing written: no write request at all, every object's resourceVersion as
 * it was, no new object, the inventory untouched.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { pino } from 'pino';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { Applier } from '../../../src/agent/apply/applier.js';
import { ConfigMapInventoryStore } from '../../../src/agent/apply/inventory-store.js';
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import { AgentPreviews, previewReportId } from '../../../src/agent/preview/agent-previews.js';
import { runPreview, type PreviewDeps } from '../../../src/agent/preview/preview-runner.js';
import { Unsealer } from '../../../src/agent/sealing/unsealer.js';
import { SopsDecryptor } from '../../../src/agent/secrets/sops.js';
import { SOPS_SOURCE_FIELD } from '../../../src/domain/secrets/sops-document.js';
import { parse } from 'yaml';
import { ensureSops } from '../../support/sops-binary.js';
import type { LiveObject } from '../../../src/domain/health/health.types.js';
import { ClusterStateStore } from '../../../src/agent/state-store.js';
import { FLOTILLA_ANNOTATIONS, FLOTILLA_LABELS } from '../../../src/domain/apply/flotilla-marks.js';
import { formatPointer } from '../../../src/domain/apply/ignore-differences.js';
import { guardrailPolicy, OPEN_POLICY } from '../../../src/domain/object-policy.js';
import type { PreviewJobV1, PreviewObjectV1 } from '../../../src/protocol/v1/agent-protocol.js';
import {
  applierFor,
  bundleOf,
  configMap,
  countingClient,
  deployment,
  namespace,
  ScriptedHub,
  testAgent,
  uniq,
  waitFor,
  type CountingTransport,
} from './agent-test-kit.js';

const STATE_NS = 'flotilla-agent-test';
let client: KubeClusterClient;
let counter: CountingTransport;

beforeAll(async () => {
  ({ client, counter } = countingClient(inject('k8sClusters')[0].kubeconfig));
  await client.apply(namespace(STATE_NS));
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (ns: string, name: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: ns },
  type: 'Opaque',
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});

function deps(extra: Partial<PreviewDeps> = {}): PreviewDeps {
  return {
    client,
    inventory: new ConfigMapInventoryStore(client, STATE_NS),
    guardrail: OPEN_POLICY,
    concurrency: 4,
    ...extra,
  };
}

function job(applicationId: string | null, extra: Partial<PreviewJobV1> = {}): PreviewJobV1 {
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

const preview = (objects: readonly object[], j: PreviewJobV1, d: PreviewDeps = deps()) =>
  runPreview(d, j, () => Promise.resolve(bundleOf(objects)));

const byId = (objects: PreviewObjectV1[]) => new Map(objects.map((o) => [o.id, o]));

/** Every object of the given namespaces and the inventory, as `id → resourceVersion`. */
async function snapshot(namespaces: string[], applicationId: string): Promise<Map<string, string>> {
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
    const before = await snapshot([ns], appId);
    counter.reset();
    const answer = await preview(next, job(appId));
    expect(counter.writes).toEqual([]);
    expect(await snapshot([ns], appId)).toEqual(before);
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
    expect(await snapshot([ns], appId)).toEqual(before);
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

  it('previews a sealed secret as the Secret a sync would write, its values redacted', async () => {
    const ns = uniq('pv-sealed');
    await client.apply(namespace(ns));
    const identity = await generateX25519Identity();
    const sealedWith = async (value: string) => {
      const e = new Encrypter();
      e.addRecipient(await identityToRecipient(identity));
      return {
        apiVersion: 'flotilla.io/v1alpha1',
        kind: 'SealedSecret',
        metadata: { name: 'db', namespace: ns },
        spec: {
          selector: 'env=prod',
          recipients: [],
          encryptedData: { password: Buffer.from(await e.encrypt(value)).toString('base64') },
        },
      };
    };
    const unsealer = new Unsealer(() => ({ identities: [identity], recipient: '' }));
    const unseal = (objects: LiveObject[]) => unsealer.unseal(objects);
    const appId = randomUUID();
    const { run } = applierFor(client, STATE_NS, appId);
    const synced = await run([await sealedWith('first-s3cret-value')], { unseal });
    expect(synced.outcome, synced.message).toBe('succeeded');

    counter.reset();
    const answer = await preview([await sealedWith('second-s3cret-value')], job(appId), deps({ unseal }));
    expect(counter.writes).toEqual([]);
    expect(byId(answer.objects).get(`/Secret/${ns}/db`)).toEqual({
      id: `/Secret/${ns}/db`,
      action: 'change',
      changes: [{ path: '/data/password', op: 'replace', before: '(redacted)', after: '(redacted)' }],
    });
    const text = JSON.stringify(answer);
    for (const v of ['first-s3cret-value', 'second-s3cret-value'])
      for (const form of [v, b64(v)]) expect(text).not.toContain(form);
  });

  it('previews a SOPS file as its decrypted object, the encrypted values redacted', async () => {
    const ns = uniq('pv-sops');
    await client.apply(namespace(ns));
    const identity = await generateX25519Identity();
    const keyRef = { namespace: ns, name: 'sops-age' };
    await client.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: keyRef.name, namespace: ns },
      data: { 'keys.txt': b64(`${identity}\n`) },
    });
    const sopsBin = await ensureSops();
    const work = await mkdtemp(join(tmpdir(), 'flotilla-preview-sops-'));
    const encrypted = async (token: string) => {
      const path = join(work, 'settings.yaml');
      await writeFile(
        path,
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  token: ${token}\n  size: "1"\n`,
      );
      const { stdout } = await promisify(execFile)(
        sopsBin,
        ['encrypt', '--age', await identityToRecipient(identity), '--encrypted-regex', '^data$', path],
        { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: work } },
      );
      const object = parse(stdout) as { metadata: Record<string, unknown> };
      object.metadata.namespace = ns;
      return { ...object, [SOPS_SOURCE_FIELD]: { file: 'settings.sops.yaml', text: stdout } };
    };
    const sops = new SopsDecryptor(client, keyRef);
    const first = await encrypted('first-t0ken-value');
    const appId = randomUUID();
    const applier = new Applier(client, new ConfigMapInventoryStore(client, STATE_NS), { sops });
    const synced = await applier.reconcile({
      applicationId: appId,
      applicationName: 'test-app',
      kind: 'sync',
      prune: true,
      force: false,
      fetchBundle: () => Promise.resolve(bundleOf([first])),
    });
    expect(synced.outcome, synced.message).toBe('succeeded');

    counter.reset();
    const answer = await preview([await encrypted('second-t0ken-value')], job(appId), deps({ sops }));
    expect(counter.writes).toEqual([]);
    expect(byId(answer.objects).get(`/ConfigMap/${ns}/settings`)).toEqual({
      id: `/ConfigMap/${ns}/settings`,
      action: 'change',
      changes: [{ path: '/data/token', op: 'replace', before: '(redacted)', after: '(redacted)' }],
    });
    const text = JSON.stringify(answer);
    expect(text).not.toContain('first-t0ken-value');
    expect(text).not.toContain('second-t0ken-value');
    await rm(work, { recursive: true, force: true });
  });

  it('fails as a whole, saying why, when the bundle cannot be read', async () => {
    const failed = await runPreview(deps(), job(randomUUID()), () => Promise.reject(new Error('hub away')));
    expect(failed).toEqual({ outcome: 'failed', message: 'fetching the bundle: hub away', objects: [] });
    const garbled = await runPreview(deps(), job(randomUUID()), () => Promise.resolve(Buffer.from('{nope')));
    expect(garbled).toMatchObject({ outcome: 'failed', message: expect.stringMatching(/^bundle: /) });
  });
});

describe('preview jobs through the agent', () => {
  it('answers a preview from the poll, skips an expired one, and drops an answer the hub refuses', async () => {
    const agentNs = uniq('flotilla-sys');
    const ns = uniq('pv-agent');
    await client.apply(namespace(agentNs));
    await client.apply(namespace(ns));
    const hub = new ScriptedHub();
    const { agent, logs } = testAgent({
      client,
      hub,
      store: new ClusterStateStore(client, agentNs, 'cred'),
      namespace: agentNs,
      registrationToken: 'tok',
    });
    await agent.start();
    try {
      const appId = randomUUID();
      // a sync and a preview in the same poll: both done, the preview writes nothing
      hub.queueSync(appId, [configMap(ns, 'a', { v: '1' })]);
      const p = hub.queuePreview(appId, [configMap(ns, 'a', { v: '2' }), configMap(ns, 'b', { v: '1' })]);
      const expired = hub.queuePreview(appId, [configMap(ns, 'c', { v: '1' })], {
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      });
      await waitFor('the sync result', () => hub.results.length === 1);
      const answer = await waitFor('the preview answer', () =>
        hub.previewResults.find((r) => r.previewId === p.id),
      );
      expect(answer.result.reportId).toBe(previewReportId(p));
      expect(answer.result.outcome).toBe('completed');
      const got = byId(answer.result.objects);
      expect(got.get(`/ConfigMap/${ns}/b`)?.action).toBe('create');
      expect(['change', 'create']).toContain(got.get(`/ConfigMap/${ns}/a`)?.action);
      expect(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'b' })).toBeNull();
      await waitFor('the expired preview skipped', () =>
        logs.some((l) => l.previewId === expired.id && String(l.msg).includes('expired')),
      );
      expect(hub.previewResults.some((r) => r.previewId === expired.id)).toBe(false);

      hub.refusePreviews = 409;
      const refused = hub.queuePreview(appId, [configMap(ns, 'd', { v: '1' })]);
      await waitFor('the refused answer dropped', () =>
        logs.some((l) => l.previewId === refused.id && l.status === 409),
      );
    } finally {
      await agent.stop();
    }
  });

  it('runs at most two previews at once', async () => {
    let running = 0;
    let most = 0;
    const gate: (() => void)[] = [];
    const hub = new ScriptedHub();
    const previews = new AgentPreviews({
      ...deps(),
      hub,
      logger: pino({ level: 'silent' }),
      signal: new AbortController().signal,
      bundle: async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((r) => gate.push(r));
        running--;
        return bundleOf([]);
      },
    });
    for (let i = 0; i < 5; i++) previews.submit(job(null));
    await waitFor('two running', () => running === 2);
    while (hub.previewResults.length < 5) {
      gate.splice(0).forEach((r) => r());
      await new Promise((r) => setTimeout(r, 20));
    }
    await previews.drained();
    expect(most).toBe(2);
  });
});
