import { describe, expect, it } from 'vitest';
import { defaultGroupLabel, PROBLEM_KINDS, problemOf } from './fleet-problems.js';

describe('problemOf', () => {
  it('a disconnected agent comes first: its sync and health are stale', () => {
    expect(problemOf('Disconnected', 'Synced', 'Current')).toBe('disconnected');
    expect(problemOf('Disconnected', 'Failed', 'Failed')).toBe('disconnected');
  });
  it('then a failed sync, failed health, out of sync', () => {
    expect(problemOf('Connected', 'Failed', 'Failed')).toBe('failed');
    expect(problemOf('Connected', 'Synced', 'Failed')).toBe('degraded');
    expect(problemOf('Connected', 'OutOfSync', 'Failed')).toBe('degraded');
    expect(problemOf('Connected', 'OutOfSync', 'Current')).toBe('outofsync');
  });
  it('healthy, progressing, pending or unknown need no attention', () => {
    expect(problemOf('Connected', 'Synced', 'Current')).toBeNull();
    expect(problemOf('Connected', 'Progressing', 'InProgress')).toBeNull();
    expect(problemOf('Pending', 'Unknown', 'Unknown')).toBeNull();
    expect(problemOf('Connected', 'Unknown', 'Unknown')).toBeNull();
  });
  it('kinds are listed most urgent first', () => {
    expect(PROBLEM_KINDS).toEqual(['disconnected', 'failed', 'degraded', 'outofsync']);
  });
});

describe('defaultGroupLabel', () => {
  it('the key most clusters carry, ties by name; none without labels', () => {
    expect(defaultGroupLabel([])).toBeNull();
    expect(
      defaultGroupLabel([
        { key: 'shard', clusters: 10 },
        { key: 'region', clusters: 12 },
        { key: 'env', clusters: 12 },
      ]),
    ).toBe('env');
  });
});
