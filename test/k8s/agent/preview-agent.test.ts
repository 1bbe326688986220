/**
 * Preview jobs through the agent: taken from the poll, run on their own queue (two at once, next
 * to syncs), skipped when expired, answered once, and an answer the hub refuses dropped.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import { AgentPreviews, previewReportId } from '../../../src/agent/preview/agent-previews.js';
import { ClusterStateStore } from '../../../src/agent/state-store.js';
import {
  bundleOf,
  configMap,
  countingClient,
  namespace,
  ScriptedHub,
  testAgent,
  uniq,
  waitFor,
} from './agent-test-kit.js';
import { byId, previewDeps, previewJob, STATE_NS } from './preview-kit.js';

let client: KubeClusterClient;

beforeAll(async () => {
  ({ client } = countingClient(inject('k8sClusters')[0].kubeconfig));
  await client.apply(namespace(STATE_NS));
});

const deps = () => previewDeps(client);
const job = previewJob;

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
