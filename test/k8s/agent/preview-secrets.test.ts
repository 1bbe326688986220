/**
 * Preview jobs and encrypted secrets, against a real API server: a sealed secret and a SOPS file
 * are previewed as the objects a sync would write, their values never in the answer.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { parse } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { Applier } from '../../../src/agent/apply/applier.js';
import { ConfigMapInventoryStore } from '../../../src/agent/apply/inventory-store.js';
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import type { PreviewDeps } from '../../../src/agent/preview/preview-runner.js';
import { Unsealer } from '../../../src/agent/sealing/unsealer.js';
import { SopsDecryptor } from '../../../src/agent/secrets/sops.js';
import type { LiveObject } from '../../../src/domain/health/health.types.js';
import { guardrailPolicy } from '../../../src/domain/object-policy.js';
import { SOPS_SOURCE_FIELD } from '../../../src/domain/secrets/sops-document.js';
import type { PreviewJobV1 } from '../../../src/protocol/v1/agent-protocol.js';
import { ensureSops } from '../../support/sops-binary.js';
import {
  applierFor,
  bundleOf,
  countingClient,
  namespace,
  uniq,
  type CountingTransport,
} from './agent-test-kit.js';
import { b64, byId, previewDeps, previewJob, previewOf, STATE_NS } from './preview-kit.js';

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

describe('previews of encrypted secrets', () => {
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

    // a guardrail that denies Secrets is not passed by sealing one: the Secret is denied
    const noSecrets = guardrailPolicy({
      allowedNamespaces: [ns],
      allowClusterScoped: null,
      deniedKinds: [{ group: '', kind: 'Secret' }],
    });
    const guarded = await preview(
      [await sealedWith('third-s3cret-value')],
      job(appId),
      deps({ unseal, guardrail: noSecrets }),
    );
    expect(byId(guarded.objects).get(`/Secret/${ns}/db`)).toMatchObject({
      action: 'denied',
      message: expect.stringContaining('(rule deniedKinds)'),
    });
    expect(JSON.stringify(guarded)).not.toContain('third-s3cret-value');
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
});
