import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CELL_RULES, type CellState, type GridFilter } from '../../domain/fleet-status.js';
import { type LabelSelector } from '../../domain/label-selector.js';
import { labelSelectorSql } from '../common/selector-sql.js';
import { DATA_SOURCE } from '../database/unit-of-work.js';

/** A cluster as a grid row heads it. */
export interface GridCluster {
  id: string;
  name: string;
  labels: Record<string, string>;
  connectionState: string;
  agentVersion: string | null;
  kubernetesVersion: string | null;
}

/** One cell: an application's sync and health on a cluster. */
export interface GridCell {
  clusterId: string;
  applicationId: string;
  sync: string;
  health: string;
}

/** Counts over every cluster the selector picks, whatever the state filter and the window. */
export interface GridCounts {
  clusters: number;
  connected: number;
  disconnected: number;
  pending: number;
  applications: number;
  cells: Record<CellState, number>;
}

const list = (xs: string[]) => xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(', ');

/** `CELL_RULES` as one CASE expression over a row's sync and health columns (constants only). */
export function cellStateSql(sync: string, health: string): string {
  const whens = CELL_RULES.map((r) => {
    const s = r.sync.length ? `${sync} IN (${list(r.sync)})` : 'false';
    const h = r.health.length ? `${health} IN (${list(r.health)})` : 'false';
    const cond = r.sync.length || r.health.length ? (r.both ? `(${s} AND ${h})` : `(${s} OR ${h})`) : 'true';
    return `WHEN ${cond} THEN '${r.state}'`;
  });
  return `CASE ${whens.join(' ')} END`;
}

/**
 * SQL condition: rows of applications in these projects only (a project-scoped caller's view); `null`: every
 * application (a global role).
 */
export function visibleSql(column: string, projects: string[] | null, params: unknown[]): string {
  if (projects === null) return 'true';
  params.push(projects);
  return `${column} IN (SELECT a.id FROM applications a JOIN projects pr ON pr.id = a.project_id WHERE pr.name = ANY($${params.length}::text[]))`;
}

/**
 * The fleet grid's reads: a window of clusters (by name, after the selector and state filter),
 * their cells, the application columns, and the counts — a fixed number of statements whatever
 * the size of the fleet, each bounded by the window or grouped.
 */
@Injectable()
export class FleetGridRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** The clusters of one window and how many clusters the filters select in all. */
  async clusters(
    selector: LabelSelector,
    filter: GridFilter,
    offset: number,
    limit: number,
    projects: string[] | null,
  ): Promise<{ total: number; clusters: GridCluster[] }> {
    const params: unknown[] = [];
    const where = [selector.length ? labelSelectorSql(selector, 'c.labels', params) : 'true'];
    const visible = visibleSql('f.application_id', projects, params);
    const cellIs = (cond: string) =>
      `EXISTS (SELECT 1 FROM fleet_status f WHERE f.cluster_id = c.id AND ${visible} AND ${cond})`;
    // a project-scoped caller sees the clusters its applications target
    if (projects !== null) where.push(cellIs('true'));
    const state = cellStateSql('f.sync', 'f.health');
    if (filter === 'disconnected') where.push(`c.connection_state = 'Disconnected'`);
    else if (filter === 'problem')
      where.push(`(c.connection_state = 'Disconnected' OR ${cellIs(`${state} <> 'ok'`)})`);
    else if (filter !== 'all') {
      params.push(filter);
      where.push(cellIs(`${state} = $${params.length}`));
    }
    params.push(offset, limit);
    const rows: (GridCluster & { total: string })[] = await this.ds.query(
      `SELECT c.id, c.name, c.labels, c.connection_state AS "connectionState",
              c.agent_version AS "agentVersion", c.kubernetes_version AS "kubernetesVersion",
              count(*) OVER () AS total
         FROM clusters c WHERE ${where.join(' AND ')}
        ORDER BY c.name OFFSET $${params.length - 1} LIMIT $${params.length}`,
      params,
    );
    // past the end a window has no row to carry the total: count it alone
    const total = rows.length
      ? Number(rows[0].total)
      : offset > 0
        ? Number(
            (
              await this.ds.query<{ n: string }[]>(
                `SELECT count(*) AS n FROM clusters c WHERE ${where.join(' AND ')}`,
                params.slice(0, -2),
              )
            )[0].n,
          )
        : 0;
    return { total, clusters: rows.map(({ total: _, ...c }) => c) };
  }

  /** Every cell of some clusters (of the visible applications). */
  cells(clusterIds: string[], projects: string[] | null): Promise<GridCell[]> {
    if (clusterIds.length === 0) return Promise.resolve([]);
    const params: unknown[] = [clusterIds];
    return this.ds.query(
      `SELECT cluster_id AS "clusterId", application_id AS "applicationId", sync, health
         FROM fleet_status f WHERE cluster_id = ANY($1::uuid[]) AND ${visibleSql('f.application_id', projects, params)}`,
      params,
    );
  }

  /** Every visible application, by name: the grid's columns. */
  applications(projects: string[] | null): Promise<{ id: string; name: string; path: string }[]> {
    const params: unknown[] = [];
    return this.ds.query(
      `SELECT id, name, path FROM applications WHERE ${visibleSql('id', projects, params)} ORDER BY name`,
      params,
    );
  }

  /** Connection and cell counts over the clusters the selector picks (and the caller sees). */
  async counts(
    selector: LabelSelector,
    projects: string[] | null,
  ): Promise<Omit<GridCounts, 'applications'>> {
    const params: unknown[] = [];
    let where = selector.length ? labelSelectorSql(selector, 'c.labels', params) : 'true';
    const visible = visibleSql('f.application_id', projects, params);
    if (projects !== null)
      where += ` AND EXISTS (SELECT 1 FROM fleet_status f WHERE f.cluster_id = c.id AND ${visible})`;
    const [conn, cells] = await Promise.all([
      this.ds.query<{ state: string; n: string }[]>(
        `SELECT c.connection_state AS state, count(*) AS n FROM clusters c WHERE ${where} GROUP BY 1`,
        params,
      ),
      this.ds.query<{ state: CellState; n: string }[]>(
        `SELECT ${cellStateSql('f.sync', 'f.health')} AS state, count(*) AS n
           FROM fleet_status f JOIN clusters c ON c.id = f.cluster_id WHERE ${where} AND ${visible} GROUP BY 1`,
        params,
      ),
    ]);
    const by = Object.fromEntries(conn.map((r) => [r.state, Number(r.n)]));
    const out = {
      clusters: conn.reduce((n, r) => n + Number(r.n), 0),
      connected: by.Connected ?? 0,
      disconnected: by.Disconnected ?? 0,
      pending: by.Pending ?? 0,
      cells: { failed: 0, outofsync: 0, progressing: 0, ok: 0, unknown: 0 } as Record<CellState, number>,
    };
    for (const r of cells) out.cells[r.state] = Number(r.n);
    return out;
  }
}
