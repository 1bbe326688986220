import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { FleetStatusModule } from '../fleet-status/fleet-status.module.js';
import { ProjectModule } from '../projects/project.module.js';
import { ClusterKeysController } from './cluster-keys.controller.js';
import { ClusterKeysService } from './cluster-keys.service.js';
import { ClusterController } from './cluster.controller.js';
import { ClusterRepository } from './cluster.repository.js';
import { ClusterService } from './cluster.service.js';

@Module({
  imports: [AuditModule, FleetStatusModule, ProjectModule],
  controllers: [ClusterController, ClusterKeysController],
  providers: [ClusterRepository, ClusterService, ClusterKeysService],
  exports: [ClusterService, ClusterRepository],
})
export class ClusterModule {}
