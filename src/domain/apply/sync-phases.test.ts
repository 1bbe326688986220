import { describe, expect, it } from 'vitest';
import type { LiveObject } from '../health/health.types.js';
import {
  InvalidHookError,
  healthTimeoutMs,
  hookDeletePolicies,
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
    expect(split.hooks.PreSync.map((o) => o.metadata.name)).toEqual(['pre2', 'pre1']);
    expect(split.hooks.PostSync.map((o) => o.metadata.name)).toEqual(['post']);
    expect(split.hooks.SyncFail.map((o) => o.metadata.name)).toEqual(['fail']);
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
