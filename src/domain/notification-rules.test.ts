import { describe, expect, it } from 'vitest';
import {
  actionMatches,
  ACTION_PATTERN,
  capText,
  endingPattern,
  FAILURE_ENDINGS,
  messageLines,
  messageTitle,
  outcomeMatches,
  outcomeOf,
  type NotifiedEvent,
} from './notification-rules.js';

const ev = (over: Partial<NotifiedEvent>): NotifiedEvent => ({
  seq: '1',
  occurredAt: '2026-11-28T10:00:00.000Z',
  action: 'sync.failed',
  actor: 'system',
  application: 'web',
  cluster: null,
  project: null,
  revision: null,
  resource: null,
  ...over,
});

describe('notification rules', () => {
  it('actions: exact names, prefixes ending in "." or "*", none for every action', () => {
    expect(actionMatches([], 'anything.at-all')).toBe(true);
    expect(actionMatches(['sync.failed'], 'sync.failed')).toBe(true);
    expect(actionMatches(['sync.failed'], 'sync.failed.more')).toBe(false);
    expect(actionMatches(['sync.'], 'sync.failed')).toBe(true);
    expect(actionMatches(['sync.*'], 'sync.failed')).toBe(true);
    expect(actionMatches(['sync.*'], 'synced.x')).toBe(false);
    expect(actionMatches(['rollout*'], 'rollout.batch.healthy')).toBe(true);
    const re = new RegExp(ACTION_PATTERN);
    for (const ok of ['sync.failed', 'sync.', 'sync.*', 'rollout*', 'rollout.batch.healthy'])
      expect(re.test(ok)).toBe(true);
    for (const bad of ['', '.sync', 'sync..x', 'Sync', 'sync.*.x', '*']) expect(re.test(bad)).toBe(false);
  });

  it('outcomes come from the last segment of the action; the SQL pattern agrees', () => {
    expect(outcomeOf('sync.failed')).toBe('failure');
    expect(outcomeOf('policy.denied')).toBe('failure');
    expect(outcomeOf('job.succeeded')).toBe('success');
    expect(outcomeOf('rollout.batch.healthy')).toBe('success');
    expect(outcomeOf('project.created')).toBeNull();
    expect(outcomeMatches('any', 'project.created')).toBe(true);
    expect(outcomeMatches('failure', 'job.succeeded')).toBe(false);
    const sql = new RegExp(endingPattern(FAILURE_ENDINGS));
    for (const a of ['sync.failed', 'job.failed', 'cluster.disconnected', 'job.succeeded', 'failed.x'])
      expect(sql.test(a)).toBe(outcomeOf(a) === 'failure');
  });

  it('a group reads as one title: application, action, clusters counted past three, revision', () => {
    const many = ['a', 'b', 'c', 'd'].map((c) => ev({ cluster: c, revision: 'e'.repeat(40) }));
    expect(messageTitle(many)).toBe('web: sync.failed on 4 clusters at eeeeeeeeeeee');
    expect(messageTitle(many.slice(0, 2))).toBe('web: sync.failed on a, b at eeeeeeeeeeee');
    expect(messageTitle([ev({ application: null, action: 'project.created' })])).toBe('project.created');
    expect(messageTitle([ev({}), ev({})])).toBe('web: sync.failed (2 events)');
  });

  it('lists at most 50 events and counts the rest; caps text', () => {
    const lines = messageLines(Array.from({ length: 60 }, (_, i) => ev({ cluster: `c${i}` })));
    expect(lines).toHaveLength(51);
    expect(lines[50]).toBe('… and 10 more events');
    expect(lines[0]).toBe('2026-11-28T10:00:00.000Z sync.failed (cluster c0) by system');
    expect(capText('abcdef', 4)).toBe('abc…');
    expect(capText('abc', 4)).toBe('abc');
  });
});
