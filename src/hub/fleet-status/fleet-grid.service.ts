import { Inject, Injectable } from '@nestjs/common';
import { projectsAllowing, type Grants } from '../../domain/authorization.js';
import { cellStateOf } from '../../domain/fleet-status.js';
import { parseLabelSelector } from '../../domain/label-selector.js';
import { type FleetGridDto, type FleetGridQueryDto, type GridCellDto } from './fleet-grid.dto.js';
import { FleetGridRepository } from './fleet-grid.repository.js';

/**
 * The dashboard's fleet grid in one answer: the application columns, one window of cluster rows
 * with their cells, and the counts of the whole selection. One request per refresh whatever the
 * number of clusters or applications; the window is what is on screen.
 */
@Injectable()
export class FleetGridService {
  constructor(@Inject(FleetGridRepository) private readonly grid: FleetGridRepository) {}

  async window(q: FleetGridQueryDto, principal: Grants): Promise<FleetGridDto> {
    const selector = parseLabelSelector(q.selector ?? '', 'selector');
    const offset = q.offset ?? 0;
    // a project-scoped caller sees its projects' applications and the clusters they target
    // (and a project filter narrows that further, like the applications list)
    const visible = projectsAllowing(principal, 'viewer');
    const projects =
      q.project === undefined
        ? visible === 'all'
          ? null
          : visible
        : visible === 'all' || visible.includes(q.project)
          ? [q.project]
          : [];
    const [{ total, clusters }, applications, counts] = await Promise.all([
      this.grid.clusters(selector, q.state ?? 'all', offset, q.limit ?? 50, projects),
      this.grid.applications(projects),
      this.grid.counts(selector, projects),
    ]);
    const byCluster = new Map<string, GridCellDto[]>(clusters.map((c) => [c.id, []]));
    for (const c of await this.grid.cells(
      clusters.map((c) => c.id),
      projects,
    ))
      byCluster.get(c.clusterId)?.push({
        applicationId: c.applicationId,
        sync: c.sync,
        health: c.health,
        state: cellStateOf(c.sync, c.health),
      });
    return {
      applications,
      rows: clusters.map((cluster) => ({ cluster, cells: byCluster.get(cluster.id) ?? [] })),
      total,
      offset,
      counts: { ...counts, applications: applications.length },
    };
  }
}
