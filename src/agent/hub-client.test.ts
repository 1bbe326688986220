import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_API } from '../protocol/v1/agent-protocol.js';
import { HttpHubClient, HubRejectedError, HubThrottledError, HubUnavailableError } from './hub-client.js';

/**
 * The transport of the agent's hub client against a real HTTP server on loopback, for what the
 * real hub cannot be made to do on cue: close a kept-alive socket just as a request is sent,
 * stall, or cut an answer short. The protocol itself is tested against the real hub
 * (test/integration/agent-scope.test.ts, the e2e suites).
 */

let server: Server | null = null;
let client: HttpHubClient | null = null;

afterEach(async () => {
  client?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = client = null;
});

async function hub(
  handler: (req: IncomingMessage, res: ServerResponse, socket: Socket) => void,
): Promise<string> {
  server = createServer((req, res) => handler(req, res, req.socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const beat = { agentVersion: '0.1.0', kubernetesVersion: 'v1.31.0' };

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

describe('HttpHubClient transport', () => {
  it('sends the credential and JSON, reuses one kept-alive socket, and parses the answer', async () => {
    const seen: { method?: string; url?: string; auth?: string; body: string; port: number }[] = [];
    client = new HttpHubClient(
      await hub((req, res, socket) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          seen.push({
            method: req.method,
            url: req.url,
            auth: req.headers.authorization,
            body,
            port: socket.remotePort!,
          });
          json(res, 200, { recorded: true, ignored: 0 });
        });
      }),
    );
    client.setCredential('flt_agent_cred');
    const report = { reportId: 'r1', resources: [], events: [] };
    expect(await client.status(report)).toEqual({ recorded: true, ignored: 0 });
    expect(await client.status(report)).toEqual({ recorded: true, ignored: 0 });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: `${AGENT_API}/status`,
      auth: 'Bearer flt_agent_cred',
    });
    expect(JSON.parse(seen[0].body)).toEqual(report);
    expect(seen[1].port).toBe(seen[0].port);
  });

  it('sends a request again on a fresh socket when the hub closed the kept-alive one, but only once', async () => {
    const perSocket = new Map<Socket, number>();
    let closeEvery = false;
    client = new HttpHubClient(
      await hub((req, res, socket) => {
        const n = (perSocket.get(socket) ?? 0) + 1;
        perSocket.set(socket, n);
        // What a hub's idle timeout does when it fires as the agent reuses the socket: the
        // connection ends without an answer.
        if (n > 1 || closeEvery) return void socket.destroy();
        req.resume();
        res.writeHead(204).end();
      }),
    );
    await client.heartbeat(beat);
    await client.heartbeat(beat);
    expect([...perSocket.values()]).toEqual([2, 1]);

    // A fresh socket that fails is the hub's failure: no retry.
    closeEvery = true;
    client.close();
    perSocket.clear();
    await expect(client.heartbeat(beat)).rejects.toThrow(HubUnavailableError);
    expect([...perSocket.values()]).toEqual([1]);
  });

  it('types the answers: 5xx unavailable, 429 throttled with Retry-After, 4xx rejected with the message', async () => {
    const answers: [number, unknown, Record<string, string>][] = [
      [503, { message: 'database down' }, {}],
      [429, { message: 'slow down' }, { 'retry-after': '7' }],
      [403, { message: 'application not on this cluster' }, {}],
    ];
    client = new HttpHubClient(
      await hub((req, res) => {
        req.resume();
        const [status, body, headers] = answers.shift()!;
        json(res, status, body, headers);
      }),
    );
    await expect(client.heartbeat(beat)).rejects.toThrow(HubUnavailableError);
    const throttled = await client.heartbeat(beat).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(HubThrottledError);
    expect((throttled as HubThrottledError).retryAfterMs).toBe(7000);
    const rejected = await client.heartbeat(beat).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(HubRejectedError);
    expect((rejected as HubRejectedError).status).toBe(403);
    expect((rejected as Error).message).toContain('application not on this cluster');
  });

  it('a long-poll ends when the agent stops, and an answer cut short is the hub unavailable, not an empty answer', async () => {
    client = new HttpHubClient(
      await hub((req, res) => {
        req.resume();
        if (req.url!.includes('/jobs')) return; // parked until the client gives up
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '100' });
        res.write(Buffer.alloc(10));
        setTimeout(() => res.socket?.destroy(), 50);
      }),
    );
    const stop = new AbortController();
    const started = Date.now();
    const poll = client.jobs(30, 10, stop.signal).catch((e: unknown) => e);
    setTimeout(() => stop.abort(), 100);
    expect(await poll).toBeInstanceOf(HubUnavailableError);
    expect(Date.now() - started).toBeLessThan(5_000);

    const bundle = await client.bundle('sha256:abc').catch((e: unknown) => e);
    expect(bundle).toBeInstanceOf(HubUnavailableError);
  });

  it('reads previews from the poll (none from an older hub) and posts a preview answer; 409 is a rejection', async () => {
    const preview = {
      id: 'p1',
      applicationId: null,
      applicationName: 'web',
      revision: 'abc',
      revisionDisplay: 'abc',
      bundleDigest: 'sha256:00',
      prune: true,
      ignoreDifferences: [],
      force: false,
      expiresAt: '2030-01-01T00:00:00.000Z',
    };
    const posted: { url?: string; body: unknown }[] = [];
    let polls = 0;
    client = new HttpHubClient(
      await hub((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          if (req.url!.startsWith(`${AGENT_API}/jobs`))
            return json(res, 200, polls++ === 0 ? { jobs: [], previews: [preview] } : { jobs: [] });
          posted.push({ url: req.url, body: JSON.parse(body) });
          if (posted.length === 1) return json(res, 200, { recorded: true });
          json(res, 409, { message: 'preview already answered or expired' });
        });
      }),
    );
    expect(await client.jobs(0, 10)).toEqual({ jobs: [], previews: [preview] });
    expect(await client.jobs(0, 10)).toEqual({ jobs: [], previews: [] });
    const answer = {
      reportId: '00000000-0000-5000-8000-000000000000',
      outcome: 'completed' as const,
      objects: [{ id: '/ConfigMap/ns/a', action: 'create' as const }],
    };
    expect(await client.previewResult('p/1', answer)).toEqual({ recorded: true });
    expect(posted[0]).toEqual({ url: `${AGENT_API}/previews/p%2F1/result`, body: answer });
    const refused = await client.previewResult('p/1', answer).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HubRejectedError);
    expect((refused as HubRejectedError).status).toBe(409);
  });

  it('an unreachable hub is unavailable, naming the call', async () => {
    const url = await hub(() => undefined);
    await new Promise((r) => server!.close(r));
    server = null;
    client = new HttpHubClient(url);
    await expect(client.register('tok', '0.1.0', 'v1.31.0')).rejects.toThrow(
      /POST \/register: .*ECONNREFUSED/,
    );
  });
});
