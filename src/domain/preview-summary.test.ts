import { describe, expect, it } from 'vitest';
import {
  comparePreviewClusters,
  NO_ANSWER_REASON,
  previewClusterState,
  previewState,
  summarisePreview,
  type PreviewPart,
} from './preview-summary.js';

const part = (p: Partial<PreviewPart>): PreviewPart => ({
  renderError: null,
  policyDenials: [],
  unknownReason: null,
  answer: null,
  objects: [],
  ...p,
});
const answered = (actions: PreviewPart['objects'][number]['action'][]) =>
  part({ answer: { outcome: 'completed', message: null }, objects: actions.map((action) => ({ action })) });

describe('previewClusterState', () => {
  it('fails a render error and a policy denial before anything else', () => {
    expect(
      previewClusterState(part({ renderError: 'bad yaml', unknownReason: 'Disconnected' }), false),
    ).toEqual({
      state: 'failed',
      reason: 'render failed: bad yaml',
    });
    expect(previewClusterState(part({ policyDenials: [{ resource: 'x', reason: 'y' }] }), false).state).toBe(
      'failed',
    );
  });
  it('is unknown when nothing was asked, pending until expiry, then unknown', () => {
    expect(previewClusterState(part({ unknownReason: 'Disconnected' }), false)).toEqual({
      state: 'unknown',
      reason: 'Disconnected',
    });
    expect(previewClusterState(part({}), false)).toEqual({ state: 'pending', reason: null });
    expect(previewClusterState(part({}), true)).toEqual({ state: 'unknown', reason: NO_ANSWER_REASON });
  });
  it('reads the answer: failed, refused or denied objects fail; changes; in sync', () => {
    expect(previewClusterState(part({ answer: { outcome: 'failed', message: 'down' } }), false)).toEqual({
      state: 'failed',
      reason: 'preview failed: down',
    });
    expect(previewClusterState(answered(['create', 'refused']), false).reason).toBe(
      "1 object refused by the API server's dry run",
    );
    expect(previewClusterState(answered(['denied']), false).state).toBe('failed');
    expect(previewClusterState(answered(['unchanged', 'prune']), false).state).toBe('changes');
    expect(previewClusterState(answered(['unchanged']), false).state).toBe('in-sync');
    // an answer that came counts even after the expiry
    expect(previewClusterState(answered([]), true).state).toBe('in-sync');
  });
});

describe('summarisePreview', () => {
  it('counts clusters and objects and says it in a sentence', () => {
    const s = summarisePreview([
      { state: 'changes', objects: [{ action: 'create' }, { action: 'change' }] },
      { state: 'changes', objects: [{ action: 'prune' }, { action: 'unchanged' }] },
      { state: 'failed', objects: [{ action: 'refused' }] },
      { state: 'unknown', objects: [] },
      { state: 'in-sync', objects: [{ action: 'unchanged' }] },
    ]);
    expect(s).toEqual({
      clusters: 5,
      changing: 2,
      inSync: 1,
      failing: 1,
      unknown: 1,
      pending: 0,
      creates: 1,
      changes: 1,
      prunes: 1,
      text: '2 clusters change 3 objects (1 to create, 1 to change, 1 to prune), 1 fails, 1 unknown, 1 in sync',
    });
    expect(summarisePreview([]).text).toBe('no cluster is targeted');
    expect(summarisePreview([{ state: 'pending', objects: [] }]).text).toBe('1 pending');
  });
});

describe('order and state', () => {
  it('sorts failing, changing, unknown, pending, in-sync, then by name', () => {
    const rows = [
      { state: 'in-sync' as const, clusterName: 'a' },
      { state: 'pending' as const, clusterName: 'b' },
      { state: 'unknown' as const, clusterName: 'c' },
      { state: 'changes' as const, clusterName: 'e' },
      { state: 'changes' as const, clusterName: 'd' },
      { state: 'failed' as const, clusterName: 'z' },
    ];
    expect(rows.sort(comparePreviewClusters).map((r) => r.clusterName)).toEqual([
      'z',
      'd',
      'e',
      'c',
      'b',
      'a',
    ]);
  });
  it('is running while a part may answer, complete when all did, expired when one never did', () => {
    expect(previewState([{ state: 'pending', reason: null }], false)).toBe('running');
    expect(previewState([{ state: 'pending', reason: null }], true)).toBe('expired');
    expect(previewState([{ state: 'unknown', reason: NO_ANSWER_REASON }], true)).toBe('expired');
    expect(
      previewState(
        [
          { state: 'unknown', reason: 'Disconnected' },
          { state: 'in-sync', reason: null },
        ],
        true,
      ),
    ).toBe('complete');
  });
});
