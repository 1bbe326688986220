import { describe, expect, it } from 'vitest';
import type { LiveObject } from '../health/health.types.js';
import {
  InvalidHookError,
  healthTimeoutMs,
  hookDeletePolicies,
  hooksFor,
  judgeWave,
  pollDelayMs,
  splitHooks,
  waveIsGated,
  type WaveMember,
} from './sync-phases.js';

const obj = (name: string, annotations?: Record<string, string>): LiveObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'ns', ...(annotations ? { annotations } : {}) },
});
const names = (objects: readonly LiveObject[]) => objects.map((o) => o.metadata.name);
const member = (id: string, status: WaveMember['status'], message = id): WaveMember => ({
  id,
  status,
  message,
});

describe('splitHooks', () => {
  it('takes hooks out by phase, keeping bundle order, and leaves the rest', () => {
    const bundle = [
      obj('a'),
      obj('pre2', { 'flotilla.io/hook': 'PreSync' }),
      obj('post', { 'flotilla.io/hook': 'PostSync' }),
      obj('pre1', { 'flotilla.io/hook': 'PreSync' }),
      obj('fail', { 'flotilla.io/hook': ' SyncFail ' }),
    ];
    const split = splitHooks(bundle);
    expect(split.objects.map((o) => o.metadata.name)).toEqual(['a']);
    for (const mode of ['install', 'upgrade'] as const) {
      const { hooks, skipped } = hooksFor(split, mode);
      expect(names(hooks.PreSync)).toEqual(['pre2', 'pre1']);
      expect(names(hooks.PostSync)).toEqual(['post']);
      expect(names(hooks.SyncFail)).toEqual(['fail']);
      expect(skipped).toEqual([]);
    }
  });

  it('maps Helm hooks: pre-install/pre-upgrade to PreSync, post-* to PostSync, ordered by weight', () => {
    const bundle = [
      obj('app'),
      obj('migrate', { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '5' }),
      obj('secrets', { 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '-5' }),
      obj('backup', { 'helm.sh/hook': ' Pre-Upgrade ' }),
      obj('smoke', { 'helm.sh/hook': 'post-install,post-upgrade', 'helm.sh/hook-weight': 'x' }),
    ];
    const split = splitHooks(bundle);
    expect(names(split.objects)).toEqual(['app']);
    expect(split.dropped).toEqual([]);
    const install = hooksFor(split, 'install');
    expect(names(install.hooks.PreSync)).toEqual(['secrets', 'migrate']);
    expect(names(install.hooks.PostSync)).toEqual(['smoke']);
    expect(install.skipped.map((s) => [s.object.metadata.name, s.reason])).toEqual([
      ['backup', expect.stringContaining('runs only on an upgrade')],
    ]);
    const upgrade = hooksFor(split, 'upgrade');
    expect(names(upgrade.hooks.PreSync)).toEqual(['backup', 'migrate']);
    expect(names(upgrade.hooks.PostSync)).toEqual(['smoke']);
    expect(names(upgrade.skipped.map((s) => s.object))).toEqual(['secrets']);
  });

  it('leaves out Helm delete, rollback, test and unknown hooks, saying why', () => {
    const split = splitHooks([
      obj('cleanup', { 'helm.sh/hook': 'pre-delete' }),
      obj('undo', { 'helm.sh/hook': 'post-rollback' }),
      obj('test', { 'helm.sh/hook': 'test' }),
      obj('old', { 'helm.sh/hook': 'crd-install' }),
      obj('both', { 'helm.sh/hook': 'pre-upgrade,pre-rollback' }),
    ]);
    expect(split.objects).toEqual([]);
    expect(split.dropped.map((d) => [d.object.metadata.name, d.reason])).toEqual([
      ['cleanup', expect.stringContaining('Helm pre-delete hook')],
      ['undo', expect.stringContaining('Helm post-rollback hook')],
      ['test', expect.stringContaining('Helm test hook')],
      ['old', expect.stringContaining('unknown Helm hook "crd-install"')],
    ]);
    expect(names(hooksFor(split, 'upgrade').hooks.PreSync)).toEqual(['both']);
  });

  it('lets flotilla.io/hook win over helm.sh/hook', () => {
    const split = splitHooks([obj('h', { 'flotilla.io/hook': 'PostSync', 'helm.sh/hook': 'pre-install' })]);
    const { hooks } = hooksFor(split, 'install');
    expect(names(hooks.PreSync)).toEqual([]);
    expect(names(hooks.PostSync)).toEqual(['h']);
  });

  it('refuses unknown phases, delete policies and timeouts, naming every object', () => {
    const bundle = [
      obj('typo', { 'flotilla.io/hook': 'presync' }),
      obj('policy', { 'flotilla.io/hook': 'PreSync', 'flotilla.io/hook-delete-policy': 'HookFailed' }),
      obj('timeout', { 'flotilla.io/health-timeout': '5m' }),
      obj('fine'),
    ];
    let error: unknown;
    try {
      splitHooks(bundle);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidHookError);
    expect((error as InvalidHookError).objects.map((o) => o.id)).toEqual([
      'batch/Job/ns/typo',
      'batch/Job/ns/policy',
      'batch/Job/ns/timeout',
    ]);
    expect((error as Error).message).toContain('"presync"');
  });
});

describe('hookDeletePolicies', () => {
  it('defaults to BeforeHookCreation and accepts a comma-separated list', () => {
    expect([...hookDeletePolicies(obj('a'))]).toEqual(['BeforeHookCreation']);
    expect([...hookDeletePolicies(obj('b', { 'flotilla.io/hook-delete-policy': 'HookSucceeded' }))]).toEqual([
      'HookSucceeded',
    ]);
    const both = hookDeletePolicies(
      obj('c', { 'flotilla.io/hook-delete-policy': 'HookSucceeded, BeforeHookCreation' }),
    );
    expect(both.has('HookSucceeded') && both.has('BeforeHookCreation')).toBe(true);
  });

  it("maps Helm's policies; hook-failed keeps the failed hook until the next run replaces it", () => {
    const helm = (policy: string) => [
      ...hookDeletePolicies(
        obj('h', { 'helm.sh/hook': 'pre-upgrade', 'helm.sh/hook-delete-policy': policy }),
      ),
    ];
    expect(helm('before-hook-creation,hook-succeeded').sort()).toEqual([
      'BeforeHookCreation',
      'HookSucceeded',
    ]);
    expect(helm('hook-succeeded')).toEqual(['HookSucceeded']);
    expect(helm('hook-failed')).toEqual(['BeforeHookCreation']);
    expect(helm('something-new')).toEqual(['BeforeHookCreation']);
    // The explicit Flotilla policy wins.
    const both = obj('h', {
      'helm.sh/hook-delete-policy': 'hook-succeeded',
      'flotilla.io/hook-delete-policy': 'BeforeHookCreation',
    });
    expect([...hookDeletePolicies(both)]).toEqual(['BeforeHookCreation']);
  });
});

describe('healthTimeoutMs', () => {
  it('takes the largest annotation of the wave, else the default', () => {
    expect(healthTimeoutMs([obj('a')], 300_000)).toBe(300_000);
    const wave = [
      obj('a', { 'flotilla.io/health-timeout': '30' }),
      obj('b', { 'flotilla.io/health-timeout': '600' }),
    ];
    expect(healthTimeoutMs(wave, 300_000)).toBe(600_000);
  });
});

describe('waveIsGated', () => {
  it('gates every wave followed by another, never the Namespace/CRD wave', () => {
    expect(waveIsGated(0, 3, true, false)).toBe(false);
    expect(waveIsGated(1, 3, false, false)).toBe(true);
    expect(waveIsGated(2, 3, false, false)).toBe(false);
  });
  it('gates the last wave only when PostSync hooks follow it', () => {
    expect(waveIsGated(1, 2, false, true)).toBe(true);
    expect(waveIsGated(0, 1, false, false)).toBe(false);
  });
});

describe('judgeWave', () => {
  it('is done when every member is Current', () => {
    expect(judgeWave([member('a', 'Current'), member('b', 'Current')], 0, 1000)).toEqual({ state: 'done' });
    expect(judgeWave([], 0, 1000)).toEqual({ state: 'done' });
  });
  it('waits on the first member not Current while time remains', () => {
    const verdict = judgeWave([member('a', 'Current'), member('b', 'InProgress')], 999, 1000);
    expect(verdict).toEqual({ state: 'waiting', pending: member('b', 'InProgress') });
  });
  it('fails at once on a Failed member, naming it and its message', () => {
    const verdict = judgeWave(
      [member('a', 'InProgress'), member('b', 'Failed', 'progress deadline exceeded')],
      0,
      1000,
    );
    expect(verdict).toMatchObject({ state: 'failed', reason: 'b failed: progress deadline exceeded' });
  });
  it('fails on timeout, naming the object that did not become healthy and its health', () => {
    const verdict = judgeWave([member('web', 'InProgress', '0 of 2 replicas ready')], 5000, 5000);
    expect(verdict).toMatchObject({
      state: 'failed',
      reason: 'web not healthy after 5 s (InProgress: 0 of 2 replicas ready)',
    });
  });
  it('treats NotFound as not healthy', () => {
    expect(judgeWave([member('a', 'NotFound')], 0, 1000).state).toBe('waiting');
  });
});

describe('pollDelayMs', () => {
  it('backs off from 100 ms to at most 2 s', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(pollDelayMs)).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
  });
});
