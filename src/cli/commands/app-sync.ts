import { type ApiClient, itemPath } from '../api-client.js';
import { formatDuration } from '../duration.js';
import { paint } from '../output.js';
import { type ApplicationDetail, type ClusterStatus } from './app-types.js';

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
