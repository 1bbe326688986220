import { Module } from '@nestjs/common';
import { ApplicationModule } from '../applications/application.module.js';
import { DispatchModule } from '../dispatch/dispatch.module.js';
import { RolloutCommandsService } from './rollout-commands.service.js';
import { RolloutController } from './rollout.controller.js';

/**
 * Staged rollouts' API. The engine (gate, steps, runner) lives with desired state in the
 * dispatch module, which holds changes back in rollouts as it computes them.
 */
@Module({
  imports: [DispatchModule, ApplicationModule],
  controllers: [RolloutController],
  providers: [RolloutCommandsService],
})
export class RolloutModule {}
