import { Module } from '@nestjs/common';
import { ApplicationModule } from '../applications/application.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { DispatchModule } from '../dispatch/dispatch.module.js';
import { ProjectModule } from '../projects/project.module.js';
import { PreviewGate } from './preview-gate.js';
import { PreviewSweeperService } from './preview-sweeper.service.js';
import { PreviewController } from './preview.controller.js';
import { PreviewRepository } from './preview.repository.js';
import { PreviewService } from './preview.service.js';

/** Fleet-wide previews: the REST API, the agents' preview jobs and their expiry. */
@Module({
  imports: [AuditModule, DispatchModule, ApplicationModule, ProjectModule],
  controllers: [PreviewController],
  providers: [PreviewRepository, PreviewGate, PreviewService, PreviewSweeperService],
  exports: [PreviewRepository, PreviewGate, PreviewService],
})
export class PreviewModule {}
