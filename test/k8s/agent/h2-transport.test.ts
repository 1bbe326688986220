import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import {
  createServer as createTcpServer,
  connect as tcpConnect,
  type AddressInfo,
  type Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClusterClient, type ClusterError } from '../../../src/agent/cluster/cluster-client.js';
import { Http2KubeTransport } from '../../../src/agent/cluster/kube-h2-transport.js';
import { loadKubeConfig } from '../../../src/agent/cluster/kube-transport.js';
import { renderKubeconfig } from '../../support/k8s/kubeconfig.js';
import { generateApiServerPki } from '../../support/k8s/test-pki.js';
import { configMap, namespace, uniq } from './agent-test-kit.js';

// The agent speaks HTTP/2 to the API server (one TLS connection, a stream per request) and
// falls back to HTTP/1.1 when the TLS handshake does not agree to h2 — e.g. an HTTP/1.1-only
// proxy in front of the API server.

const ns = uniq('h2');
let admin: KubeClusterClient;
let proxy: Server;
let pkiDir: string;

/** An HTTP/1.1-only TLS proxy (no ALPN) in front of the real API server. */
async function http1Proxy(cluster: {
  url: string;
  caCert: string;
}): Promise<{ url: string; caCert: string }> {
  pkiDir = await mkdtemp(join(tmpdir(), 'flotilla-h2-proxy-'));
  const pki = await generateApiServerPki(pkiDir);
  const upstream = new URL(cluster.url);
  proxy = createServer(
    { cert: await readFile(pki.servingCertFile), key: await readFile(pki.servingKeyFile) },
    (req, res) => {
      const out = httpsRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: upstream.host },
          ca: cluster.caCert,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    },
  );
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return { url: `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`, caCert: pki.caCert };
}

/**
 * A TCP relay to the real API server whose connections can go silent at once, as when a NAT or a
 * load balancer forgets them: nothing more is forwarded either way and nothing is closed.
 * Connections opened after that are relayed again.
 */
async function silencingRelay(cluster: { url: string }) {
  const upstream = new URL(cluster.url);
  const pairs: [Socket, Socket][] = [];
  const relay = createTcpServer((client) => {
    const server = tcpConnect(Number(upstream.port), upstream.hostname);
    client.pipe(server).pipe(client);
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
    pairs.push([client, server]);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    silence(): void {
      for (const [client, server] of pairs) {
        client.unpipe(server);
        server.unpipe(client);
        client.pause();
        server.pause();
      }
    },
    close(): Promise<void> {
      for (const [client, server] of pairs) {
        client.destroy();
        server.destroy();
      }
      return new Promise((r) => relay.close(() => r()));
    },
  };
}

const kubeconfigFor = (server: string, caCert: string, token: string) =>
  renderKubeconfig({ clusterName: 'c', userName: 'u', server, caCert, token });

beforeAll(async () => {
  admin = KubeClusterClient.fromConfig({ kubeconfig: inject('k8sClusters')[0].kubeconfig });
  await admin.apply(namespace(ns));
}, 60_000);
afterAll(async () => {
  admin?.close();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  if (pkiDir) await rm(pkiDir, { recursive: true, force: true });
});

const tokenOf = (kubeconfig: string) =>
  String(
    (loadKubeConfig({ kubeconfig }).httpsOptions().headers as Record<string, string>).authorization,
  ).replace(/^Bearer /, '');

describe('HTTP/2 transport', () => {
  it('speaks h2 to the API server: apply, dry-run, get, list, delete, and errors read as over HTTP/1.1', async () => {
    const cluster = inject('k8sClusters')[0];
    const transport = new Http2KubeTransport(loadKubeConfig({ kubeconfig: cluster.kubeconfig }));
    const client = new KubeClusterClient(transport);
    try {
      expect(await transport.protocol()).toBe('h2');
      const objects = Array.from({ length: 40 }, (_, i) => configMap(ns, `cm-${i}`, { i: String(i) }));
      // many streams at once on the one session
      const dry = await Promise.all(objects.map((o) => client.apply(o, { dryRun: true })));
      expect(dry.every((d) => d.created)).toBe(true);
      expect(
        await admin.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cm-0' }),
      ).toBeNull();
      const done = await Promise.all(objects.map((o) => client.apply(o)));
      expect(done.map((d) => d.object.data)).toEqual(objects.map((o) => o.data));
      const listed = await client.list('v1', 'ConfigMap', { namespace: ns });
      expect(listed.items.filter((i) => i.metadata.name.startsWith('cm-'))).toHaveLength(40);
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cm-1' };
      expect(await client.delete(ref)).toBe(true);
      expect(await client.get(ref)).toBeNull();
      expect(await client.delete(ref)).toBe(false);
      // a server refusal is a typed error, as over HTTP/1.1
      await expect(
        client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name', namespace: ns } }),
      ).rejects.toMatchObject({ kind: 'invalid' });
    } finally {
      client.close();
    }
  });

  it('sends the token over h2: an identity without rights is refused, as forbidden', async () => {
    const cluster = inject('k8sClusters')[0];
    const stranger = new Http2KubeTransport(
      loadKubeConfig({ kubeconfig: kubeconfigFor(cluster.url, cluster.caCert, 'not-a-token') }),
    );
    const client = new KubeClusterClient(stranger);
    try {
      expect(await stranger.protocol()).toBe('h2');
      await expect(client.list('v1', 'ConfigMap', { namespace: ns })).rejects.toMatchObject({
        kind: 'forbidden',
        status: 401,
      });
      // the admin's token through h2 reads the same list the admin's HTTP/1.1 client does
      const own = new Http2KubeTransport(
        loadKubeConfig({
          kubeconfig: kubeconfigFor(cluster.url, cluster.caCert, tokenOf(cluster.kubeconfig)),
        }),
      );
      const ok = await own.request('GET', `/api/v1/namespaces/${ns}/configmaps`);
      expect(ok.status).toBe(200);
      own.close();
    } finally {
      client.close();
    }
  });

  it('gives up on a connection that went silent: its requests fail as unavailable, the next one reconnects', async () => {
    const cluster = inject('k8sClusters')[0];
    const relay = await silencingRelay(cluster);
    const transport = new Http2KubeTransport(
      loadKubeConfig({
        kubeconfig: kubeconfigFor(relay.url, cluster.caCert, tokenOf(cluster.kubeconfig)),
      }),
      16,
      { everyMs: 200, timeoutMs: 500 },
    );
    const client = new KubeClusterClient(transport);
    try {
      expect(await transport.protocol()).toBe('h2');
      await client.apply(configMap(ns, 'before-silence', { n: '1' }));
      relay.silence();
      const started = Date.now();
      const stuck = await client.apply(configMap(ns, 'during-silence', { n: '2' })).then(
        () => null,
        (e: ClusterError) => e,
      );
      expect(stuck?.kind).toBe('unavailable');
      expect(stuck?.retryable).toBe(true);
      expect(Date.now() - started).toBeLessThan(10_000);
      // a new connection through the relay: the same request goes through
      const done = await client.apply(configMap(ns, 'during-silence', { n: '2' }));
      expect(done.object.data).toEqual({ n: '2' });
    } finally {
      client.close();
      await relay.close();
    }
  });

  it('falls back to HTTP/1.1 when the handshake does not give h2 (an HTTP/1.1-only proxy)', async () => {
    const cluster = inject('k8sClusters')[0];
    const front = await http1Proxy(cluster);
    const transport = new Http2KubeTransport(
      loadKubeConfig({ kubeconfig: kubeconfigFor(front.url, front.caCert, tokenOf(cluster.kubeconfig)) }),
    );
    const client = new KubeClusterClient(transport);
    try {
      expect(await transport.protocol()).toBe('http/1.1');
      const cm = configMap(ns, 'through-proxy', { via: 'http/1.1' });
      expect((await client.apply(cm)).object.data).toEqual({ via: 'http/1.1' });
      const live = await admin.get({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: ns,
        name: 'through-proxy',
      });
      expect(live?.data).toEqual({ via: 'http/1.1' });
    } finally {
      client.close();
    }
  });
});
