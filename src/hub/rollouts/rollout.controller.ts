import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { NotFoundError } from '../../domain/errors.js';
import { CurrentActor, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped, RequireRole } from '../auth/roles.js';
import { type RolloutCommand, RolloutCommandsService } from './rollout-commands.service.js';
import { RolloutCommandDto, RolloutDto, RolloutListDto } from './rollout.dto.js';

const COMMANDS: readonly RolloutCommand[] = ['promote', 'pause', 'resume', 'abort', 'retry'];

/** An application's staged rollouts: read by viewers, steered by operators of its project. */
@ApiTags('rollouts')
@ApiBearerAuth()
@ProjectScoped()
@Controller('api/v1/applications/:idOrName')
export class RolloutController {
  constructor(@Inject(RolloutCommandsService) private readonly rollouts: RolloutCommandsService) {}

  @Get('rollout')
  @ApiOkResponse({ type: RolloutDto, description: 'the latest rollout, with every cluster' })
  @ApiNotFoundResponse({ description: 'no such application, or it has had no rollout' })
  current(@Param('idOrName') key: string, @CurrentPrincipal() principal: Principal): Promise<RolloutDto> {
    return this.rollouts.status(key, principal);
  }

  @Get('rollouts')
  @ApiOkResponse({
    type: RolloutListDto,
    description: 'the 50 latest rollouts, newest first, without clusters',
  })
  list(@Param('idOrName') key: string, @CurrentPrincipal() principal: Principal): Promise<RolloutListDto> {
    return this.rollouts.list(key, principal);
  }

  @Get('rollouts/:id')
  @ApiOkResponse({ type: RolloutDto })
  one(
    @Param('idOrName') key: string,
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RolloutDto> {
    return this.rollouts.status(key, principal, id);
  }

  @Post('rollout/:command')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiParam({ name: 'command', enum: COMMANDS })
  @ApiOkResponse({ type: RolloutDto, description: 'the rollout after the command' })
  @ApiConflictResponse({ description: 'the command does not apply to the rollout in its state' })
  @ApiNotFoundResponse({ description: 'no such application, or no such command' })
  command(
    @Param('idOrName') key: string,
    @Param('command') command: string,
    @Body() dto: RolloutCommandDto,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RolloutDto> {
    // an unknown command is a route that does not exist: 404, naming the ones that do
    if (!COMMANDS.includes(command as RolloutCommand))
      throw new NotFoundError(`rollout command (one of ${COMMANDS.join(', ')})`, command);
    return this.rollouts.run(command as RolloutCommand, key, principal, actor, dto.reason);
  }
}
