import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { actorOf, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ProjectScoped, RequireRole } from '../auth/roles.js';
import {
  CreateSubscriptionDto,
  DeliveryDto,
  DeliveryPageDto,
  ListDeliveriesQueryDto,
  ListSubscriptionsQueryDto,
  SubscriptionDto,
  SubscriptionPageDto,
  UpdateSubscriptionDto,
} from './notification.dto.js';
import { NotificationService } from './notification.service.js';

/**
 * Notification subscriptions and their deliveries. Every route is project-scoped: a subscription
 * without a project is the admins', one of a project its operators' (its viewers read it); the
 * service decides, and a subscription of a project the caller has no role in is not found.
 */
@ApiTags('notifications')
@ApiBearerAuth()
@ProjectScoped()
@Controller('api/v1/notifications/subscriptions')
export class NotificationController {
  constructor(@Inject(NotificationService) private readonly notifications: NotificationService) {}

  @Post()
  @RequireRole('operator')
  @ApiCreatedResponse({ type: SubscriptionDto })
  @ApiNotFoundResponse({ description: 'the project or application the filter names does not exist' })
  create(@Body() dto: CreateSubscriptionDto, @CurrentPrincipal() p: Principal): Promise<SubscriptionDto> {
    return this.notifications.create(dto, p, actorOf(p));
  }

  @Get()
  @ApiOkResponse({ type: SubscriptionPageDto })
  list(
    @Query() q: ListSubscriptionsQueryDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<SubscriptionPageDto> {
    return this.notifications.list(q, p);
  }

  @Get(':id')
  @ApiOkResponse({ type: SubscriptionDto })
  get(@Param('id') id: string, @CurrentPrincipal() p: Principal): Promise<SubscriptionDto> {
    return this.notifications.get(id, p);
  }

  @Patch(':id')
  @RequireRole('operator')
  @ApiOkResponse({ type: SubscriptionDto })
  update(
    @Param('id') id: string,
    @Body() dto: UpdateSubscriptionDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<SubscriptionDto> {
    return this.notifications.update(id, dto, p, actorOf(p));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('operator')
  delete(@Param('id') id: string, @CurrentPrincipal() p: Principal): Promise<void> {
    return this.notifications.delete(id, p, actorOf(p));
  }

  /** A new webhook signing secret, returned once; the old one stops signing at once. */
  @Post(':id/rotate-secret')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOkResponse({ type: SubscriptionDto })
  rotateSecret(@Param('id') id: string, @CurrentPrincipal() p: Principal): Promise<SubscriptionDto> {
    return this.notifications.rotateSecret(id, p, actorOf(p));
  }

  /** Queues one test message through the outbox, as any other. */
  @Post(':id/test')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiAcceptedResponse({ type: DeliveryDto })
  test(@Param('id') id: string, @CurrentPrincipal() p: Principal): Promise<DeliveryDto> {
    return this.notifications.test(id, p);
  }

  @Get(':id/deliveries')
  @ApiOkResponse({ type: DeliveryPageDto })
  deliveries(
    @Param('id') id: string,
    @Query() q: ListDeliveriesQueryDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<DeliveryPageDto> {
    return this.notifications.deliveries(id, q, p);
  }

  /** Queues a failed delivery again, attempts reset. */
  @Post(':id/deliveries/:did/retry')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiAcceptedResponse({ type: DeliveryDto })
  retry(
    @Param('id') id: string,
    @Param('did') did: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<DeliveryDto> {
    return this.notifications.retry(id, did, p);
  }
}
