import { Inject, Injectable, Logger } from '@nestjs/common';
import { RateLimitedError } from '../../domain/errors.js';
import { clientKey, FailureWindow } from '../../domain/failure-window.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { CLOCK, type Clock } from '../platform/clock.js';

/**
 * Per-client-address budget of failed authentications (`FLOTILLA_AUTH_FAILURES_PER_MINUTE`),
 * IPv6 counted per /64.
 * Held in memory, so each hub replica counts on its own: behind a load balancer a client gets
 * up to replicas × the budget. Successful requests never count and are never refused, so one
 * broken client behind a shared address (NAT, an ingress without X-Forwarded-For trust) cannot
 * lock out the others.
 */
@Injectable()
export class FailedAuthLimiter {
  private readonly log = new Logger('auth');
  private readonly window: FailureWindow;

  constructor(
    @Inject(HUB_CONFIG) config: Pick<HubConfig, 'authFailuresPerMinute'>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.window = new FailureWindow(config.authFailuresPerMinute);
  }

  /**
   * Called with a failed authentication of `address`: throws 429 (with Retry-After) once the
   * address has spent its budget, else returns so the caller answers 401.
   */
  failed(address: string): void {
    const key = clientKey(address);
    const now = this.clock.now().getTime();
    const wait = this.window.blockedFor(key, now);
    if (wait > 0)
      throw new RateLimitedError(
        `too many failed authentications from this address; try again in ${wait} s`,
        wait,
      );
    if (this.window.fail(key, now))
      this.log.warn(
        `${this.window.limit} failed authentications in a minute from ${key}: further failures get 429`,
      );
  }
}
