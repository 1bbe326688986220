import { type Command } from 'commander';
import type * as Hub from '../../api-types/hub-api.js';
import { type ApiClient } from '../api-client.js';
import { type CliContext, collect, contextOf, examples, positiveInt } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { renderTable, shortRevision, stateStyle } from '../output.js';

type FleetStatus = Hub.FleetStatusDto;
type FleetStatusPage = Hub.FleetStatusPageDto;

const PATH = '/api/v1/fleet/status';
const SYNC = ['Synced', 'OutOfSync', 'Progressing', 'Failed', 'Unknown'];
const HEALTH = ['Current', 'InProgress', 'Failed', 'Terminating', 'NotFound', 'Unknown'];

/** Filters of `fleet status` and `app status`, as the hub's query parameters. */
export interface FleetQuery {
  selector?: string;
  application?: string;
  cluster?: string;
  sync?: string;
  health?: string;
}

/** `--sync a,b --sync c` → `a,b,c`, each checked against the known states (a usage error names it). */
function stateList(values: string[], known: string[], flag: string): string | undefined {
  const out = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)
    .map((v) => {
      const match = known.find((k) => k.toLowerCase() === v.toLowerCase());
      if (!match) throw new UsageError(`${flag}: unknown state '${v}' (one of ${known.join(', ')})`);
      return match;
    });
  return out.length ? out.join(',') : undefined;
}

/** Rows of the filtered set, up to `max`, and the counts of the whole set (from the first page). */
export async function fleetStatus(
  api: ApiClient,
  query: FleetQuery,
  max: number,
): Promise<{ items: FleetStatus[]; counts: FleetStatusPage['counts'] }> {
  const items: FleetStatus[] = [];
  let counts: FleetStatusPage['counts'] | null = null;
  let cursor: string | null = null;
  do {
    const limit = Math.min(5000, max - items.length);
    const page: FleetStatusPage = await api.get<FleetStatusPage>(PATH, { ...query, limit, cursor });
    counts ??= page.counts;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return { items, counts: counts };
}

/** `12 rows · sync: Synced 10, Failed 2 · health: Current 10, Unknown 2`. */
export function countsLine(counts: FleetStatusPage['counts'], shown: number): string {
  const part = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || '-';
  const rows = shown < counts.total ? `${shown} of ${counts.total} rows shown` : `${counts.total} rows`;
  return `${rows} · sync: ${part(counts.sync)} · health: ${part(counts.health)}\n`;
}

/** Prints the filtered rows as a table with the counts below (or JSON/YAML of both). */
export async function printFleetStatus(ctx: CliContext, query: FleetQuery, max: number): Promise<void> {
  const result = await fleetStatus(await ctx.api(), query, max);
  ctx.emit(result, () => {
    const table = renderTable(
      [
        { header: 'APPLICATION', value: (r) => r.applicationName },
        { header: 'CLUSTER', value: (r) => r.clusterName },
        { header: 'CONNECTION', value: (r) => r.connectionState, style: stateStyle },
        { header: 'WANTED', value: (r) => shortRevision(r.wantedRevisionDisplay) },
        { header: 'APPLIED', value: (r) => shortRevision(r.appliedRevisionDisplay) },
        { header: 'SYNC', value: (r) => r.sync, style: stateStyle },
        { header: 'HEALTH', value: (r) => r.health, style: stateStyle },
        { header: 'LAST JOB', value: (r) => (r.lastJob ? `${r.lastJob.kind} ${r.lastJob.state}` : null) },
        { header: 'MESSAGE', value: (r) => r.message },
      ],
      result.items,
      ctx.color,
    );
    return (
      (result.items.length ? table : 'Nothing matches.\n') + countsLine(result.counts, result.items.length)
    );
  });
}

/** The status filter options shared by `fleet status` and `app status`. */
export function statusOptions(cmd: Command): Command {
  return cmd
    .option('-l, --selector <selector>', 'cluster label selector (repeatable: ANDed)', collect, [])
    .option('--cluster <name>', 'one cluster (name or id)')
    .option('--sync <states>', `sync states, comma-separated (${SYNC.join(', ')})`, collect, [])
    .option('--health <states>', `health states, comma-separated (${HEALTH.join(', ')})`, collect, [])
    .option(
      '--limit <n>',
      'show at most this many rows (counts cover all)',
      (v) => positiveInt(v, 'limit'),
      1000,
    );
}

/** Reads the options of {@link statusOptions} into a query. */
export function queryOf(o: {
  selector: string[];
  cluster?: string;
  sync: string[];
  health: string[];
}): FleetQuery {
  return {
    selector: o.selector.join(',') || undefined,
    cluster: o.cluster,
    sync: stateList(o.sync, SYNC, '--sync'),
    health: stateList(o.health, HEALTH, '--health'),
  };
}

/** `fleet status`. */
export function registerFleetCommands(program: Command): void {
  const fleet = program.command('fleet').description('the state of every application on every cluster');
  examples(
    statusOptions(
      fleet
        .command('status')
        .description('sync and health of every (application, cluster), filtered, with counts')
        .option('--app <name>', 'one application (name or id)'),
    ).action(async (o: Parameters<typeof queryOf>[0] & { app?: string; limit: number }, cmd: Command) => {
      await printFleetStatus(contextOf(cmd), { ...queryOf(o), application: o.app }, o.limit);
    }),
    [
      'flotilla fleet status',
      'flotilla fleet status --sync Failed,OutOfSync',
      "flotilla fleet status -l 'env=prod' --health Failed,Unknown",
      'flotilla fleet status --app web -o json',
    ],
  );
}
