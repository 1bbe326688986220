import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The hub's Prometheus registry and the metrics every request updates. */
export class HubMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'flotilla_http_requests_total',
    help: 'HTTP requests served, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'flotilla_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'flotilla_hub_' });
  }
}

/** Injection token of {@link HubMetrics}. */
export const METRICS = Symbol('METRICS');
