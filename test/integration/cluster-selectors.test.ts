import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

let h: TestHub;
const fleet: Record<string, Record<string, string>> = {
  'eu-prod-1': { env: 'prod', region: 'eu', tier: 'core' },
  'eu-prod-2': { env: 'prod', region: 'eu', tier: 'edge' },
  'us-prod-1': { env: 'prod', region: 'us' },
  'ap-prod-1': { env: 'prod', region: 'ap', tier: 'core' },
  'eu-dev-1': { env: 'dev', region: 'eu', legacy: 'true' },
  'lab-1': {},
};

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
  for (const [name, labels] of Object.entries(fleet))
    await h.api('POST', '/api/v1/clusters', { body: { name, labels } });
});
afterAll(async () => {
  await h?.close();
});

async function select(selector: string): Promise<string[]> {
  const res = await h.api('GET', `/api/v1/clusters?limit=500&selector=${encodeURIComponent(selector)}`);
  expect(res.status).toBe(200);
  return res.body.items.map((c: { name: string }) => c.name);
}

describe('cluster label selectors', () => {
  it.each([
    ['', ['ap-prod-1', 'eu-dev-1', 'eu-prod-1', 'eu-prod-2', 'lab-1', 'us-prod-1']],
    ['env=prod', ['ap-prod-1', 'eu-prod-1', 'eu-prod-2', 'us-prod-1']],
    ['env==prod,region=eu', ['eu-prod-1', 'eu-prod-2']],
    ['env=prod,tier!=edge', ['ap-prod-1', 'eu-prod-1', 'us-prod-1']],
    ['env=prod,tier!=edge,region in (eu,us)', ['eu-prod-1', 'us-prod-1']],
    ['region notin (eu,us)', ['ap-prod-1', 'lab-1']],
    ['tier', ['ap-prod-1', 'eu-prod-1', 'eu-prod-2']],
    ['!tier', ['eu-dev-1', 'lab-1', 'us-prod-1']],
    ['legacy=true', ['eu-dev-1']],
    ['env=staging', []],
  ])('"%s"', async (selector, expected) => {
    expect(await select(selector)).toEqual(expected);
  });
});

describe('keyset pagination', () => {
  it('walks every page once, even while clusters are being added concurrently', async () => {
    const existing = await select('');
    let adding = true;
    let added = 0;
    const writer = (async () => {
      while (adding) {
        await h.api('POST', '/api/v1/clusters', { body: { name: `zz-concurrent-${++added}` } });
      }
    })();
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.api('GET', `/api/v1/clusters?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      walked.push(...res.body.items.map((c: { name: string }) => c.name));
      cursor = res.body.nextCursor;
    } while (cursor);
    adding = false;
    await writer;
    // No duplicates, sorted, and every cluster that existed before the walk was seen.
    expect(new Set(walked).size).toBe(walked.length);
    expect(walked).toEqual([...walked].sort());
    for (const name of existing) expect(walked).toContain(name);
    expect(added).toBeGreaterThan(0);
  });

  it('returns nextCursor null on the last page', async () => {
    const res = await h.api('GET', '/api/v1/clusters?limit=500');
    expect(res.body.nextCursor).toBeNull();
  });
});
