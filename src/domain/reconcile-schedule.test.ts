import { describe, expect, it } from 'vitest';
import {
  classifyHeadMove,
  followedRevision,
  MAX_RECONCILE_RETRY_MS,
  pathsTouch,
  reconcileDue,
  reconcileRetryDelayMs,
  type ReconcileCandidate,
} from './reconcile-schedule.js';

const now = new Date('2026-11-28T00:00:00Z');
const app = (over: Partial<ReconcileCandidate> = {}): ReconcileCandidate => ({
  automated: true,
  pinned: false,
  suspended: false,
  deleting: false,
  reconciledRevision: 'a',
  reconcileRetryAt: null,
  ...over,
});

describe('reconcileDue', () => {
  it.each([
    ['behind the followed revision', app(), 'b', true],
    ['never reconciled', app({ reconciledRevision: null }), 'b', true],
    ['at the followed revision', app(), 'a', false],
    ['failed, retry due', app({ reconcileRetryAt: new Date(now.getTime() - 1) }), 'a', true],
    ['failed, retry exactly now', app({ reconcileRetryAt: now }), 'a', true],
    ['failed, retry later', app({ reconcileRetryAt: new Date(now.getTime() + 1) }), 'a', false],
    [
      'failed, retry later but a new revision',
      app({ reconcileRetryAt: new Date(now.getTime() + 1) }),
      'b',
      true,
    ],
    ['manual sync policy', app({ automated: false }), 'b', false],
    ['pinned', app({ pinned: true }), 'b', false],
    ['suspended', app({ suspended: true }), 'b', false],
    ['being deleted', app({ deleting: true }), 'b', false],
    ['repository never polled', app({ reconciledRevision: null }), null, false],
  ])('%s', (_name, candidate, followed, due) => {
    expect(reconcileDue(candidate, followed, now)).toBe(due);
  });
});

describe('reconcileRetryDelayMs', () => {
  it('doubles from the base per failure and stops at the cap', () => {
    expect([1, 2, 3, 4].map((n) => reconcileRetryDelayMs(n, 30_000))).toEqual([
      30_000, 60_000, 120_000, 240_000,
    ]);
    expect(reconcileRetryDelayMs(0, 30_000)).toBe(30_000);
    expect(reconcileRetryDelayMs(7, 30_000)).toBe(MAX_RECONCILE_RETRY_MS);
    expect(reconcileRetryDelayMs(10_000, 30_000)).toBe(MAX_RECONCILE_RETRY_MS);
  });
});

describe('followedRevision', () => {
  it('follows the head unless the branch was rewound', () => {
    expect(followedRevision({ lastRevision: 'h', rewoundFrom: null })).toBe('h');
    expect(followedRevision({ lastRevision: 'old', rewoundFrom: 'newer' })).toBe('newer');
    expect(followedRevision({ lastRevision: null, rewoundFrom: null })).toBeNull();
  });
});

describe('classifyHeadMove', () => {
  const history: Record<string, string[]> = { c3: ['c2', 'c1'], c2: ['c1'], x1: [] };
  const descends = (followed: string, head: string) =>
    Promise.resolve(history[head]?.includes(followed) ?? false);
  it.each([
    ['the same head', { lastRevision: 'c2', followed: 'c2' }, 'c2', 'unchanged'],
    ['a first head', { lastRevision: null, followed: null }, 'c1', 'forward'],
    ['a descendant', { lastRevision: 'c2', followed: 'c2' }, 'c3', 'forward'],
    ['an ancestor (force-push back)', { lastRevision: 'c2', followed: 'c2' }, 'c1', 'rewound'],
    ['an unrelated commit', { lastRevision: 'c2', followed: 'c2' }, 'x1', 'rewound'],
    ['back at the followed revision', { lastRevision: 'c1', followed: 'c2' }, 'c2', 'restored'],
    ['past the followed revision after a rewind', { lastRevision: 'c1', followed: 'c2' }, 'c3', 'forward'],
    ['still behind after a rewind', { lastRevision: 'x1', followed: 'c2' }, 'c1', 'rewound'],
  ] as const)('%s', async (_name, seen, head, move) => {
    expect(await classifyHeadMove(seen, head, descends)).toBe(move);
  });
});

describe('pathsTouch', () => {
  it.each([
    [null, 'apps/web', true],
    [['apps/api/a.yaml'], '', true],
    [['apps/web/a.yaml'], 'apps/web', true],
    [['apps/web'], 'apps/web', true],
    [['apps'], 'apps/web', true], // SVN reports changed directories
    [['apps/api/a.yaml'], 'apps/web', false],
    [['apps/webx/a.yaml'], 'apps/web', false],
    [[], 'apps/web', false],
  ])('%j under %s: %s', (paths, appPath, touched) => {
    expect(pathsTouch(paths, appPath)).toBe(touched);
  });
});
