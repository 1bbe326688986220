import { Inject, Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor } from '../../domain/cursor.js';
import { projectsAllowing, type Grants } from '../../domain/authorization.js';
import { parseLabelSelector } from '../../domain/label-selector.js';
import {
  type FleetStatusDto,
  type FleetStatusPageDto,
  type FleetStatusQueryDto,
} from './fleet-status.dto.js';
import { type FleetStatusEntity } from './fleet-status.entity.js';
import { FleetStatusRepository, type FleetStatusFilter } from './fleet-status.repository.js';

/** Reads of the fleet status read model: every screen and list reads it, none recomputes it. */
@Injectable()
export class FleetStatusService {
  constructor(@Inject(FleetStatusRepository) private readonly status: FleetStatusRepository) {}

  /** A page of (application, cluster) rows and the counts of the whole filtered set. */
  async list(q: FleetStatusQueryDto, principal: Grants): Promise<FleetStatusPageDto> {
    // Project-scoped callers see the rows of their projects' applications only.
    const visible = projectsAllowing(principal, 'viewer');
    const filter: FleetStatusFilter = {
      ...(visible === 'all' ? {} : { projects: visible }),
      application: q.application,
      cluster: q.cluster,
      selector: parseLabelSelector(q.selector ?? ''),
      sync: q.sync?.split(','),
      health: q.health?.split(','),
    };
    const limit = q.limit ?? 100;
    const after = q.cursor ? decodeCursor(q.cursor, ['string', 'string'] as const) : null;
    const [rows, counts] = await Promise.all([
      this.status.page(filter, after ? [after[0], after[1]] : null, limit + 1),
      this.status.counts(filter),
    ]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toFleetStatusDto),
      nextCursor: rows.length > limit ? encodeCursor([last.applicationName, last.clusterName]) : null,
      counts,
    };
  }
}

/** The API form of one read-model row. */
export function toFleetStatusDto(r: FleetStatusEntity): FleetStatusDto {
  return {
    applicationId: r.applicationId,
    applicationName: r.applicationName,
    clusterId: r.clusterId,
    clusterName: r.clusterName,
    connectionState: r.connectionState,
    wantedRevision: r.wantedRevision,
    wantedRevisionDisplay: r.wantedRevisionDisplay,
    appliedRevision: r.appliedRevision,
    appliedRevisionDisplay: r.appliedRevisionDisplay,
    sync: r.sync,
    health: r.health,
    drifted: r.drifted,
    message: r.message,
    lastJob:
      r.lastJobId && r.lastJobKind && r.lastJobState
        ? {
            id: r.lastJobId,
            kind: r.lastJobKind,
            state: r.lastJobState,
            revision: r.lastJobRevisionDisplay ?? '',
            attempts: r.lastJobAttempts ?? 0,
            error: r.lastJobError,
            updatedAt: new Date(r.lastJobUpdatedAt ?? r.updatedAt).toISOString(),
          }
        : null,
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}
