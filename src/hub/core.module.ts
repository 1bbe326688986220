import { type DynamicModule, Global, Module } from '@nestjs/common';
import { type DataSource } from 'typeorm';
import { HUB_CONFIG, type HubConfig } from './config/hub-config.js';
import { DATA_SOURCE, UnitOfWork } from './database/unit-of-work.js';
import { METRICS, type HubMetrics } from './health/metrics.js';
import { AUDIT_KEYS, type AuditKeys } from './platform/audit-keys.js';
import { CLOCK, type Clock } from './platform/clock.js';
import { FLEET_EVENTS, FleetEvents } from './platform/fleet-events.js';
import { SECRETS, type Secrets } from './platform/secrets.js';

/** What the process gives the Nest application: connections and outside-world adapters. */
export interface HubDependencies {
  config: HubConfig;
  dataSource: DataSource;
  secrets: Secrets;
  clock: Clock;
  metrics: HubMetrics;
  auditKeys: AuditKeys;
}

/** Shared, process-wide providers, visible to every feature module. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(deps: HubDependencies): DynamicModule {
    const providers = [
      { provide: HUB_CONFIG, useValue: deps.config },
      { provide: DATA_SOURCE, useValue: deps.dataSource },
      { provide: SECRETS, useValue: deps.secrets },
      { provide: CLOCK, useValue: deps.clock },
      { provide: METRICS, useValue: deps.metrics },
      { provide: AUDIT_KEYS, useValue: deps.auditKeys },
      { provide: FLEET_EVENTS, useValue: new FleetEvents(deps.config.testFleetEventFault) },
      UnitOfWork,
    ];
    return { module: CoreModule, providers, exports: providers.map((p) => ('provide' in p ? p.provide : p)) };
  }
}
