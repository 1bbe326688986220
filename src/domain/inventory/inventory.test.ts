import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import type { LiveObject } from '../health/health.types.js';
import { compareIds, diffInventory, formatId, idOf, parseId, prunable, type ObjectId } from './inventory.js';

const APP = 'app-1';
const id = (text: string): ObjectId => parseId(text);

describe('idOf / formatId / parseId', () => {
  it.each<[LiveObject, string]>([
    [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'web' } },
      'apps/Deployment/web/api',
    ],
    [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'web' } },
      '/ConfigMap/web/cfg',
    ],
    [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } }, '/Namespace//web'],
    [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'system:reader' },
      },
      'rbac.authorization.k8s.io/ClusterRole//system:reader',
    ],
  ])('formats %j as %s and parses it back', (object, text) => {
    expect(formatId(idOf(object))).toBe(text);
    expect(parseId(text)).toEqual(idOf(object));
  });

  it('ignores the version: the same object across API versions has one id', () => {
    const v1 = idOf({
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'n' },
    });
    const v2 = idOf({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'n' },
    });
    expect(v1).toEqual(v2);
  });

  it.each([
    '',
    'apps/Deployment/web',
    'apps/Deployment/web/api/x',
    'apps//web/api',
    'apps/Deployment/web/',
    'a/1Kind/n/x',
  ])('rejects %j', (text) => {
    expect(() => parseId(text)).toThrow(InvalidInputError);
  });
});

describe('compareIds', () => {
  it('orders by group, kind, namespace, name by code unit', () => {
    const sorted = [
      'apps/Deployment/web/b',
      '/Secret/web/a',
      'apps/Deployment/api/z',
      '/ConfigMap/web/a',
      'Z/Kind/a/a',
    ]
      .map(id)
      .sort(compareIds)
      .map(formatId);
    expect(sorted).toEqual([
      '/ConfigMap/web/a',
      '/Secret/web/a',
      'Z/Kind/a/a',
      'apps/Deployment/api/z',
      'apps/Deployment/web/b',
    ]);
  });
});

describe('diffInventory', () => {
  it.each<[string, string[], string[], { added: string[]; kept: string[]; removed: string[] }]>([
    ['empty to empty', [], [], { added: [], kept: [], removed: [] }],
    [
      'first sync adds everything',
      [],
      ['/ConfigMap/web/b', '/ConfigMap/web/a'],
      { added: ['/ConfigMap/web/a', '/ConfigMap/web/b'], kept: [], removed: [] },
    ],
    [
      'application deleted removes everything',
      ['/ConfigMap/web/a'],
      [],
      { added: [], kept: [], removed: ['/ConfigMap/web/a'] },
    ],
    [
      'mixed change',
      ['/ConfigMap/web/a', 'apps/Deployment/web/api', '/Secret/web/old'],
      ['apps/Deployment/web/api', '/ConfigMap/web/a', '/Secret/web/new'],
      {
        added: ['/Secret/web/new'],
        kept: ['/ConfigMap/web/a', 'apps/Deployment/web/api'],
        removed: ['/Secret/web/old'],
      },
    ],
    [
      'duplicates count once',
      ['/ConfigMap/web/a', '/ConfigMap/web/a'],
      ['/ConfigMap/web/a', '/ConfigMap/web/a'],
      { added: [], kept: ['/ConfigMap/web/a'], removed: [] },
    ],
    [
      'namespace is part of identity',
      ['/ConfigMap/a/cfg'],
      ['/ConfigMap/b/cfg'],
      { added: ['/ConfigMap/b/cfg'], kept: [], removed: ['/ConfigMap/a/cfg'] },
    ],
  ])('%s', (_name, previous, next, expected) => {
    const diff = diffInventory(previous.map(id), next.map(id));
    expect({
      added: diff.added.map(formatId),
      kept: diff.kept.map(formatId),
      removed: diff.removed.map(formatId),
    }).toEqual(expected);
  });
});

describe('prunable', () => {
  function live(
    text: string,
    labels: Record<string, string> = {},
    annotations: Record<string, string> = {},
  ): [string, LiveObject] {
    const { group, kind, namespace, name } = id(text);
    return [
      text,
      {
        apiVersion: group ? `${group}/v1` : 'v1',
        kind,
        metadata: { name, ...(namespace ? { namespace } : {}), labels, annotations },
      },
    ];
  }
  const ours = { 'flotilla.io/application': APP };

  it('prunes only owned objects not opted out, and says why it skips the rest', () => {
    const removed = [
      '/ConfigMap/web/owned',
      '/ConfigMap/web/gone',
      '/ConfigMap/web/null',
      '/ConfigMap/web/adopted',
      '/ConfigMap/web/keep',
      '/ConfigMap/web/foreign',
    ].map(id);
    const cluster = new Map<string, LiveObject | null>([
      live('/ConfigMap/web/owned', ours),
      ['/ConfigMap/web/null', null],
      live('/ConfigMap/web/adopted', { 'flotilla.io/application': 'app-2' }),
      live('/ConfigMap/web/keep', ours, { 'flotilla.io/prune': 'disabled' }),
      live('/ConfigMap/web/foreign'),
    ]);
    const plan = prunable(removed, cluster, APP);
    expect(plan.prune.map(formatId)).toEqual(['/ConfigMap/web/owned']);
    expect(plan.skip.map((s) => [formatId(s.id), s.reason])).toEqual([
      ['/ConfigMap/web/adopted', 'not-owned'],
      ['/ConfigMap/web/foreign', 'not-owned'],
      ['/ConfigMap/web/gone', 'gone'],
      ['/ConfigMap/web/keep', 'prune-disabled'],
      ['/ConfigMap/web/null', 'gone'],
    ]);
  });

  it('treats an object whose ownership marks disagree as not owned', () => {
    const cluster = new Map([live('/ConfigMap/web/x', ours, { 'flotilla.io/owned-by': 'other/app-2' })]);
    expect(prunable([id('/ConfigMap/web/x')], cluster, APP).skip).toEqual([
      { id: id('/ConfigMap/web/x'), reason: 'not-owned' },
    ]);
  });

  it('prunes an object owned through the annotation alone', () => {
    const cluster = new Map([live('/ConfigMap/web/x', {}, { 'flotilla.io/owned-by': `shop/${APP}` })]);
    expect(prunable([id('/ConfigMap/web/x')], cluster, APP).prune.map(formatId)).toEqual([
      '/ConfigMap/web/x',
    ]);
  });

  it('returns sorted, de-duplicated results', () => {
    const cluster = new Map([live('/ConfigMap/web/b', ours), live('/ConfigMap/web/a', ours)]);
    const plan = prunable(
      [id('/ConfigMap/web/b'), id('/ConfigMap/web/a'), id('/ConfigMap/web/b')],
      cluster,
      APP,
    );
    expect(plan.prune.map(formatId)).toEqual(['/ConfigMap/web/a', '/ConfigMap/web/b']);
  });
});
