import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import { ClusterStateStore } from '../../../src/agent/state-store.js';
import { countingClient, namespace, ScriptedHub, testAgent, uniq, waitFor } from './agent-test-kit.js';

/**
 * Secret values never leave the cluster in a report: a real agent against a real API server,
 * with the hub scripted so every byte the agent sends can be searched.
 */

let client: KubeClusterClient;
beforeAll(() => {
  ({ client } = countingClient(inject('k8sClusters')[0].kubeconfig));
});
afterAll(() => client.close());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const MARKER = /^\(redacted hmac:[0-9a-f]{12}\)$/;

describe('secret redaction in the agent', () => {
  it('a Secret edited live, and a field listed in flotilla.io/redact, are reported as changed with keyed hashes only', async () => {
    const appNs = uniq('redact');
    const agentNs = uniq('redact-agent');
    await client.apply(namespace(appNs));
    await client.apply(namespace(agentNs));
    const desiredPassword = `desired-${randomBytes(6).toString('hex')}`;
    const livePassword = `live-${randomBytes(6).toString('hex')}`;
    const desiredToken = `tok-${randomBytes(6).toString('hex')}`;
    const liveToken = `intruder-${randomBytes(6).toString('hex')}`;
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: appNs },
      type: 'Opaque',
      data: { password: b64(desiredPassword) },
    };
    const settings = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: appNs, annotations: { 'flotilla.io/redact': '/data/token' } },
      data: { token: desiredToken, colour: 'blue' },
    };
    const hub = new ScriptedHub();
    const { agent, logs } = testAgent({
      client,
      hub,
      store: new ClusterStateStore(client, agentNs, 'cred'),
      namespace: agentNs,
      registrationToken: 'flotilla-registration-token',
    });
    await agent.start();
    try {
      const appId = randomUUID();
      const job = hub.queueSync(appId, [secret, settings], { selfHeal: false });
      await waitFor('synced', () => hub.results.find((r) => r.jobId === job.id));
      expect(hub.results[0].result.outcome, hub.results[0].result.message).toBe('succeeded');

      const patch = (path: string, body: object) =>
        client.transport.request('PATCH', `${path}?fieldManager=intruder`, {
          contentType: 'application/merge-patch+json',
          body,
        });
      expect(
        (await patch(`/api/v1/namespaces/${appNs}/secrets/creds`, { data: { password: b64(livePassword) } }))
          .status,
      ).toBe(200);
      expect(
        (
          await patch(`/api/v1/namespaces/${appNs}/configmaps/settings`, {
            data: { token: liveToken, colour: 'red' },
          })
        ).status,
      ).toBe(200);
      const drift = async (resource: string) =>
        waitFor(`drift of ${resource}`, () =>
          hub.events('drift.detected').find((e) => e.resource === resource),
        );
      const secretDrift = await drift(`/Secret/${appNs}/creds`);
      const [live, want] = secretDrift.diff!.split('\n');
      expect(live).toMatch(/^- \/data\/password: /);
      expect(want).toMatch(/^\+ \/data\/password: /);
      expect(live.slice('- /data/password: '.length)).toMatch(MARKER);
      expect(want.slice('+ /data/password: '.length)).toMatch(MARKER);
      expect(live.slice(2)).not.toBe(want.slice(2)); // it shows that the value changed

      const cmDrift = await drift(`/ConfigMap/${appNs}/settings`);
      expect(cmDrift.diff).toContain('- /data/colour: "red"\n+ /data/colour: "blue"');
      expect(cmDrift.diff).toMatch(/- \/data\/token: \(redacted hmac:[0-9a-f]{12}\)/);

      // Nothing the agent sent or logged holds a value, raw or base64.
      const sent = JSON.stringify({ statuses: hub.statuses, results: hub.results });
      const logged = JSON.stringify(logs);
      for (const value of [desiredPassword, livePassword, desiredToken, liveToken])
        for (const form of [value, b64(value)]) {
          expect(sent).not.toContain(form);
          expect(logged).not.toContain(form);
        }
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('an API server error about a Secret does not carry its value to the hub', async () => {
    const appNs = uniq('redact-bad');
    const agentNs = uniq('redact-bad-agent');
    await client.apply(namespace(appNs));
    await client.apply(namespace(agentNs));
    const value = `not base64 ${randomBytes(6).toString('hex')}!`;
    const hub = new ScriptedHub();
    const { agent, logs } = testAgent({
      client,
      hub,
      store: new ClusterStateStore(client, agentNs, 'cred'),
      namespace: agentNs,
      registrationToken: 'flotilla-registration-token',
    });
    await agent.start();
    try {
      const job = hub.queueSync(randomUUID(), [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'broken', namespace: appNs },
          data: { password: value },
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'typed', namespace: appNs },
          data: { pin: 918273645 },
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'keyed', namespace: appNs },
          stringData: { [`bad key ${value}`]: value },
        },
      ]);
      const { result } = await waitFor('reported', () => hub.results.find((r) => r.jobId === job.id));
      expect(result.outcome).toBe('failed');
      const sent = JSON.stringify(result);
      const logged = JSON.stringify(logs);
      for (const secretText of [value, '918273645']) {
        expect(sent).not.toContain(secretText);
        expect(logged).not.toContain(secretText);
      }
      // The server does quote values (a wrong-typed field): the agent cut them out.
      const typed = result.resources.find((r) => r.id === `/Secret/${appNs}/typed`)!;
      expect(typed.message).toContain('.data.pin: expected string');
      expect(typed.message).toContain('(redacted)');
    } finally {
      await agent.stop();
    }
  }, 60_000);
});
