import { describe, expect, it } from 'vitest';
import { planRollout, resolveCount, rolloutStrategyProblems, type RolloutStrategy } from './rollout-plan.js';
import { rolloutStep, type ClusterProgress } from './rollout-step.js';
import { gateChanges } from './rollout-gate.js';
import { clusterProgress } from './rollout-progress.js';

const clusters = [
  ...['c', 'a', 'b'].map((n) => ({ id: `canary-${n}`, name: `canary-${n}`, labels: { ring: 'canary' } })),
  ...Array.from({ length: 8 }, (_, i) => ({ id: `eu-${i}`, name: `eu-${i}`, labels: { region: 'eu' } })),
  { id: 'us-0', name: 'us-0', labels: { region: 'us' } },
];

const strategy: RolloutStrategy = {
  onFailure: 'pause',
  stages: [
    { name: 'canary', clusterSelector: 'ring=canary', batchSize: 1, minHealthySeconds: 60, maxFailures: 0 },
    {
      name: 'eu',
      clusterSelector: 'region=eu',
      batchSize: '25%',
      minHealthySeconds: 0,
      maxFailures: '25%',
      requireApproval: true,
    },
    { name: 'rest', clusterSelector: null, batchSize: '100%', minHealthySeconds: 0, maxFailures: 0 },
  ],
};

describe('rolloutStrategyProblems', () => {
  it('accepts a valid strategy', () => {
    expect(rolloutStrategyProblems(strategy)).toEqual([]);
  });
  it('names every problem', () => {
    expect(
      rolloutStrategyProblems({
        onFailure: 'explode' as 'pause',
        stages: [
          {
            name: 'Bad Name',
            clusterSelector: null,
            batchSize: 0,
            minHealthySeconds: -1,
            maxFailures: '150%',
          },
          {
            name: 'x',
            clusterSelector: 'a in (',
            batchSize: '10' as '10%',
            minHealthySeconds: 0,
            maxFailures: 0,
          },
          { name: 'x', clusterSelector: '', batchSize: 1, minHealthySeconds: 0, maxFailures: 0 },
        ],
      }),
    ).toEqual([
      'rollout.onFailure must be pause or rollback',
      'rollout.stages[0].name must be a DNS-1123 label',
      'rollout.stages[0].clusterSelector may be null ("the rest") only in the last stage',
      'rollout.stages[0].batchSize must be an integer from 1',
      'rollout.stages[0].maxFailures must be a count or a percentage such as "25%"',
      'rollout.stages[0].minHealthySeconds must be a whole number of seconds from 0 to 86400',
      expect.stringContaining('rollout.stages[1].clusterSelector'),
      'rollout.stages[1].batchSize must be a count or a percentage such as "25%"',
      'rollout.stages[2].name "x" is used twice',
    ]);
    expect(rolloutStrategyProblems({ onFailure: 'pause', stages: [] })).toEqual([
      'rollout.stages must list at least one stage',
    ]);
  });
});

describe('planRollout', () => {
  it('cuts stages into batches by name, first matching stage wins, the rest last', () => {
    const plan = planRollout(strategy, clusters);
    expect(plan.stages.map((s) => s.batches)).toEqual([
      [['canary-a'], ['canary-b'], ['canary-c']],
      [
        ['eu-0', 'eu-1'],
        ['eu-2', 'eu-3'],
        ['eu-4', 'eu-5'],
        ['eu-6', 'eu-7'],
      ],
      [['us-0']],
    ]);
    expect(plan.stages.map((s) => s.maxFailures)).toEqual([0, 2, 0]);
    expect(plan.outside).toEqual([]);
  });
  it('leaves clusters no stage selects outside the rollout', () => {
    const plan = planRollout({ ...strategy, stages: strategy.stages.slice(0, 1) }, clusters);
    expect(plan.outside).toHaveLength(9);
  });
  it('rounds batch percentages up and budgets down', () => {
    expect(resolveCount('10%', 5, 'up')).toBe(1);
    expect(resolveCount('10%', 5, 'down')).toBe(0);
    expect(resolveCount(3, 100, 'up')).toBe(3);
  });
});

describe('rolloutStep', () => {
  const plan = planRollout(strategy, clusters).stages;
  const t0 = new Date('2026-11-28T12:00:00Z');
  const at = (s: number) => new Date(t0.getTime() + s * 1000);
  const states = (m: Record<string, ClusterProgress>) => (id: string) => m[id] ?? { state: 'pending' };

  it('starts the first batch, bakes it, then moves on', () => {
    expect(rolloutStep(plan, { stage: 0, batch: -1, approved: [] }, states({}), t0)).toEqual({
      kind: 'start-batch',
      stage: 0,
      batch: 0,
      clusters: ['canary-a'],
    });
    const pos = { stage: 0, batch: 0, approved: [] };
    expect(rolloutStep(plan, pos, states({ 'canary-a': { state: 'syncing' } }), t0)).toMatchObject({
      kind: 'wait',
    });
    const healthy = states({ 'canary-a': { state: 'healthy', since: at(10) } });
    expect(rolloutStep(plan, pos, healthy, at(30))).toEqual({
      kind: 'wait',
      until: at(70),
      reason: 'baking for 60 s',
    });
    expect(rolloutStep(plan, pos, healthy, at(70))).toMatchObject({
      kind: 'start-batch',
      batch: 1,
      clusters: ['canary-b'],
    });
  });

  it('never counts an unavailable cluster as healthy', () => {
    const step = rolloutStep(
      plan,
      { stage: 0, batch: 0, approved: [] },
      states({ 'canary-a': { state: 'unavailable' } }),
      at(999),
    );
    expect(step).toEqual({ kind: 'wait', reason: 'cluster canary-a is unavailable' });
  });

  it('waits for approval before a gated stage, then starts it', () => {
    const done = states(
      Object.fromEntries(
        ['canary-a', 'canary-b', 'canary-c'].map((c) => [c, { state: 'healthy', since: t0 }]),
      ),
    );
    expect(rolloutStep(plan, { stage: 0, batch: 2, approved: [] }, done, at(120))).toEqual({
      kind: 'await-approval',
      stage: 1,
    });
    expect(rolloutStep(plan, { stage: 1, batch: -1, approved: [1] }, done, at(120))).toMatchObject({
      kind: 'start-batch',
      stage: 1,
      clusters: ['eu-0', 'eu-1'],
    });
  });

  it('tolerates failures within the stage budget and stops beyond it', () => {
    const within = states({
      'eu-0': { state: 'failed', reason: 'x' },
      'eu-1': { state: 'healthy', since: t0 },
    });
    expect(rolloutStep(plan, { stage: 1, batch: 0, approved: [1] }, within, at(1))).toMatchObject({
      kind: 'start-batch',
      batch: 1,
    });
    const over = states({
      'eu-0': { state: 'failed', reason: 'x' },
      'eu-1': { state: 'failed', reason: 'y' },
      'eu-2': { state: 'failed', reason: 'z' },
      'eu-3': { state: 'healthy', since: t0 },
    });
    expect(rolloutStep(plan, { stage: 1, batch: 1, approved: [1] }, over, at(1))).toEqual({
      kind: 'stop',
      stage: 1,
      failed: ['eu-0', 'eu-1', 'eu-2'],
      reason: '3 cluster(s) failed in stage eu, over its budget of 2',
    });
  });

  it('completes after the last batch of the last stage', () => {
    const all = states(Object.fromEntries(clusters.map((c) => [c.id, { state: 'healthy', since: t0 }])));
    expect(rolloutStep(plan, { stage: 2, batch: 0, approved: [1] }, all, at(1))).toEqual({
      kind: 'complete',
    });
  });
});

describe('gateChanges', () => {
  const held = (entries: [string, string, boolean][]) =>
    new Map(entries.map(([id, digest, moved]) => [id, { digest, moved }]));

  it('starts a rollout when there is none, and for a newer revision superseding an open one', () => {
    expect(gateChanges('r1', [{ clusterId: 'a', digest: 'd1' }], null)).toEqual({
      now: [],
      retarget: [],
      start: [{ clusterId: 'a', digest: 'd1' }],
      supersede: false,
    });
    const latest = { state: 'progressing' as const, revision: 'r1', clusters: held([['a', 'd1', true]]) };
    expect(gateChanges('r2', [{ clusterId: 'a', digest: 'd2' }], latest)).toMatchObject({
      start: [{ clusterId: 'a', digest: 'd2' }],
      supersede: true,
    });
  });

  it('lets a re-send of what a cluster was given through, and holds the rest of the same revision', () => {
    const latest = {
      state: 'paused' as const,
      revision: 'r1',
      clusters: held([
        ['a', 'd1', true],
        ['b', 'd1', false],
      ]),
    };
    expect(
      gateChanges(
        'r1',
        [
          { clusterId: 'a', digest: 'd1' },
          { clusterId: 'b', digest: 'd9' },
          { clusterId: 'new', digest: 'd1' },
        ],
        latest,
      ),
    ).toEqual({ now: ['a'], retarget: [{ clusterId: 'b', digest: 'd9' }], start: null, supersede: false });
  });

  it('never restarts a rolled-back or aborted rollout of the same revision; a completed one lets joiners start anew', () => {
    const rolledBack = {
      state: 'rolled-back' as const,
      revision: 'r1',
      clusters: held([['a', 'd1', false]]),
    };
    expect(gateChanges('r1', [{ clusterId: 'a', digest: 'd1' }], rolledBack).start).toBeNull();
    const done = { state: 'completed' as const, revision: 'r1', clusters: held([['a', 'd1', true]]) };
    expect(gateChanges('r1', [{ clusterId: 'b', digest: 'd1' }], done)).toMatchObject({
      start: [{ clusterId: 'b', digest: 'd1' }],
      supersede: false,
    });
  });

  it('a change to a cluster already moved (same revision, new bundle) starts a new rollout', () => {
    const latest = { state: 'progressing' as const, revision: 'r1', clusters: held([['a', 'd1', true]]) };
    expect(gateChanges('r1', [{ clusterId: 'a', digest: 'd2' }], latest)).toMatchObject({ supersede: true });
  });
});

describe('clusterProgress', () => {
  const base = {
    startedAt: new Date(1000),
    targetDigest: 'd',
    appliedDigest: 'd',
    connectionState: 'Connected',
    sync: 'Synced',
    health: 'Current',
    message: null,
    statusSince: new Date(5000),
  };
  it('is healthy at the target bundle, Synced and Current, since its status last changed', () => {
    expect(clusterProgress(base)).toEqual({ state: 'healthy', since: new Date(5000) });
    expect(clusterProgress({ ...base, statusSince: new Date(10) })).toEqual({
      state: 'healthy',
      since: new Date(1000),
    });
  });
  it('is unavailable when not connected, whatever the stale status says', () => {
    expect(clusterProgress({ ...base, connectionState: 'Disconnected' })).toEqual({ state: 'unavailable' });
  });
  it('is pending before its batch, failed on a failed sync or health, else syncing', () => {
    expect(clusterProgress({ ...base, startedAt: null })).toEqual({ state: 'pending' });
    expect(clusterProgress({ ...base, sync: 'Failed', message: 'boom' })).toEqual({
      state: 'failed',
      reason: 'boom',
    });
    expect(clusterProgress({ ...base, health: 'Failed' })).toMatchObject({ state: 'failed' });
    expect(clusterProgress({ ...base, appliedDigest: 'old' })).toEqual({ state: 'syncing' });
    expect(clusterProgress({ ...base, health: 'InProgress' })).toEqual({ state: 'syncing' });
  });
});
