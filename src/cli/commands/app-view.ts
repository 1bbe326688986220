import { formatLabels, formatTime, renderFields, renderTable, shortRevision, stateStyle } from '../output.js';
import {
  type Application,
  type ApplicationDetail,
  type ClusterStatus,
  type SyncResult,
} from './app-types.js';
import { strategyLine } from './app-rollout-view.js';
import { sourceFields, targetHelmText } from './app-source.js';

/** Selectors of an application's targets, `;`-separated. */
export function selectors(a: Application): string {
  return a.targets.map((t) => t.clusterSelector || '(all)').join('; ');
}

/** The sync policy as flags: `auto,prune,self-heal`, or `manual`. */
export function policy(a: Application): string {
  const p = a.syncPolicy;
  const flags = [p.automated && 'auto', p.prune && 'prune', p.selfHeal && 'self-heal'].filter(Boolean);
  return flags.length ? flags.join(',') : 'manual';
}

/** The per-cluster table of `app get`. */
export function clusterTable(clusters: ClusterStatus[], color: boolean): string {
  return renderTable(
    [
      { header: 'CLUSTER', value: (c) => c.clusterName },
      { header: 'CONNECTION', value: (c) => c.connectionState, style: stateStyle },
      { header: 'WANTED', value: (c) => shortRevision(c.revisionWanted) },
      { header: 'APPLIED', value: (c) => shortRevision(c.revisionApplied) },
      { header: 'SYNC', value: (c) => c.sync, style: stateStyle },
      { header: 'HEALTH', value: (c) => c.health, style: stateStyle },
      { header: 'LAST JOB', value: (c) => (c.lastJob ? `${c.lastJob.kind} ${c.lastJob.state}` : null) },
      { header: 'MESSAGE', value: (c) => c.message ?? c.lastJob?.error },
    ],
    clusters,
    color,
  );
}

/** `app get`: the application's settings, then one line per target cluster. */
export function renderDetail(d: ApplicationDetail, repoName: string, color: boolean): string {
  const head = renderFields(
    [
      ['name', d.name],
      ['project', d.project],
      ['repository', repoName],
      ['path', d.path],
      ...sourceFields(d),
      ['pinned revision', d.revision],
      [
        'targets',
        d.targets.map((t) => `${t.clusterSelector}${t.namespace ? ` → ${t.namespace}` : ''}`).join('; '),
      ],
      ['values', d.targets.map((t) => formatLabels(t.values as Record<string, string>)).join('; ')],
      ...(d.targets.some((t) => t.helm)
        ? [['helm values', d.targets.map(targetHelmText).join('; ')] as [string, unknown]]
        : []),
      ['sync policy', policy(d)],
      ['rollout', strategyLine(d.rollout) ?? 'all clusters at once'],
      ...(d.dependsOn?.length ? [['depends on', d.dependsOn.join(', ')] as [string, unknown]] : []),
      ['state', d.deleting ? 'deleting' : d.suspended ? 'suspended (pinned)' : 'active'],
      ['updated', formatTime(d.updatedAt)],
      ...(d.warnings.length ? [['warnings', d.warnings.join('\n')] as [string, unknown]] : []),
    ],
    color,
  );
  return (
    head + '\n' + (d.clusters.length ? clusterTable(d.clusters, color) : 'No cluster matches the targets.\n')
  );
}

/** One line for what a sync, rollback or unpin queued. */
export const syncLine = (r: SyncResult) =>
  `queued ${r.jobs} job(s), ${r.removals} removal(s); ${r.unchanged} cluster(s) unchanged` +
  (r.renderFailures ? `; ${r.renderFailures} render failure(s)` : '') +
  (r.revision ? ` (revision ${shortRevision(r.revision)})` : '') +
  '\n';
