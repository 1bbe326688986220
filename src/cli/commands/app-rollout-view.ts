import type * as Hub from '../../api-types/hub-api.js';
import { formatTime, paint, renderFields, renderTable, shortRevision, type Style } from '../output.js';

/** A staged rollout as `GET /api/v1/applications/:app/rollout` returns it. */
export type Rollout = Hub.RolloutDto;
/** A rollout strategy as an application stores it. */
export type RolloutStrategy = Hub.RolloutStrategyDto;

type Stage = Hub.RolloutStageStatusDto;
type Cluster = Hub.RolloutClusterDto;

/** A symbol and a colour per cluster progress, so the view reads without colour too. */
const PROGRESS: Record<string, [string, Style | undefined]> = {
  healthy: ['✓', 'green'],
  syncing: ['~', 'yellow'],
  pending: ['·', 'dim'],
  failed: ['✗', 'red'],
  unavailable: ['?', 'red'],
  'rolled-back': ['↩', 'cyan'],
};

/** States a rollout does not leave by itself: someone has to act (or a new commit comes). */
export const STOPPED_STATES = ['paused', 'awaiting-approval', 'aborted', 'rolled-back'];

/** The colour of a rollout, stage or batch state word. */
export function rolloutStateStyle(state: string): Style | undefined {
  if (state === 'completed' || state === 'done' || state === 'healthy') return 'green';
  if (['paused', 'aborted', 'rolled-back', 'failed', 'unavailable'].includes(state)) return 'red';
  if (['progressing', 'awaiting-approval', 'syncing'].includes(state)) return 'yellow';
  if (state === 'pending' || state === 'superseded') return 'dim';
  return undefined;
}

const healthyIn = (s: Stage) =>
  s.batches.reduce((n, b) => n + b.clusters.filter((c) => c.progress === 'healthy').length, 0);

function clusterLine(c: Cluster, color: boolean): string {
  const [symbol, style] = PROGRESS[c.progress] ?? ['?', undefined];
  const head = `${paint(symbol, style, color)} ${c.name}`;
  return `      ${head}  ${paint(c.progress, style, color)}${c.message ? `  ${c.message}` : ''}`;
}

function stageBlock(s: Stage, i: number, of: number, color: boolean): string[] {
  const rules = [
    s.requireApproval ? (s.approved ? 'approved' : 'needs approval') : null,
    s.minHealthySeconds ? `bake ${s.minHealthySeconds}s` : null,
    `max failures ${s.maxFailures}`,
  ].filter(Boolean);
  const lines = [
    `${paint(`stage ${i + 1}/${of}`, 'bold', color)} ${s.name}  ${paint(s.state, rolloutStateStyle(s.state), color)}` +
      `  ${healthyIn(s)}/${s.clusterCount} healthy  (${rules.join(', ')})`,
  ];
  for (const b of s.batches) {
    lines.push(`  batch ${b.index + 1}  ${paint(b.state, rolloutStateStyle(b.state), color)}`);
    for (const c of b.clusters) lines.push(clusterLine(c, color));
  }
  return lines;
}

/** Where the history entry happened: `stage canary batch 2`, from the indexes it records. */
function where(r: Rollout, h: Hub.RolloutHistoryDto): string | null {
  if (h.stage === undefined) return null;
  const name = r.stages?.[h.stage]?.name ?? String(h.stage + 1);
  return `stage ${name}${h.batch !== undefined && h.batch >= 0 ? ` batch ${h.batch + 1}` : ''}`;
}

/** `app rollout status`: the rollout's head, a block per stage (batches, clusters), then its history. */
export function renderRollout(r: Rollout, color: boolean): string {
  const head = renderFields(
    [
      ['application', r.application],
      ['revision', r.revisionDisplay || shortRevision(r.revision)],
      ['state', paint(r.state, rolloutStateStyle(r.state), color)],
      ['reason', r.reason],
      ['on failure', r.onFailure],
      ['started', `${formatTime(r.createdAt)} by ${r.startedBy}`],
      ...(r.endedAt ? [['ended', formatTime(r.endedAt)] as [string, unknown]] : []),
      [
        'clusters',
        Object.entries(r.counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', '),
      ],
    ],
    color,
  );
  const stages = r.stages ?? [];
  const body = stages.flatMap((s, i) => stageBlock(s, i, stages.length, color));
  if (r.outside?.length)
    body.push(
      `${paint('outside every stage', 'bold', color)} (they keep what they run): ${r.outside.map((c) => c.name).join(', ')}`,
    );
  const history = r.history.length
    ? '\n' +
      renderTable(
        [
          { header: 'TIME', value: (h: Hub.RolloutHistoryDto) => formatTime(h.at) },
          { header: 'ACTION', value: (h) => h.action },
          { header: 'WHERE', value: (h) => where(r, h) },
          { header: 'ACTOR', value: (h) => h.actor },
          { header: 'REASON', value: (h) => h.reason },
        ],
        r.history,
        color,
      )
    : '';
  return `${head}\n${body.join('\n')}\n${history}`;
}

/** One line for progress while waiting: `stage 2/3 early: 4/6 healthy — cluster e2 is not yet …`. */
export function rolloutLine(r: Rollout): string {
  const stages = r.stages ?? [];
  const total = stages.reduce((n, s) => n + s.clusterCount, 0);
  const healthy = r.counts.healthy ?? 0;
  const at = stages[r.stage];
  const pos = at ? `stage ${r.stage + 1}/${stages.length} ${at.name}` : `${stages.length} stage(s)`;
  return `${r.state}, ${pos}: ${healthy}/${total} healthy${r.reason ? ` — ${r.reason}` : ''}`;
}

/** A strategy in one line for `app get`: `canary(ring=canary) → prod(the rest, approval); on failure pause`. */
export function strategyLine(s: RolloutStrategy | null | undefined): string | null {
  if (!s) return null;
  const stage = (x: Hub.RolloutStageDto) => {
    const bits = [
      x.clusterSelector ?? 'the rest',
      x.batchSize !== undefined && x.batchSize !== '100%' ? `batch ${x.batchSize}` : null,
      x.minHealthySeconds ? `bake ${x.minHealthySeconds}s` : null,
      x.maxFailures ? `max failures ${x.maxFailures}` : null,
      x.requireApproval ? 'approval' : null,
    ].filter(Boolean);
    return `${x.name}(${bits.join(', ')})`;
  };
  return `${s.stages.map(stage).join(' → ')}; on failure ${s.onFailure ?? 'pause'}`;
}
