import { describe, expect, it } from 'vitest';
import type { LiveObject } from '../health/health.types.js';
import { helmDeletePolicies, helmHookOf, helmHookWeight } from './helm-hooks.js';

const obj = (annotations?: Record<string, string>): LiveObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'h', namespace: 'ns', ...(annotations ? { annotations } : {}) },
});
const hook = (value: string) => helmHookOf(obj({ 'helm.sh/hook': value }));

describe('helmHookOf', () => {
  it.each([
    ['pre-install,pre-upgrade', { install: ['PreSync'], upgrade: ['PreSync'] }],
    ['post-install,post-upgrade', { install: ['PostSync'], upgrade: ['PostSync'] }],
    ['pre-install', { install: ['PreSync'], upgrade: [] }],
    ['post-upgrade', { install: [], upgrade: ['PostSync'] }],
    ['post-install, pre-install', { install: ['PreSync', 'PostSync'], upgrade: [] }],
    ['pre-upgrade,post-delete,test', { install: [], upgrade: ['PreSync'] }],
  ])('%s runs at %j', (value, runs) => {
    expect(hook(value)).toEqual({ kind: 'hook', runs });
  });

  it('is none without the annotation', () => {
    expect(helmHookOf(obj())).toEqual({ kind: 'none' });
    expect(helmHookOf(obj({ 'helm.sh/hook-weight': '1' }))).toEqual({ kind: 'none' });
  });

  it.each(['pre-delete', 'post-delete', 'pre-rollback', 'post-rollback', 'test', 'test-success'])(
    'drops %s, naming it',
    (value) => {
      expect(hook(value)).toEqual({ kind: 'dropped', reason: expect.stringContaining(`Helm ${value} hook`) });
    },
  );

  it('drops an unknown event, or an empty annotation, as Helm does', () => {
    expect(hook('pre-install,crd-install')).toMatchObject({ kind: 'dropped' });
    expect(hook(' , ')).toMatchObject({ kind: 'dropped' });
  });
});

describe('helmHookWeight', () => {
  it.each([
    [undefined, 0],
    ['5', 5],
    [' -3 ', -3],
    ['+2', 2],
    ['1.5', 0],
    ['heavy', 0],
    ['99999999999999999999', 0],
  ])('%j → %d', (value, weight) => {
    expect(helmHookWeight(obj(value === undefined ? {} : { 'helm.sh/hook-weight': value }))).toBe(weight);
  });
});

describe('helmDeletePolicies', () => {
  it('maps what Flotilla has, and is null without the annotation or a known policy', () => {
    expect(helmDeletePolicies(obj())).toBeNull();
    expect(helmDeletePolicies(obj({ 'helm.sh/hook-delete-policy': 'nonsense' }))).toBeNull();
    expect(helmDeletePolicies(obj({ 'helm.sh/hook-delete-policy': 'before-hook-creation' }))).toEqual([
      'BeforeHookCreation',
    ]);
    expect(
      helmDeletePolicies(obj({ 'helm.sh/hook-delete-policy': 'hook-succeeded, hook-failed' }))?.sort(),
    ).toEqual(['BeforeHookCreation', 'HookSucceeded']);
  });
});
