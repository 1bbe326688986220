import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { CurrentActor, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped, RequireRole } from '../auth/roles.js';
import { KeyRotationDto, RecipientListDto, RecipientsQueryDto } from './cluster-keys.dto.js';
import { ClusterKeysService } from './cluster-keys.service.js';

/** Sealed secrets: the clusters' public keys, and key rotation. */
@ApiTags('clusters')
@ApiBearerAuth()
@Controller('api/v1')
export class ClusterKeysController {
  constructor(@Inject(ClusterKeysService) private readonly keys: ClusterKeysService) {}

  /** Any reader of the clusters may seal for them: the recipients are public keys. */
  @Get('cluster-recipients')
  @ProjectScoped()
  @ApiOkResponse({ type: RecipientListDto })
  @ApiConflictResponse({ description: 'the selector chooses more than 1000 clusters' })
  recipients(
    @Query() q: RecipientsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RecipientListDto> {
    return this.keys.recipients(q.selector ?? '', principal);
  }

  @Post('clusters/:idOrName/rotate-key')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOkResponse({
    type: KeyRotationDto,
    description:
      "Asks the cluster's agent for a new age identity (on its next heartbeat) and lists the sealed " +
      'secrets of its current bundles sealed to the key being replaced. Audited.',
  })
  @ApiConflictResponse({ description: 'the agent has not sent a key yet' })
  rotateKey(@Param('idOrName') key: string, @CurrentActor() actor: Actor): Promise<KeyRotationDto> {
    return this.keys.rotateKey(key, actor);
  }
}
