import { Global, Logger, Module } from '@nestjs/common';
import { chooseGitImplementation, EgressGuard, NodeProcessRunner, VcsRegistry } from '../../vcs/index.js';
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
      useFactory: async (config: HubConfig) => {
        const runner = new NodeProcessRunner();
        // Chosen once per process and logged once, so an operator can see which path serves Git.
        const git = await chooseGitImplementation(config.gitImplementation, runner);
        new Logger('VcsModule').log(`Git implementation: ${git.implementation} (${git.reason})`);
        return new VcsRegistry({
          dataDir: config.dataDir,
          allowFileUrls: config.allowFileUrls,
          egress: new EgressGuard(config.repositoryAllowedHosts),
          gitImplementation: git.implementation,
          runner,
        });
      },
    },
  ],
  exports: [VCS],
})
export class VcsModule {}
