/**
 * A chart with Helm hooks rendered by the REAL helm binary with the hub's own `helm template`
 * arguments and output handling, then synced by the real applier to a real API server: the
 * hooks reach the agent exactly as Helm printed them (test hooks dropped by `--skip-tests`) and
 * run as Flotilla sync hooks. The test clusters run no controllers or kubelets, so THE TEST ACTS
 * AS THE JOB CONTROLLER: it writes the migration Job's status through the status subresource.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeClusterClient } from '../../src/agent/cluster/cluster-client.js';
import { prepareManifests, renderManifests } from '../../src/domain/render/render.js';
import { DEFAULT_RENDER_LIMITS } from '../../src/domain/render/render.types.js';
import { helmTemplateArgs } from '../../src/domain/render/source-spec.js';
import { helmOutputFiles } from '../../src/domain/render/tool-output.js';
import { applierFor, countingClient, namespace, uniq } from '../k8s/agent/agent-test-kit.js';
import { controllerFor, whenExists } from '../k8s/agent/controller-kit.js';
import { ensureHelm } from '../support/helm-binary.js';

const CHART_DIR = 'test/fixtures/charts/hooked';
const STATE_NS = 'flotilla-agent-test';

let helm: string;
let client: KubeClusterClient;
let controller: ReturnType<typeof controllerFor>;

beforeAll(async () => {
  helm = await ensureHelm();
  const counting = countingClient(inject('k8sClusters')[0].kubeconfig);
  client = counting.client;
  controller = controllerFor(counting.client, counting.counter);
  await client.apply(namespace(STATE_NS));
}, 600_000);

/** The chart rendered as the hub renders a Helm source: its arguments, its output split, its bundle. */
async function render(release: string, ns: string): Promise<Buffer> {
  const { args } = helmTemplateArgs({
    releaseName: release,
    chartDir: CHART_DIR,
    namespace: ns,
    valuesFiles: [],
  });
  const { stdout } = await promisify(execFile)(helm, args, {
    env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' },
  });
  const files = helmOutputFiles(Buffer.from(stdout), 'hooked');
  const result = renderManifests(
    prepareManifests(files, DEFAULT_RENDER_LIMITS),
    { cluster: { name: 'c', labels: {} }, namespace: ns },
    undefined,
    { substitute: false },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.bundle.canonical;
}

describe('a chart with Helm hooks, rendered by helm', () => {
  it('runs the pre-install hooks by weight before the chart, leaves the delete hook out, and never sees the test', async () => {
    const ns = uniq('hooked');
    await client.apply(namespace(ns));
    const bundle = await render('web', ns);
    const lines = bundle.toString('utf8').trim().split('\n');
    expect(lines.some((l) => l.includes('test-connection'))).toBe(false); // --skip-tests
    expect(lines.filter((l) => l.includes('"helm.sh/hook"'))).toHaveLength(3);

    const { run } = applierFor(client, STATE_NS, uniq('app'));
    const syncing = run([], { fetchBundle: () => Promise.resolve(bundle) });
    await whenExists(() =>
      client.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: 'web-migrate' }),
    );
    // weight -5 ran before weight 5; the chart's own objects wait for the migration
    expect(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'web-seed' }),
    ).not.toBeNull();
    expect(
      await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'web-settings' }),
    ).toBeNull();
    await controller.finishJob(ns, 'web-migrate', true);
    const result = await syncing;

    expect(result.outcome, result.message).toBe('succeeded');
    expect(result.hooks?.map((h) => [h.phase, h.resource, h.outcome])).toEqual([
      ['PreSync', `/ConfigMap/${ns}/web-seed`, 'succeeded'],
      ['PreSync', `batch/Job/${ns}/web-migrate`, 'succeeded'],
    ]);
    expect(
      (await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'web-settings' }))?.data,
    ).toEqual({ version: '1' });
    // hook-succeeded
    expect(
      await client.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: 'web-migrate' }),
    ).toBeNull();
    expect(
      await client.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: 'web-cleanup' }),
    ).toBeNull();
    expect(result.resources).toContainEqual(
      expect.objectContaining({
        id: `batch/Job/${ns}/web-cleanup`,
        action: 'skipped',
        message: expect.stringContaining('Helm pre-delete hook'),
      }),
    );
    expect(result.inventory).toEqual([`/ConfigMap/${ns}/web-settings`]);
  });
});
