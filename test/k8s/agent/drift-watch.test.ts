import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient } from '../../../src/agent/cluster/cluster-client.js';
import {
  HttpsKubeTransport,
  loadKubeConfig,
  type KubeRequestOptions,
  type KubeResponse,
  type KubeTransport,
} from '../../../src/agent/cluster/kube-transport.js';
import { DriftWatcher, type DriftNotice } from '../../../src/agent/drift-watcher.js';
import { applierFor, configMap, namespace, uniq, waitFor } from './agent-test-kit.js';

/**
 * A transport whose watch streams the test can break: `drop()` cuts every open stream as a
 * reset connection would, `hold()` keeps new streams from opening until `release()`, and
 * `goneNext()` answers the next stream with 410 Gone, as for a resourceVersion compacted away.
 */
class FaultyTransport implements KubeTransport {
  readonly opened: string[] = [];
  readonly answers: string[] = [];
  private readonly open = new Set<AbortController>();
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  private gone = false;

  constructor(private readonly inner: KubeTransport) {}

  request(method: string, path: string, options?: KubeRequestOptions): Promise<KubeResponse> {
    return this.inner.request(method, path, options);
  }

  async stream(path: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    if (this.gate) await this.gate;
    this.opened.push(path);
    if (this.gone) {
      // What a kube-apiserver sends for a compacted resourceVersion (etcd compaction cannot be
      // forced here: a fresh server still has every version, and replays them instead).
      this.gone = false;
      const rv = /resourceVersion=(\d+)/.exec(path)?.[1];
      const line = JSON.stringify({
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${rv} (${Number(rv) + 1000})`,
          reason: 'Expired',
          code: 410,
        },
      });
      this.answers.push(line);
      return onLine(line);
    }
    const cut = new AbortController();
    signal.addEventListener('abort', () => cut.abort(), { once: true });
    this.open.add(cut);
    try {
      await this.inner.stream(
        path,
        (line) => {
          this.answers.push(line);
          onLine(line);
        },
        cut.signal,
      );
    } finally {
      this.open.delete(cut);
    }
    if (cut.signal.aborted && !signal.aborted) throw new Error('read ECONNRESET (cut by the test)');
  }

  get streams(): number {
    return this.open.size;
  }
  drop(): void {
    for (const c of this.open) c.abort();
  }
  hold(): void {
    this.gate = new Promise((r) => (this.openGate = r));
  }
  release(): void {
    this.openGate?.();
    this.gate = null;
  }
  goneNext(): void {
    this.gone = true;
  }
  close(): void {
    this.inner.close();
  }
}

let admin: KubeClusterClient;
let faulty: FaultyTransport;
let client: KubeClusterClient;

beforeAll(() => {
  const kubeconfig = inject('k8sClusters')[0].kubeconfig;
  admin = KubeClusterClient.fromConfig({ kubeconfig });
  faulty = new FaultyTransport(new HttpsKubeTransport(loadKubeConfig({ kubeconfig })));
  client = new KubeClusterClient(faulty);
});
afterAll(() => {
  client.close();
  admin.close();
});

describe('drift watch restarts', () => {
  it('recovers from a dropped stream and from 410 Gone, and still detects and corrects edits', async () => {
    const ns = uniq('watch');
    const appId = randomUUID();
    await admin.apply(namespace(ns));
    const { run } = applierFor(admin, 'default', appId);
    const outcome = await run([configMap(ns, 'watched', { color: 'blue' })]);
    expect(outcome.outcome, outcome.message).toBe('succeeded');

    const detected: DriftNotice[] = [];
    const corrected: DriftNotice[] = [];
    const watchErrors: string[] = [];
    const watcher = new DriftWatcher(
      client,
      {
        detected: (n) => detected.push(n),
        corrected: (n) => corrected.push(n),
        failed: (_n, e) => watchErrors.push(`heal: ${(e as Error).message}`),
        watchError: (_kind, e) => watchErrors.push((e as Error).message),
      },
      () => 'test-redaction-key',
    );
    const edit = async (color: string) => {
      const res = await admin.transport.request(
        'PATCH',
        `/api/v1/namespaces/${ns}/configmaps/watched?fieldManager=intruder`,
        { contentType: 'application/merge-patch+json', body: { data: { color } } },
      );
      expect(res.status).toBe(200);
    };
    const color = async () =>
      (
        (await admin.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'watched' }))?.data as
          Record<string, string> | undefined
      )?.color;
    const healedFrom = async (intruded: string, n: number) => {
      await waitFor(`drift ${n} detected`, () => detected.length === n);
      expect(detected[n - 1].diff).toContain(intruded);
      await waitFor(`drift ${n} corrected`, async () => corrected.length === n && (await color()) === 'blue');
    };

    try {
      watcher.setDesired(
        { applicationId: appId, revision: 'r1', selfHeal: true, ignoreDifferences: [] },
        outcome.applied,
      );
      await waitFor('watch open', () => faulty.streams === 1);
      await edit('red');
      await healedFrom('red', 1);

      // 1. The connection drops; the watch re-lists and opens a new stream.
      const before = faulty.opened.length;
      faulty.drop();
      await waitFor('watch reopened', () => faulty.opened.length > before && faulty.streams === 1);
      expect(watchErrors.some((e) => e.includes('ECONNRESET'))).toBe(true);
      await edit('green');
      await healedFrom('green', 2);

      // 2. An edit made while no stream is open is found by the re-list.
      faulty.hold();
      faulty.drop();
      await waitFor('stream down', () => faulty.streams === 0);
      await edit('yellow');
      await new Promise((r) => setTimeout(r, 200));
      expect(detected).toHaveLength(2);
      faulty.release();
      await healedFrom('yellow', 3);

      // 3. The server answers 410 Gone (resourceVersion compacted away): re-list, carry on.
      const opened = faulty.opened.length;
      faulty.goneNext();
      faulty.drop();
      await waitFor(
        'watch reopened after 410',
        () => faulty.opened.length >= opened + 2 && faulty.streams === 1,
      );
      expect(faulty.answers.some((l) => l.includes('"code":410'))).toBe(true);
      expect(watchErrors.filter((e) => e.includes('410'))).toEqual([]); // expected, not an error
      await edit('purple');
      await healedFrom('purple', 4);

      // Deletion while the watch is healthy is still seen.
      await admin.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'watched' });
      await waitFor('deleted object recreated', async () => (await color()) === 'blue');
      expect(detected.at(-1)!.deleted).toBe(true);
    } finally {
      watcher.stop();
    }
  }, 60_000);

  it('an object deleted before the watch opened (an agent restarted, then it went) is recreated', async () => {
    const ns = uniq('gone');
    const appId = randomUUID();
    await admin.apply(namespace(ns));
    const { run } = applierFor(admin, 'default', appId);
    const outcome = await run([configMap(ns, 'gone', { color: 'blue' })]);
    expect(outcome.outcome, outcome.message).toBe('succeeded');
    // Deleted while no watcher runs: no watch will ever see an event for it.
    await admin.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'gone' });
    const detected: DriftNotice[] = [];
    const watcher = new DriftWatcher(
      admin,
      { detected: (n) => detected.push(n), corrected: () => undefined, failed: () => undefined },
      () => 'test-redaction-key',
    );
    try {
      watcher.setDesired(
        { applicationId: appId, revision: 'r1', selfHeal: true, ignoreDifferences: [] },
        outcome.applied,
      );
      await waitFor('recreated', async () =>
        Boolean(await admin.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'gone' })),
      );
      expect(detected).toHaveLength(1);
      expect(detected[0]).toMatchObject({ deleted: true, resource: `/ConfigMap/${ns}/gone` });
    } finally {
      watcher.stop();
    }
  }, 60_000);
});
