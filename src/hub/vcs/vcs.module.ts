import { Global, Module } from '@nestjs/common';
import { EgressGuard, VcsRegistry } from '../../vcs/index.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';

/** Injection token of the process-wide {@link VcsRegistry}. */
export const VCS = Symbol('VCS');

/** The VCS layer, one registry per process (its backends hold per-repository caches and locks). */
@Global()
@Module({
  providers: [
    {
      provide: VCS,
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig) =>
        new VcsRegistry({
          dataDir: config.dataDir,
          allowFileUrls: config.allowFileUrls,
          egress: new EgressGuard(config.repositoryAllowedHosts),
        }),
    },
  ],
  exports: [VCS],
})
export class VcsModule {}
