/**
 * Custom health checks in the agent, against a real API server with a real custom resource
 * definition. The API server runs no controllers, so THE TEST ACTS AS THE WIDGET CONTROLLER: it
 * writes the Widgets' status through the status subresource. A Widget has no Ready condition, so
 * the built-in rules call it Current at once; the job's CEL rule makes the agent wait for
 * `status.phase`, report Failed when the controller says so, and Unknown when a rule runs away.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Applier } from '../../../src/agent/apply/applier.js';
import { ConfigMapInventoryStore } from '../../../src/agent/apply/inventory-store.js';
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import { FileStateStore } from '../../../src/agent/state-store.js';
import type { Agent } from '../../../src/agent/agent.js';
import { compileHealthChecks, type HealthCheckRule } from '../../../src/domain/health/custom-health.js';
import { vmDeadline } from '../../../src/domain/health/vm-deadline.js';
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

const STATE_NS = 'flotilla-agent-test';
const GROUP = `${uniq('health')}.flotilla.test`;
let client: KubeClusterClient;

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};

const widget = (ns: string, name: string, wave?: number) => ({
  apiVersion: `${GROUP}/v1`,
  kind: 'Widget',
  metadata: {
    name,
    namespace: ns,
    ...(wave === undefined ? {} : { annotations: { 'flotilla.io/sync-wave': String(wave) } }),
  },
  spec: { size: 1 },
});

const rule: HealthCheckRule = {
  group: GROUP,
  kind: 'Widget',
  inProgress: 'status.?phase.orValue("Pending") == "Pending"',
  failed: 'status.?phase.orValue("") == "Broken"',
  current: 'status.?phase.orValue("") == "Ready"',
};

/** As the Widget controller would: writes the status subresource. */
async function setStatus(ns: string, name: string, status: Record<string, unknown>): Promise<void> {
  const path = `/apis/${GROUP}/v1/namespaces/${ns}/widgets/${name}/status`;
  const res = await client.transport.request('PATCH', path, {
    body: { status },
    contentType: 'application/merge-patch+json',
  });
  if (res.status >= 300) throw new Error(`status patch: ${res.status} ${JSON.stringify(res.body)}`);
}

const cm = (ns: string, name: string) =>
  client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });

beforeAll(async () => {
  ({ client } = countingClient(inject('k8sClusters')[0].kubeconfig));
  await client.apply(namespace(STATE_NS));
  await client.apply(crd);
  // served, and listable: right after a CRD is created its storage answers "(re)initializing"
  await waitFor(
    'the Widget CRD served and its storage ready',
    async () => (await client.transport.request('GET', `/apis/${GROUP}/v1/widgets`)).status === 200,
    60_000,
  );
});

// Each waits on a real API server the whole suite shares: minutes, not the default minute.
describe('the applier with custom health checks', { timeout: 180_000 }, () => {
  it('gates a sync wave on the rule: wave 1 waits until the controller says Ready', async () => {
    const ns = uniq('custom-health');
    await client.apply(namespace(ns));
    const compiled = compileHealthChecks([[rule]], vmDeadline);
    if (!compiled.ok) throw new Error('rule refused');
    const applier = new Applier(client, new ConfigMapInventoryStore(client, STATE_NS), {
      healthTimeoutMs: 120_000,
    });
    const running = applier.reconcile({
      applicationId: uniq('app'),
      applicationName: 'widgets',
      kind: 'sync',
      prune: true,
      force: false,
      fetchBundle: () =>
        Promise.resolve(
          bundleOf([
            widget(ns, 'w', 0),
            configMap(ns, 'after', { a: '1' }, { 'flotilla.io/sync-wave': '1' }),
          ]),
        ),
      health: compiled.value,
    });
    // a minute: the whole suite shares this API server, and the applier learns the new kind first
    await waitFor(
      'the Widget applied',
      () => client.get({ apiVersion: `${GROUP}/v1`, kind: 'Widget', namespace: ns, name: 'w' }),
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    // built-in rules would have called the status-less Widget Current and gone on
    expect(await cm(ns, 'after')).toBeNull();
    await setStatus(ns, 'w', { phase: 'Ready' });
    const outcome = await running;
    expect(outcome.outcome, outcome.message).toBe('succeeded');
    expect(await cm(ns, 'after')).not.toBeNull();
    const reported = outcome.resources.find((r) => r.id === `${GROUP}/Widget/${ns}/w`);
    expect(reported?.health).toBe('Current');
    expect(reported?.healthMessage).toBe(`health check ${GROUP}/Widget: current is true`);
  });
});

describe('an agent given jobs with custom health checks', { timeout: 240_000 }, () => {
  let hub: ScriptedHub;
  let agent: Agent;
  const ns = uniq('custom-health-agent');
  const appId = uniq('app');

  beforeAll(async () => {
    hub = new ScriptedHub();
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-agent-state-'));
    ({ agent } = testAgent({
      client,
      hub,
      store: new FileStateStore(dir),
      namespace: STATE_NS,
      registrationToken: 'reg',
    }));
    void agent.start();
  });

  afterAll(async () => {
    await agent.stop();
  });

  /** The newest health the agent reported for the Widget (job result or status report). */
  function reportedHealth(name: string): { health?: string; healthMessage?: string } | undefined {
    const id = `${GROUP}/Widget/${ns}/${name}`;
    const fromStatus = hub.statuses.flatMap((s) => s.resources).filter((r) => r.resource === id);
    if (fromStatus.length) return fromStatus.at(-1);
    return hub.results.flatMap((r) => r.result.resources).find((r) => r.id === id);
  }

  it('reports the rule’s verdicts as the controller moves the object, and Unknown for a runaway rule', async () => {
    const job = hub.queueSync(appId, [namespace(ns), widget(ns, 'w')], { healthChecks: [rule] });
    const result = await waitFor('the job result', () => hub.results.find((r) => r.jobId === job.id));
    expect(result.result.outcome, result.result.message).toBe('succeeded');
    expect(reportedHealth('w')?.health).toBe('InProgress');

    await setStatus(ns, 'w', { phase: 'Broken', message: 'disk full' });
    await waitFor('Failed reported', () => reportedHealth('w')?.health === 'Failed', 60_000);
    expect(reportedHealth('w')?.healthMessage).toBe(
      `health check ${GROUP}/Widget: failed is true: disk full`,
    );

    await setStatus(ns, 'w', { phase: 'Ready', message: null });
    await waitFor('Current reported', () => reportedHealth('w')?.health === 'Current', 60_000);

    // A rule whose evaluation runs away is stopped at its deadline: Unknown, and the agent goes on.
    const slow: HealthCheckRule = {
      ...rule,
      inProgress: undefined,
      failed: undefined,
      current: 'status.items.all(a, status.items.all(b, a == b || a != b))',
    };
    const next = hub.queueSync(appId, [namespace(ns), widget(ns, 'w')], { healthChecks: [slow] });
    await waitFor('the second job result', () => hub.results.find((r) => r.jobId === next.id), 60_000);
    await setStatus(ns, 'w', { items: Array.from({ length: 5000 }, (_, i) => i) });
    await waitFor('Unknown reported', () => reportedHealth('w')?.health === 'Unknown', 60_000);
    expect(reportedHealth('w')?.healthMessage).toContain('took longer than 50 ms');
  });

  it("never reports a Secret's data in the health message of a rule on core/Secret, in a job or after drift", async () => {
    const token = Buffer.from('hunter2-bundle-token').toString('base64');
    const edited = Buffer.from('hunter3-edited-in-the-cluster').toString('base64');
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: ns },
      data: { token },
    };
    // CEL errors quote the value they failed on: "No such key: <value>"; substring() gets past
    // a scrubber that looks for whole values
    const leaky: HealthCheckRule = {
      group: '',
      kind: 'Secret',
      current: 'data[data.token.substring(2)] == "x"',
    };
    const job = hub.queueSync(appId, [namespace(ns), secret], { healthChecks: [leaky], selfHeal: true });
    const result = await waitFor('the job result', () => hub.results.find((r) => r.jobId === job.id), 60_000);
    const id = `/Secret/${ns}/creds`;
    const reported = result.result.resources.find((r) => r.id === id);
    expect(reported?.healthMessage).toBe(
      "health check core/Secret: no expression is true yet: current: failed on this Secret (the error is not shown: it may quote the Secret's data)",
    );

    // someone edits the Secret in the cluster: the drift watcher judges the new value
    const res = await client.transport.request('PATCH', `/api/v1/namespaces/${ns}/secrets/creds`, {
      body: { data: { token: edited } },
      contentType: 'application/merge-patch+json',
    });
    expect(res.status).toBe(200);
    await waitFor('the drift reported', () =>
      hub.statuses.some((s) => s.resources.some((r) => r.resource === id && r.drifted)),
    );
    const sent = JSON.stringify([hub.results, hub.statuses]);
    for (const value of [token, edited])
      for (const part of [value, value.slice(2), Buffer.from(value, 'base64').toString()])
        expect(sent).not.toContain(part);
  });

  it('fails a job whose rule it cannot compile, naming the rule, and applies nothing', async () => {
    const job = hub.queueSync(
      appId,
      [namespace(ns), widget(ns, 'w'), configMap(ns, 'not-applied', { a: '1' })],
      {
        healthChecks: [{ ...rule, current: 'status.phase ==' }],
      },
    );
    const result = await waitFor('the job result', () => hub.results.find((r) => r.jobId === job.id), 60_000);
    expect(result.result.outcome).toBe('failed');
    expect(result.result.retryable).toBe(false);
    expect(result.result.message).toBe(
      `health checks: health check ${GROUP}/Widget: current: Unexpected token: EOF`,
    );
    expect(await cm(ns, 'not-applied')).toBeNull();
  });
});
