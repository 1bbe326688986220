import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PROBLEM_KINDS, PROBLEM_RULES, type ProblemKind } from '../../domain/fleet-problems.js';
import { type LabelSelector } from '../../domain/label-selector.js';
import { labelSelectorSql } from '../common/selector-sql.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';
import { visibleSql } from './fleet-grid.repository.js';

const quoted = (xs: readonly string[]) => xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(', ');
const COLUMN = { connection: 'c.connection_state', sync: 'f.sync', health: 'f.health' } as const;

/** `PROBLEM_RULES` as one CASE over `c` (clusters) and `f` (fleet_status); constants only. */
export function problemKindSql(): string {
  const whens = PROBLEM_RULES.map((r) => `WHEN ${COLUMN[r.field]} IN (${quoted(r.states)}) THEN '${r.kind}'`);
  return `CASE ${whens.join(' ')} END`;
}

/** One row of a summary: a group (or the whole selection), a kind (or every kind), a count. */
export interface ProblemCountRow {
  group: string | null;
  /** The group column was rolled up: the row counts every group. */
  allGroups: boolean;
  kind: ProblemKind | null;
  clusters: number;
}

/** One (cluster, application) that needs attention; a disconnected cluster targeted by nothing has no application. */
export interface ProblemRow {
  clusterId: string;
  clusterName: string;
  labels: Record<string, string>;
  connectionState: string;
  applicationId: string | null;
  applicationName: string | null;
  kind: ProblemKind;
  sync: string | null;
  health: string | null;
  message: string | null;
  updatedAt: Date | null;
}

/**
 * The landing view's reads: what needs attention, counted by application and by one cluster
 * label, and the affected clusters of one group. Each is one grouped or bounded statement,
 * whatever the size of the fleet.
 */
@Injectable()
export class FleetProblemsRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** The clusters the caller looks at: the selector's, and (project-scoped) those its applications target. */
  private scope(selector: LabelSelector, projects: string[] | null, params: unknown[]): string {
    const where = [selector.length ? labelSelectorSql(selector, 'c.labels', params) : 'true'];
    if (projects !== null)
      where.push(
        `EXISTS (SELECT 1 FROM fleet_status v WHERE v.cluster_id = c.id AND ${visibleSql('v.application_id', projects, params)})`,
      );
    return where.join(' AND ');
  }

  /** Label keys of the clusters in scope, by how many clusters carry them (at most 50). */
  labelKeys(
    selector: LabelSelector,
    projects: string[] | null,
  ): Promise<{ key: string; clusters: number }[]> {
    const params: unknown[] = [];
    const scope = this.scope(selector, projects, params);
    return this.ds
      .query<{ key: string; clusters: string }[]>(
        `SELECT k AS key, count(*) AS clusters FROM clusters c CROSS JOIN LATERAL jsonb_object_keys(c.labels) k
          WHERE ${scope} GROUP BY k ORDER BY count(*) DESC, k LIMIT 50`,
        params,
      )
      .then((rows) => rows.map((r) => ({ key: r.key, clusters: Number(r.clusters) })));
  }

  /** How many clusters are in scope. */
  async clusterCount(selector: LabelSelector, projects: string[] | null): Promise<number> {
    const params: unknown[] = [];
    const scope = this.scope(selector, projects, params);
    const [{ n }] = await this.ds.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM clusters c WHERE ${scope}`,
      params,
    );
    return Number(n);
  }

  /** Affected clusters of each application, by kind (each status row is one cluster). */
  async byApplication(
    selector: LabelSelector,
    projects: string[] | null,
  ): Promise<{ id: string; name: string; kind: ProblemKind; clusters: number }[]> {
    const params: unknown[] = [];
    const scope = this.scope(selector, projects, params);
    const visible = visibleSql('f.application_id', projects, params);
    const rows = await this.ds.query<{ id: string; name: string; kind: ProblemKind; n: string }[]>(
      `SELECT f.application_id AS id, f.application_name AS name, ${problemKindSql()} AS kind, count(*) AS n
         FROM fleet_status f JOIN clusters c ON c.id = f.cluster_id
        WHERE ${scope} AND ${visible} AND ${problemKindSql()} IS NOT NULL
        GROUP BY 1, 2, 3`,
      params,
    );
    return rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind, clusters: Number(r.n) }));
  }

  /**
   * Affected clusters grouped by the value of one label (null: clusters without it; no label:
   * one group), by kind and in all, with the totals over every group. A cluster counts once per
   * kind it shows, and once in its group's total.
   */
  async byLabel(
    label: string | null,
    selector: LabelSelector,
    projects: string[] | null,
  ): Promise<ProblemCountRow[]> {
    const params: unknown[] = [];
    const scope = this.scope(selector, projects, params);
    const visible = visibleSql('f.application_id', projects, params);
    params.push(label);
    const value = `c.labels ->> $${params.length}::text`;
    const rows = await this.ds.query<
      { grp: string | null; all_groups: number; kind: ProblemKind | null; n: string }[]
    >(
      `WITH affected AS (
         SELECT c.id, ${value} AS grp, ${problemKindSql()} AS kind
           FROM clusters c JOIN fleet_status f ON f.cluster_id = c.id
          WHERE ${scope} AND ${visible} AND ${problemKindSql()} IS NOT NULL
         UNION
         SELECT c.id, ${value}, 'disconnected' FROM clusters c
          WHERE ${scope} AND c.connection_state = 'Disconnected')
       SELECT grp, GROUPING(grp) AS all_groups, kind, count(DISTINCT id) AS n FROM affected
        GROUP BY GROUPING SETS ((grp, kind), (grp), (kind), ())`,
      params,
    );
    return rows.map((r) => ({
      group: r.grp,
      allGroups: Number(r.all_groups) === 1,
      kind: r.kind,
      clusters: Number(r.n),
    }));
  }

  /** The affected (cluster, application) rows of one group, most urgent first; and how many there are. */
  async affected(
    f: { application?: string; kind?: ProblemKind; selector: LabelSelector; projects: string[] | null },
    limit: number,
  ): Promise<{ total: number; items: ProblemRow[] }> {
    const params: unknown[] = [];
    const scope = this.scope(f.selector, f.projects, params);
    const visible = visibleSql('f.application_id', f.projects, params);
    const kind = `COALESCE(${problemKindSql()}, 'disconnected')`;
    const where = [scope, `(f.application_id IS NOT NULL OR c.connection_state = 'Disconnected')`];
    if (f.application !== undefined) {
      params.push(f.application);
      where.push(`(f.application_name = $${params.length} OR f.application_id::text = $${params.length})`);
    }
    if (f.kind !== undefined) {
      params.push(f.kind);
      where.push(`${kind} = $${params.length}`);
    }
    params.push(PROBLEM_KINDS, limit);
    const rows = await this.ds.query<(ProblemRow & { total: string })[]>(
      `SELECT c.id AS "clusterId", c.name AS "clusterName", c.labels, c.connection_state AS "connectionState",
              f.application_id AS "applicationId", f.application_name AS "applicationName", ${kind} AS kind,
              f.sync, f.health, f.message, f.updated_at AS "updatedAt", count(*) OVER () AS total
         FROM clusters c
         LEFT JOIN fleet_status f ON f.cluster_id = c.id AND ${visible} AND ${problemKindSql()} IS NOT NULL
        WHERE ${where.join(' AND ')}
        ORDER BY array_position($${params.length - 1}::text[], ${kind}), c.name, f.application_name
        LIMIT $${params.length}`,
      params,
    );
    return { total: rows.length ? Number(rows[0].total) : 0, items: rows.map(({ total: _, ...r }) => r) };
  }
}
