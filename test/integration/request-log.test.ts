/**
 * The hub's request log: one line per request with its id, method, URL, status and time; the
 * client's request id echoed when it is a safe one; the SSO callback's query never logged.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

let h: TestHub;

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
});
afterAll(async () => {
  await h?.close();
});

interface Line {
  level: string;
  msg: string;
  req?: { id: string; method: string; url: string };
  res?: { statusCode: number };
  responseTime?: number;
}

/** The request lines logged for requests with this id. */
async function linesFor(id: string): Promise<Line[]> {
  // the line is written when the response has ended, a moment after the client read it
  for (let i = 0; i < 50; i++) {
    const lines = h.logs.map((l) => JSON.parse(l) as Line).filter((l) => l.req?.id === id);
    if (lines.length) return lines;
    await new Promise((r) => setTimeout(r, 20));
  }
  return [];
}

describe('request log', () => {
  it('logs each request once with its id, method, URL, status and time, at a level by status', async () => {
    const ok = await h.api('GET', '/api/v1/clusters', { headers: { 'x-request-id': 'trace-ok.1' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBe('trace-ok.1');
    const [line] = await linesFor('trace-ok.1');
    expect(line).toMatchObject({
      msg: 'request completed',
      level: 'info',
      req: { method: 'GET', url: '/api/v1/clusters' },
      res: { statusCode: 200 },
    });
    expect(typeof line.responseTime).toBe('number');
    expect(await linesFor('trace-ok.1')).toHaveLength(1);

    const missing = await h.api('GET', '/api/v1/clusters/nope', { headers: { 'x-request-id': 'trace-404' } });
    expect(missing.status).toBe(404);
    expect((await linesFor('trace-404'))[0]).toMatchObject({ level: 'warn', res: { statusCode: 404 } });
  });

  it('replaces a request id that is not safe to log, and echoes the new one', async () => {
    const res = await h.api('GET', '/api/v1/clusters', { headers: { 'x-request-id': 'bad id\tinjected' } });
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await linesFor(id)).toHaveLength(1);
    expect(h.logs.join('\n')).not.toContain('injected');
  });

  it("never logs the SSO callback's query", async () => {
    await h.api('GET', '/api/v1/auth/sso/callback?code=secret-code-123&state=s', {
      token: null,
      headers: { 'x-request-id': 'trace-sso' },
    });
    const [line] = await linesFor('trace-sso');
    expect(line.req?.url).toBe('/api/v1/auth/sso/callback?[redacted]');
    expect(h.logs.join('\n')).not.toContain('secret-code-123');
  });
});
