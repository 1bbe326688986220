import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { FleetStatusModule } from '../fleet-status/fleet-status.module.js';
import { ProjectModule } from '../projects/project.module.js';
import { ClusterController } from './cluster.controller.js';
import { ClusterRepository } from './cluster.repository.js';
import { ClusterService } from './cluster.service.js';

@Module({
  imports: [AuditModule, FleetStatusModule, ProjectModule],
  controllers: [ClusterController],
  providers: [ClusterRepository, ClusterService],
  exports: [ClusterService, ClusterRepository],
})
export class ClusterModule {}
