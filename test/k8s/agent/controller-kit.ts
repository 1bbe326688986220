/**
 * The test clusters run no controllers or kubelets, so tests that wait on health act as the
 * controllers themselves: they write Deployment and Job status through the status subresource,
 * exactly as the deployment and job controllers would.
 */
import type { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import type { CountingTransport } from './agent-test-kit.js';

/** Status writes for one cluster, through `counter` (the raw transport of `client`). */
export function controllerFor(client: KubeClusterClient, counter: CountingTransport) {
  /** Writes status through the status subresource, as a controller does. */
  async function writeStatus(path: string, status: object): Promise<void> {
    const res = await counter.request('PATCH', `${path}/status`, {
      body: { status },
      contentType: 'application/merge-patch+json',
    });
    if (res.status !== 200) throw new Error(`status write ${res.status}: ${JSON.stringify(res.body)}`);
  }

  /** The deployment controller's report of a finished rollout of 2 replicas. */
  async function makeReady(ns: string, name: string): Promise<void> {
    const live = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name });
    await writeStatus(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`, {
      observedGeneration: live!.metadata.generation,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }],
    });
  }

  /** The job controller's report of a Job that completed, or failed. */
  async function finishJob(ns: string, name: string, ok: boolean): Promise<void> {
    const now = new Date().toISOString();
    await writeStatus(
      `/apis/batch/v1/namespaces/${ns}/jobs/${name}`,
      ok
        ? {
            startTime: now,
            completionTime: now,
            succeeded: 1,
            conditions: [
              {
                type: 'SuccessCriteriaMet',
                status: 'True',
                reason: 'CompletionsReached',
                lastTransitionTime: now,
              },
              { type: 'Complete', status: 'True', reason: 'CompletionsReached', lastTransitionTime: now },
            ],
          }
        : {
            startTime: now,
            failed: 1,
            conditions: [
              {
                type: 'FailureTarget',
                status: 'True',
                reason: 'BackoffLimitExceeded',
                lastTransitionTime: now,
              },
              {
                type: 'Failed',
                status: 'True',
                reason: 'BackoffLimitExceeded',
                message: 'Job has reached the specified backoff limit',
                lastTransitionTime: now,
              },
            ],
          },
    );
  }

  return { writeStatus, makeReady, finishJob };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `read` finds the object (the applier created it). */
export async function whenExists(read: () => Promise<object | null>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await read()) return;
    await sleep(50);
  }
  throw new Error('object never created');
}
