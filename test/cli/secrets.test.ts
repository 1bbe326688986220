import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recipientFingerprint } from '../../src/domain/sealed-secret.js';
import type { TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { type CliSession, startHubWithCli } from './cli-harness.js';

/**
 * `flotilla secret seal|reseal|check` and `flotilla cluster rotate-key` as a subprocess against a
 * real hub. The clusters' agents are protocol-level ones that register and heartbeat an age key
 * made here, so the test can decrypt what the CLI sealed with a cluster's private key.
 */

let h: TestHub;
let cli: CliSession;
let dir: string;
const keys = new Map<string, { identity: string; recipient: string; agent: ProtocolAgent }>();
const password = 'hunter2-but-longer';

async function joinCluster(name: string, labels: Record<string, string>): Promise<void> {
  const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels } });
  expect(c.status, c.text).toBe(201);
  const agent = new ProtocolAgent(h.url);
  expect((await agent.register(c.body.registration.token as string)).status).toBe(201);
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  expect(
    (await agent.call('POST', '/heartbeat', { agentVersion: 'test', ageRecipient: recipient })).status,
  ).toBe(204);
  keys.set(name, { identity, recipient, agent });
}

const sealedFile = () => join(dir, 'app', 'sealed.yaml');
const readSealed = async () => parse(await readFile(sealedFile(), 'utf8'));
const fingerprints = (...names: string[]) =>
  names.map((n) => recipientFingerprint(keys.get(n)!.recipient)).sort();

beforeAll(async () => {
  ({ h, cli } = await startHubWithCli());
  dir = await mkdtemp(join(tmpdir(), 'flotilla-cli-secrets-'));
  await joinCluster('prod-1', { env: 'prod' });
  await joinCluster('prod-2', { env: 'prod' });
  await joinCluster('dev-1', { env: 'dev' });
  await mkdir(join(dir, 'app'));
  await writeFile(
    join(dir, 'secret.yaml'),
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\ntype: kubernetes.io/basic-auth\nstringData:\n  password: ${password}\ndata:\n  username: ${Buffer.from('admin').toString('base64')}\n`,
  );
}, 60_000);
afterAll(async () => {
  await h?.close();
  await cli?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('flotilla secret', () => {
  it('refuses an agent key that is not an age recipient', async () => {
    const res = await keys
      .get('dev-1')!
      .agent.call('POST', '/heartbeat', { agentVersion: 'x', ageRecipient: 'AGE-SECRET-KEY-1X' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('ageRecipient must be an age X25519 recipient');
  });

  it('seal encrypts every value to the selected clusters only, locally', async () => {
    const r = await cli.run([
      'secret',
      'seal',
      '--selector',
      'env=prod',
      '-f',
      join(dir, 'secret.yaml'),
      '--out',
      sealedFile(),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(sealedFile(), 'utf8');
    expect(text).not.toContain(password);
    expect(text).not.toContain(Buffer.from(password).toString('base64'));
    const sealed = parse(text);
    expect(sealed).toMatchObject({
      apiVersion: 'flotilla.io/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 'db', namespace: 'shop' },
      spec: {
        selector: 'env=prod',
        recipients: fingerprints('prod-1', 'prod-2'),
        type: 'kubernetes.io/basic-auth',
      },
    });
    expect(Object.keys(sealed.spec.encryptedData)).toEqual(['password', 'username']);
    for (const name of ['prod-1', 'prod-2']) {
      const d = new Decrypter();
      d.addIdentity(keys.get(name)!.identity);
      expect(await d.decrypt(Buffer.from(sealed.spec.encryptedData.password, 'base64'), 'text')).toBe(
        password,
      );
      expect(await d.decrypt(Buffer.from(sealed.spec.encryptedData.username, 'base64'), 'text')).toBe(
        'admin',
      );
    }
    const outsider = new Decrypter();
    outsider.addIdentity(keys.get('dev-1')!.identity);
    await expect(
      outsider.decrypt(Buffer.from(sealed.spec.encryptedData.password, 'base64')),
    ).rejects.toThrow();
  });

  it('seal for clusters without any key fails and writes nothing', async () => {
    const r = await cli.run(['secret', 'seal', '--selector', 'env=nowhere', '-f', join(dir, 'secret.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no cluster matching 'env=nowhere' has an age key");
    expect(r.stdout).toBe('');
  });

  it('check passes, then names a cluster that joined later; reseal adds it', async () => {
    expect(await cli.ok(['secret', 'check', dir])).toContain('1 sealed secret(s) checked: every one matches');
    await joinCluster('prod-3', { env: 'prod' });
    const r = await cli.run(['secret', 'check', dir, '-o', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      checked: 1,
      needsReseal: [{ file: sealedFile(), name: 'db', selector: 'env=prod', missing: ['prod-3'], stale: [] }],
    });
    expect(r.stderr).toContain('1 sealed secret(s) need a reseal');
    await cli.ok(['secret', 'reseal', '--sealed', sealedFile(), '-f', join(dir, 'secret.yaml')]);
    expect((await readSealed()).spec.recipients).toEqual(fingerprints('prod-1', 'prod-2', 'prod-3'));
    expect((await cli.run(['secret', 'check', dir])).code).toBe(0);
  });

  it('cluster rotate-key asks the agent on its heartbeat; check then shows the stale key', async () => {
    const old = keys.get('prod-1')!;
    const out = await cli.ok(['cluster', 'rotate-key', 'prod-1']);
    expect(out).toContain(`key rotation of prod-1 requested`);
    expect(out).toContain(recipientFingerprint(old.recipient));
    // the agent still sending the old key is asked for a new one
    const asked = await old.agent.call('POST', '/heartbeat', {
      agentVersion: 'test',
      ageRecipient: old.recipient,
    });
    expect(asked.status).toBe(200);
    expect(asked.body).toEqual({ rotateAgeKey: true });
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const done = await old.agent.call('POST', '/heartbeat', {
      agentVersion: 'test',
      ageRecipient: recipient,
    });
    expect(done.status).toBe(204);
    expect(
      (await old.agent.call('POST', '/heartbeat', { agentVersion: 'test', ageRecipient: recipient })).status,
    ).toBe(204);
    const r = await cli.run(['secret', 'check', dir, '-o', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).needsReseal[0]).toMatchObject({
      missing: ['prod-1'],
      stale: [recipientFingerprint(old.recipient)],
    });
  });
});
