/**
 * `/healthz` and `/metrics` (Prometheus text) on a small port of their own, so probes and
 * scrapes never queue behind apply work. Port 0 picks a free one; the bound port is returned.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { http } from './node-http.js';

/** The agent's metrics. */
export interface AgentMetrics {
  registry: Registry;
  reconciles: Counter<'outcome'>;
  drift: Counter<'event'>;
  reportsBuffered: Gauge;
  reportsDropped: Counter;
  hubConnected: Gauge;
  managedObjects: Gauge;
}

/** Creates the metrics, with Node's defaults (RSS, heap, event loop lag). */
export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'flotilla_agent_' });
  return {
    registry,
    reconciles: new Counter({
      name: 'flotilla_agent_reconciles_total',
      help: 'Reconciles by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    drift: new Counter({
      name: 'flotilla_agent_drift_total',
      help: 'Drift events (detected, corrected, failed)',
      labelNames: ['event'],
      registers: [registry],
    }),
    reportsBuffered: new Gauge({
      name: 'flotilla_agent_reports_buffered',
      help: 'Reports waiting for the hub',
      registers: [registry],
    }),
    reportsDropped: new Counter({
      name: 'flotilla_agent_reports_dropped_total',
      help: 'Reports dropped because the buffer was full',
      registers: [registry],
    }),
    hubConnected: new Gauge({
      name: 'flotilla_agent_hub_connected',
      help: '1 when the last hub call succeeded',
      registers: [registry],
    }),
    managedObjects: new Gauge({
      name: 'flotilla_agent_managed_objects',
      help: 'Objects under drift watch',
      registers: [registry],
    }),
  };
}

/**
 * The metrics port cannot be had: taken (a second agent on the same host, or another
 * exporter) or not ours to bind. The message names the port and how to choose another.
 */
export class MetricsPortError extends Error {
  override name = 'MetricsPortError';
  constructor(
    readonly port: number,
    readonly code: 'EADDRINUSE' | 'EACCES',
  ) {
    super(
      `metrics port ${port} ${code === 'EADDRINUSE' ? 'is already in use (another agent on this host?)' : 'may not be bound by this user'}: ` +
        'choose another with --metrics-port N (or FLOTILLA_METRICS_PORT), or 0 for any free port',
    );
  }
}

/** A running metrics server. */
export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Serves `/healthz` (200 while `healthy()`) and `/metrics`. */
export async function startMetricsServer(
  metrics: AgentMetrics,
  port: number,
  healthy: () => boolean,
  host = '0.0.0.0',
): Promise<MetricsServer> {
  const server: Server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
    } else if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' || e.code === 'EACCES' ? new MetricsPortError(port, e.code) : e),
    );
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
