/**
 * The set-up many end-to-end tests share: a hub process on a fresh database, one Git repository
 * holding the test's files (registered as `fleet`), one cluster (`prod-eu-1`, labels env=prod)
 * on the first test API server, and a real agent process joined to it.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, inject } from 'vitest';
import { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { freePort } from '../../src/hub/database/embedded-postgres.launcher.js';
import { waitFor } from '../k8s/agent/agent-test-kit.js';
import { createTestDatabase, TEST_ALLOWED_HOSTS } from '../support/hub-harness.js';
import { type HubProcess, startHubProcess, stopHubProcess } from '../support/hub-process.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';
import { AgentProcess } from './agent-process.js';

export const CLUSTER = 'prod-eu-1';

export interface OneClusterFleet {
  hub: HubProcess;
  agent: AgentProcess;
  kube: KubeClusterClient;
  /** A call to the hub's API as the admin: status, text, and the parsed body. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; body: any }>;
  /** Stops the agent and the hub, removes `namespaces` and the given cluster-scoped paths. */
  close(cleanup?: string[]): Promise<void>;
}

export async function startOneClusterFleet(opts: {
  admin: string;
  files: Record<string, string>;
  message: string;
}): Promise<OneClusterFleet> {
  await promisify(execFile)(process.execPath, [
    'node_modules/typescript/bin/tsc',
    '-p',
    'tsconfig.build.json',
  ]);
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-'));
  await chmod(dataDir, 0o711);
  const databaseUrl = await createTestDatabase(inject('postgresUrl'));
  const fx: VcsFixture = await gitFixture(false);
  const repo = await fx.createRepo();
  await fx.externalCommit(repo, opts.files, opts.message);
  const hub = await startHubProcess({
    port: await freePort(),
    env: {
      FLOTILLA_DATA_DIR: dataDir,
      FLOTILLA_ADMIN_TOKEN: opts.admin,
      DATABASE_URL: databaseUrl,
      FLOTILLA_REPOSITORY_ALLOWED_HOSTS: TEST_ALLOWED_HOSTS,
      // a long periodic look: what the tests see comes from agents' reports and results
      FLOTILLA_SWEEP_INTERVAL_MS: '600000',
      FLOTILLA_RECONCILE_INTERVAL_SECONDS: '0',
      FLOTILLA_POLL_TICK_MS: '0',
    },
  });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(hub.url + path, {
      method,
      headers: { authorization: `Bearer ${opts.admin}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : null };
  };
  expect(
    (await api('POST', '/api/v1/repositories', { name: 'fleet', type: 'git', url: repo.url })).status,
  ).toBe(201);
  const cluster = inject('k8sClusters')[0];
  const c = await api('POST', '/api/v1/clusters', { name: CLUSTER, labels: { env: 'prod' } });
  expect(c.status, c.text).toBe(201);
  const kube = KubeClusterClient.fromConfig({ kubeconfig: cluster.kubeconfig });
  const agent = await AgentProcess.start({
    name: CLUSTER,
    hubUrl: hub.url,
    kubeconfig: cluster.kubeconfig,
    registrationToken: c.body.registration.token,
  });
  await waitFor(
    'agent connected',
    async () => (await api('GET', `/api/v1/clusters/${CLUSTER}`)).body.connectionState === 'Connected',
    60_000,
  );
  return {
    hub,
    agent,
    kube,
    api,
    async close(cleanup = []) {
      await agent.stop();
      await stopHubProcess(hub);
      await fx.close();
      await rm(dataDir, { recursive: true, force: true });
      for (const path of cleanup) await kube.transport.request('DELETE', path).catch(() => undefined);
      kube.close();
    },
  };
}
