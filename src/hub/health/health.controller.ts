import { Controller, Get, Header, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/roles.js';
import { HealthRepository } from './health.repository.js';
import { METRICS, type HubMetrics } from './metrics.js';

/** Liveness, readiness and Prometheus metrics; no token needed. */
@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(HealthRepository) private readonly db: HealthRepository,
    @Inject(METRICS) private readonly metrics: HubMetrics,
  ) {}

  @Get('healthz')
  healthz(): { status: string } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(): Promise<{ status: string }> {
    try {
      await this.db.ping();
    } catch {
      throw new ServiceUnavailableException('the database is unavailable');
    }
    return { status: 'ready' };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
