import { Controller, Get, Header, Headers, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError } from '../../domain/errors.js';
import { Public } from '../auth/roles.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { HealthRepository } from './health.repository.js';
import { METRICS, type HubMetrics } from './metrics.js';

/**
 * Liveness, readiness and Prometheus metrics; no API token needed. `/metrics` takes its own
 * bearer token when FLOTILLA_METRICS_TOKEN is set (scrapers should not hold an API token).
 */
@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(HealthRepository) private readonly db: HealthRepository,
    @Inject(METRICS) private readonly metrics: HubMetrics,
    @Inject(HUB_CONFIG) config: Pick<HubConfig, 'metricsToken'>,
  ) {
    this.metricsTokenHash = config.metricsToken ? sha256(config.metricsToken) : null;
  }

  private readonly metricsTokenHash: Buffer | null;

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
  metricsText(@Headers('authorization') authorization?: string): Promise<string> {
    if (this.metricsTokenHash) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      // Equal-length digests: the comparison takes the same time whatever was sent.
      if (!given || !timingSafeEqual(sha256(given), this.metricsTokenHash))
        throw new UnauthenticatedError(
          '/metrics needs the metrics token (FLOTILLA_METRICS_TOKEN): send "Authorization: Bearer <token>"',
        );
    }
    return this.metrics.registry.metrics();
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
