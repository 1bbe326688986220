import { Module } from '@nestjs/common';
import { RepositoryModule } from '../repositories/repository.module.js';
import { WebhookController } from './webhook.controller.js';
import { WebhookService } from './webhook.service.js';

@Module({ imports: [RepositoryModule], controllers: [WebhookController], providers: [WebhookService] })
export class WebhookModule {}
