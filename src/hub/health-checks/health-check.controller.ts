import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { CurrentActor } from '../auth/principal.js';
import { ProjectScoped, RequireRole } from '../auth/roles.js';
import {
  EvaluateHealthCheckDto,
  HealthCheckDto,
  HealthCheckListDto,
  HealthCheckRuleDto,
  HealthVerdictDto,
} from './health-check.dto.js';
import { EvaluateBudget } from './evaluate-budget.service.js';
import { HealthCheckService } from './health-check.service.js';

const REFUSED = 'an invalid rule: the message and `problems` name each field, reason and position';

/**
 * The hub's custom health checks (issue 20): CEL rules per group/kind that agents judge objects
 * by, from each application's next job on. Admins change them; every caller, a project's
 * included, reads and tries them (they hold no secret).
 */
@ApiTags('health-checks')
@ApiBearerAuth()
@Controller('api/v1/health-checks')
export class HealthCheckController {
  constructor(
    @Inject(HealthCheckService) private readonly checks: HealthCheckService,
    @Inject(EvaluateBudget) private readonly budget: EvaluateBudget,
  ) {}

  @Get()
  @ProjectScoped()
  @ApiOkResponse({ type: HealthCheckListDto, description: 'every rule, by group and kind' })
  list(): Promise<HealthCheckListDto> {
    return this.checks.list();
  }

  @Post()
  @RequireRole('admin')
  @ApiCreatedResponse({ type: HealthCheckDto })
  @ApiResponse({ status: 400, description: REFUSED })
  @ApiConflictResponse({ description: 'the group/kind has a rule already, or the hub holds 64 rules' })
  create(@Body() dto: HealthCheckRuleDto, @CurrentActor() actor: Actor): Promise<HealthCheckDto> {
    return this.checks.create(dto, actor);
  }

  /** Tries a rule on an object without saving it: what an agent would report. */
  @Post('evaluate')
  @HttpCode(200)
  @ProjectScoped()
  @ApiOkResponse({ type: HealthVerdictDto })
  @ApiResponse({
    status: 400,
    description: `${REFUSED}; or an object without apiVersion, kind or metadata.name`,
  })
  @ApiResponse({
    status: 429,
    description: "the caller's or the hub's evaluation budget is spent: retry after Retry-After",
  })
  evaluate(@Body() dto: EvaluateHealthCheckDto, @CurrentActor() actor: Actor): HealthVerdictDto {
    this.budget.charge(actor);
    return this.checks.evaluate(dto.rule, dto.object);
  }

  @Put(':id')
  @RequireRole('admin')
  @ApiOkResponse({ type: HealthCheckDto })
  @ApiResponse({ status: 400, description: REFUSED })
  @ApiNotFoundResponse({ description: 'no such rule' })
  @ApiConflictResponse({ description: 'another rule has that group/kind' })
  replace(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: HealthCheckRuleDto,
    @CurrentActor() actor: Actor,
  ): Promise<HealthCheckDto> {
    return this.checks.replace(id, dto, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('admin')
  @ApiNoContentResponse({ description: 'deleted; agents keep it until their next job of each application' })
  @ApiNotFoundResponse({ description: 'no such rule' })
  delete(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.checks.delete(id, actor);
  }
}
