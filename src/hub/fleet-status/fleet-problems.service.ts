import { Inject, Injectable } from '@nestjs/common';
import { projectsAllowing, type Grants } from '../../domain/authorization.js';
import { defaultGroupLabel, noProblems, PROBLEM_KINDS } from '../../domain/fleet-problems.js';
import { parseLabelSelector } from '../../domain/label-selector.js';
import {
  type FleetProblemListDto,
  type FleetProblemListQueryDto,
  type FleetProblemsDto,
  type FleetProblemsQueryDto,
  type ProblemGroupDto,
} from './fleet-problems.dto.js';
import { FleetProblemsRepository } from './fleet-problems.repository.js';

/** Most urgent first: more clusters of an earlier kind, then more clusters, then by name. */
function byUrgency(a: ProblemGroupDto, b: ProblemGroupDto): number {
  for (const k of PROBLEM_KINDS) if (a.counts[k] !== b.counts[k]) return b.counts[k] - a.counts[k];
  return b.clusters - a.clusters || (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff');
}

/**
 * The dashboard's landing view: what needs attention, counted by application and by a cluster
 * label, and one group's affected clusters with their messages. A fixed number of grouped
 * statements per answer, whatever the size of the fleet.
 */
@Injectable()
export class FleetProblemsService {
  constructor(@Inject(FleetProblemsRepository) private readonly problems: FleetProblemsRepository) {}

  /** Projects whose applications the caller sees (null: all), narrowed by a project filter. */
  private projects(principal: Grants, project: string | undefined): string[] | null {
    const visible = projectsAllowing(principal, 'viewer');
    if (project === undefined) return visible === 'all' ? null : visible;
    return visible === 'all' || visible.includes(project) ? [project] : [];
  }

  async summary(q: FleetProblemsQueryDto, principal: Grants): Promise<FleetProblemsDto> {
    const selector = parseLabelSelector(q.selector ?? '', 'selector');
    const projects = this.projects(principal, q.project);
    const [labelKeys, clusters, apps] = await Promise.all([
      this.problems.labelKeys(selector, projects),
      this.problems.clusterCount(selector, projects),
      this.problems.byApplication(selector, projects),
    ]);
    const label = q.label ?? defaultGroupLabel(labelKeys);
    const rows = await this.problems.byLabel(label, selector, projects);

    const applications = new Map<string, ProblemGroupDto>();
    for (const r of apps) {
      const g = applications.get(r.id) ?? { id: r.id, name: r.name, clusters: 0, counts: noProblems() };
      g.counts[r.kind] += r.clusters;
      g.clusters += r.clusters; // one status row per (application, cluster): kinds do not overlap
      applications.set(r.id, g);
    }
    const groups = new Map<string | null, ProblemGroupDto>();
    const counts = noProblems();
    let affected = 0;
    for (const r of rows) {
      if (r.allGroups) {
        if (r.kind === null) affected = r.clusters;
        else counts[r.kind] = r.clusters;
        continue;
      }
      const g = groups.get(r.group) ?? { id: null, name: r.group, clusters: 0, counts: noProblems() };
      if (r.kind === null) g.clusters = r.clusters;
      else g.counts[r.kind] = r.clusters;
      groups.set(r.group, g);
    }
    return {
      clusters,
      affected,
      counts,
      labelKeys,
      label,
      applications: [...applications.values()].sort(byUrgency),
      labels: [...groups.values()].sort(byUrgency),
    };
  }

  async list(q: FleetProblemListQueryDto, principal: Grants): Promise<FleetProblemListDto> {
    const { total, items } = await this.problems.affected(
      {
        application: q.application,
        kind: q.kind,
        selector: parseLabelSelector(q.selector ?? '', 'selector'),
        projects: this.projects(principal, q.project),
      },
      q.limit ?? 100,
    );
    return {
      total,
      items: items.map((r) => ({
        ...r,
        updatedAt: r.updatedAt ? new Date(r.updatedAt).toISOString() : null,
      })),
    };
  }
}
