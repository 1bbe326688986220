import { type Command } from 'commander';
import { type ApiClient, itemPath } from '../api-client.js';
import { contextOf, examples } from '../cli-context.js';
import { formatDuration, parseDuration } from '../duration.js';
import { CliError } from '../errors.js';
import { colorEnabled, paint } from '../output.js';
import { type ApplicationDetail, type ClusterStatus, type SyncResult } from './app-types.js';
import { clusterTable, syncLine } from './app-view.js';

/** Synced or Failed: the agent is done with it. Progressing, OutOfSync, Unknown: not yet. */
export const settled = (c: ClusterStatus): boolean => c.sync === 'Synced' || c.sync === 'Failed';

/** Synced / failed / pending counts of an application's target clusters. */
export interface SyncCounts {
  synced: number;
  failed: number;
  pending: number;
  total: number;
}

/** Counts of a status snapshot. */
export function countOf(clusters: ClusterStatus[]): SyncCounts {
  const synced = clusters.filter((c) => c.sync === 'Synced').length;
  const failed = clusters.filter((c) => c.sync === 'Failed').length;
  return { synced, failed, pending: clusters.length - synced - failed, total: clusters.length };
}

/** A progress bar of `width` cells: synced in green, failed in red, pending empty. */
export function progressBar(n: SyncCounts, width: number, color: boolean): string {
  if (n.total === 0) return '░'.repeat(width);
  const ok = Math.round((n.synced / n.total) * width);
  const bad = Math.min(width - ok, Math.round((n.failed / n.total) * width));
  return (
    paint('█'.repeat(ok), 'green', color) +
    paint('█'.repeat(bad), 'red', color) +
    '░'.repeat(width - ok - bad)
  );
}

/** Where progress goes: a stream, and whether it is a terminal (one rewritten line) or not. */
export interface ProgressSink {
  write(text: string): void;
  tty: boolean;
  color: boolean;
}

/**
 * Polls the application until every target cluster is Synced or Failed, or the timeout. On a
 * terminal one line is redrawn in place (bar and counts); elsewhere a line is printed each time
 * a cluster settles, so logs of a CI job read well.
 */
export async function waitForSync(
  api: ApiClient,
  name: string,
  opts: { timeoutMs: number; intervalMs: number; sink: ProgressSink },
): Promise<{ detail: ApplicationDetail; done: boolean }> {
  const started = Date.now();
  const reported = new Map<string, string>();
  const { sink } = opts;
  let lastLine = '';
  for (;;) {
    const detail = await api.get<ApplicationDetail>(itemPath('applications', name));
    const n = countOf(detail.clusters);
    const done = detail.clusters.every(settled);
    const elapsed = formatDuration(Date.now() - started);
    const summary = `${n.synced}/${n.total} synced, ${n.failed} failed, ${n.pending} pending`;
    if (sink.tty) {
      sink.write(`\r\x1b[2K${progressBar(n, 24, sink.color)} ${summary}  ${elapsed}`);
    } else {
      for (const c of detail.clusters) {
        const state = settled(c) ? c.sync : '';
        if (state && reported.get(c.clusterId) !== state) {
          reported.set(c.clusterId, state);
          sink.write(`${c.clusterName}: ${state}${c.message ? ` (${c.message})` : ''}\n`);
        }
      }
      if (summary !== lastLine) sink.write(`${summary} (${elapsed})\n`);
    }
    lastLine = summary;
    const timedOut = Date.now() - started >= opts.timeoutMs;
    if (done || timedOut) {
      if (sink.tty) sink.write('\n');
      return { detail, done };
    }
    await new Promise((r) =>
      setTimeout(r, Math.min(opts.intervalMs, opts.timeoutMs - (Date.now() - started))),
    );
  }
}

/** `app sync NAME [--revision R] [--wait] [--timeout 5m]`. */
export function registerAppSyncCommand(app: Command): void {
  examples(
    app
      .command('sync')
      .description('render and dispatch now; with --wait, follow it until every cluster settles')
      .argument('<name>', 'application name or id')
      .option('--revision <rev>', 'sync this revision instead of the newest')
      .option('--wait', 'wait until every target cluster is Synced or Failed')
      .option('--timeout <duration>', 'give up waiting after this long', '5m')
      .option('--interval <duration>', 'time between status polls', '1s')
      .action(
        async (
          name: string,
          o: { revision?: string; wait?: boolean; timeout: string; interval: string },
          cmd: Command,
        ) => {
          const ctx = contextOf(cmd);
          const timeoutMs = parseDuration(o.timeout);
          const intervalMs = parseDuration(o.interval);
          const api = await ctx.api();
          const r = await api.post<SyncResult>(`${itemPath('applications', name)}/sync`, {
            revision: o.revision,
          });
          if (!o.wait) return ctx.emit(r, () => syncLine(r));
          // Progress goes to stdout in table mode, else to stderr so stdout stays parseable.
          const stream = ctx.format === 'table' ? process.stdout : process.stderr;
          if (ctx.format === 'table') ctx.print(syncLine(r));
          const { detail, done } = await waitForSync(api, name, {
            timeoutMs,
            intervalMs,
            sink: {
              write: (t) => void stream.write(t),
              tty: stream.isTTY === true,
              color: colorEnabled(stream),
            },
          });
          ctx.emit(detail, () => '\n' + clusterTable(detail.clusters, ctx.color));
          const n = countOf(detail.clusters);
          if (!done)
            throw new CliError(
              `timed out after ${o.timeout}: ${n.pending} of ${n.total} cluster(s) still pending`,
            );
          if (n.failed) {
            const failed = detail.clusters.filter((c) => c.sync === 'Failed').map((c) => c.clusterName);
            throw new CliError(`sync failed on ${n.failed} of ${n.total} cluster(s): ${failed.join(', ')}`);
          }
        },
      ),
    [
      'flotilla app sync web',
      'flotilla app sync web --wait --timeout 10m',
      'flotilla app sync web --revision 1a2b3c4 --wait',
    ],
  );
}
