import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { HeartbeatV1 } from '../protocol/v1/agent-protocol.js';
import { heartbeatDue, MAX_QUIET_INTERVALS, runHeartbeats } from './heartbeats.js';

const base = { now: 100_000, news: false, lastSentMs: 90_000, intervalSeconds: 15, quietSeconds: 45 };

describe('heartbeatDue', () => {
  it('skips a heartbeat with nothing new while the hub answered a poll recently', () => {
    expect(heartbeatDue({ ...base, lastContactMs: 99_000 })).toBe(false);
    expect(heartbeatDue({ ...base, lastContactMs: 100_000 - 45_000 })).toBe(false);
  });

  it('sends one with news, after a quiet hub, every few intervals, or without poll contact', () => {
    expect(heartbeatDue({ ...base, lastContactMs: 99_000, news: true })).toBe(true);
    expect(heartbeatDue({ ...base, lastContactMs: 100_000 - 45_001 })).toBe(true);
    expect(
      heartbeatDue({ ...base, lastContactMs: 99_000, lastSentMs: 100_000 - MAX_QUIET_INTERVALS * 15_000 }),
    ).toBe(true);
    expect(heartbeatDue({ ...base, lastContactMs: undefined })).toBe(true);
    expect(heartbeatDue({ ...base, lastContactMs: 99_000, quietSeconds: undefined })).toBe(true);
  });
});

describe('runHeartbeats', () => {
  /** Runs the loop for `ms` at a 20 ms interval against a hub that records what it is sent. */
  async function run(ms: number, opts: { contact?: () => number; versions?: () => string[] }) {
    const sent: HeartbeatV1[] = [];
    const abort = new AbortController();
    const loop = runHeartbeats({
      client: { apiVersions: () => Promise.resolve(opts.versions?.() ?? ['v1']) },
      hub: {
        heartbeat: (b: HeartbeatV1) => {
          sent.push(b);
          return Promise.resolve(undefined);
        },
      },
      logger: pino({ level: 'silent' }),
      agentVersion: 'test',
      kubernetesVersion: () => 'v1.35.0',
      intervalSeconds: 0.02,
      connected: () => undefined,
      lastContactMs: opts.contact,
      quietSeconds: opts.contact ? 0.05 : undefined,
      signal: abort.signal,
    });
    await new Promise((r) => setTimeout(r, ms));
    abort.abort();
    await loop;
    return sent;
  }

  it('while polls are answered, sends the first heartbeat, then one every few intervals', async () => {
    const sent = await run(400, { contact: () => Date.now() });
    // 400 ms at 20 ms: 20 intervals; one heartbeat at start, then one per 4 intervals at most
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent.length).toBeLessThanOrEqual(1 + Math.ceil(20 / MAX_QUIET_INTERVALS));
    expect(sent[0].apiVersions).toEqual(['v1']);
    expect(sent.slice(1).every((h) => h.apiVersions === undefined)).toBe(true);
  });

  it('without poll contact, sends every interval; a new API version goes at once', async () => {
    const quiet = await run(200, {});
    expect(quiet.length).toBeGreaterThanOrEqual(3);
    let versions = ['v1'];
    setTimeout(() => (versions = ['v1', 'example.com/v1']), 100);
    const sent = await run(300, { contact: () => Date.now(), versions: () => versions });
    expect(sent.filter((h) => h.apiVersions).map((h) => h.apiVersions)).toEqual([
      ['v1'],
      ['v1', 'example.com/v1'],
    ]);
  });
});
