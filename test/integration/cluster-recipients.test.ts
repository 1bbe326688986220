import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recipientFingerprint } from '../../src/domain/sealed-secret.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';

/**
 * The hub's half of sealed secrets against a real hub: clusters' public age keys by selector,
 * within what the caller may see; key rotation through the heartbeat answer; bad input.
 */

let h: TestHub;
const agents = new Map<string, { agent: ProtocolAgent; recipient: string }>();
const OPEN = {
  namespaces: ['*'],
  allowedKinds: [{ group: '*', kind: '*' }],
  deniedKinds: [],
  allowSecrets: true,
};

async function join(name: string, labels: Record<string, string>, withKey = true): Promise<void> {
  const c = await h.api('POST', '/api/v1/clusters', { body: { name, labels } });
  expect(c.status, c.text).toBe(201);
  const agent = new ProtocolAgent(h.url);
  expect((await agent.register(c.body.registration.token as string)).status).toBe(201);
  const recipient = await identityToRecipient(await generateX25519Identity());
  if (withKey)
    expect(
      (await agent.call('POST', '/heartbeat', { agentVersion: 't', ageRecipient: recipient })).status,
    ).toBe(204);
  agents.set(name, { agent, recipient });
}

const recipients = (selector: string, token?: string) =>
  h.api('GET', `/api/v1/cluster-recipients?selector=${encodeURIComponent(selector)}`, { token });

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
  await join('red-1', { team: 'red', env: 'prod' });
  await join('red-2', { team: 'red', env: 'dev' });
  await join('blue-1', { team: 'blue', env: 'prod' });
  await join('blue-old', { team: 'blue', env: 'prod' }, false);
  for (const team of ['red', 'blue'])
    expect(
      (
        await h.api('POST', '/api/v1/projects', {
          body: {
            name: team,
            sources: [{ repository: '*' }],
            clusterSelector: `team=${team}`,
            objects: OPEN,
          },
        })
      ).status,
    ).toBe(201);
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('cluster recipients', () => {
  it('lists the keys of the selected clusters, and those without one apart', async () => {
    const res = await recipients('env=prod', await h.token('viewer'));
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      selector: 'env=prod',
      items: ['blue-1', 'red-1'].map((cluster) => ({
        cluster,
        recipient: agents.get(cluster)!.recipient,
        fingerprint: recipientFingerprint(agents.get(cluster)!.recipient),
      })),
      withoutKey: ['blue-old'],
    });
  });

  it("shows a project-scoped token only its projects' clusters", async () => {
    const token = (
      await h.api('POST', '/api/v1/tokens', { body: { name: 'red-viewer', projects: { red: 'viewer' } } })
    ).body.token as string;
    const res = await recipients('env=prod', token);
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: { cluster: string }) => r.cluster)).toEqual(['red-1']);
    expect(res.body.withoutKey).toEqual([]);
  });

  it('refuses a bad selector naming it, and an agent key that is not an age recipient', async () => {
    const res = await recipients('env in (');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/selector/);
    const beat = await agents
      .get('red-1')!
      .agent.call('POST', '/heartbeat', { agentVersion: 't', ageRecipient: 'ssh-ed25519 AAAA' });
    expect(beat.status).toBe(400);
  });

  it('rotation: asked on the heartbeat until the agent sends a new key; refused without a key', async () => {
    expect((await h.api('POST', '/api/v1/clusters/blue-old/rotate-key')).status).toBe(409);
    const { agent, recipient } = agents.get('red-1')!;
    const r = await h.api('POST', '/api/v1/clusters/red-1/rotate-key');
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({
      cluster: 'red-1',
      fingerprint: recipientFingerprint(recipient),
      needsReseal: [],
    });
    // an agent that sends no key (an older one) is asked too; it may ignore the body
    expect((await agent.call('POST', '/heartbeat', { agentVersion: 't' })).body).toEqual({
      rotateAgeKey: true,
    });
    expect(
      (await agent.call('POST', '/heartbeat', { agentVersion: 't', ageRecipient: recipient })).status,
    ).toBe(200);
    const next = await identityToRecipient(await generateX25519Identity());
    expect((await agent.call('POST', '/heartbeat', { agentVersion: 't', ageRecipient: next })).status).toBe(
      204,
    );
    expect((await agent.call('POST', '/heartbeat', { agentVersion: 't', ageRecipient: next })).status).toBe(
      204,
    );
    const after = await recipients('team=red,env=prod');
    expect(after.body.items).toEqual([
      { cluster: 'red-1', recipient: next, fingerprint: recipientFingerprint(next) },
    ]);
  });
});
