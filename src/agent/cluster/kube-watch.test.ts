import { describe, expect, it } from 'vitest';
import { LabelWatch, type WatchEvent, type WatchSource } from './kube-watch.js';

const cm = (name: string, rv: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

/** A source whose every stream delivers `lines` lines and then fails like a reset connection. */
function failingSource(lines: number) {
  const opens: number[] = [];
  let rv = 10;
  const source: WatchSource = {
    list: () => Promise.resolve({ items: [cm('a', String(rv))], resourceVersion: String(rv) }),
    stream: (_rv, onLine) => {
      opens.push(Date.now());
      for (let i = 0; i < lines; i++)
        onLine(JSON.stringify({ type: 'MODIFIED', object: cm('a', String(++rv)) }));
      return Promise.reject(new Error('read ECONNRESET'));
    },
  };
  return { source, opens };
}

async function run(lines: number, reopenings: number): Promise<{ elapsed: number; events: WatchEvent[] }> {
  const { source, opens } = failingSource(lines);
  const events: WatchEvent[] = [];
  const watch = new LabelWatch(source, 'v1', 'ConfigMap', (e) => events.push(e), {
    minBackoffMs: 20,
    maxBackoffMs: 10_000,
  });
  watch.start();
  while (opens.length < reopenings + 1) await new Promise((r) => setTimeout(r, 5));
  watch.stop();
  return { elapsed: opens[reopenings] - opens[0], events };
}

describe('LabelWatch backoff', () => {
  it('a stream that worked before failing reconnects after the minimum delay, however often it happened', async () => {
    const { elapsed, events } = await run(1, 6);
    // 6 reconnects at 20 ms; without the reset: 20+40+80+160+320+640 = 1,260 ms.
    expect(elapsed).toBeLessThan(600);
    expect(events.filter((e) => e.type === 'MODIFIED').length).toBeGreaterThanOrEqual(6);
  });

  it('a stream that fails before delivering anything backs off exponentially', async () => {
    const { elapsed } = await run(0, 5);
    expect(elapsed).toBeGreaterThanOrEqual(20 + 40 + 80 + 160 + 320 - 20);
  });
});

describe('LabelWatch keeps objects without managedFields', () => {
  it('from the list and from watch events, and reports them the same way', async () => {
    const owned = (name: string, rv: string) => ({
      ...cm(name, rv),
      metadata: {
        ...cm(name, rv).metadata,
        managedFields: [{ manager: 'flotilla-agent', operation: 'Apply', fieldsV1: { 'f:data': {} } }],
      },
      data: { a: '1' },
    });
    const events: WatchEvent[] = [];
    let streamed = false;
    const watch = new LabelWatch(
      {
        list: () => Promise.resolve({ items: [owned('a', '1')], resourceVersion: '1' }),
        stream: (_rv, onLine, signal) => {
          if (!streamed) onLine(JSON.stringify({ type: 'ADDED', object: owned('b', '2') }));
          streamed = true;
          return new Promise((resolve) => signal.addEventListener('abort', () => resolve()));
        },
      },
      'v1',
      'ConfigMap',
      (e) => events.push(e),
      {},
    );
    watch.start();
    while (events.length < 2) await new Promise((r) => setTimeout(r, 5));
    watch.stop();
    for (const o of [...watch.objects(), ...events.map((e) => e.object)]) {
      expect(o.metadata).not.toHaveProperty('managedFields');
      expect(o).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
    }
    expect(watch.objects().map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });
});
