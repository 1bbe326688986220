import { describe, expect, it } from 'vitest';
import {
  addMonths,
  expiredPartitions,
  monthStart,
  partitionName,
  partitionRange,
} from './audit-partitions.js';

describe('audit partition months', () => {
  it('names and ranges months in UTC, across a year end', () => {
    expect(partitionName(new Date('2026-12-31T23:59:59.999Z'))).toBe('audit_events_p202612');
    expect(partitionName(new Date('2027-01-01T00:00:00Z'))).toBe('audit_events_p202701');
    expect(monthStart(new Date('2026-03-15T10:00:00Z')).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(addMonths(new Date('2026-11-30T00:00:00Z'), 2).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(partitionRange('audit_events_p202612')).toEqual({
      from: new Date('2026-12-01T00:00:00Z'),
      to: new Date('2027-01-01T00:00:00Z'),
    });
    expect(partitionRange('audit_events_p202613')).toBeNull();
    expect(partitionRange('audit_events')).toBeNull();
  });

  it('expires whole months older than the window, oldest first; 0 keeps everything', () => {
    const names = ['audit_events_p202603', 'audit_events_p202601', 'audit_events_p202602', 'other'];
    const now = new Date('2027-03-10T00:00:00Z');
    expect(expiredPartitions(names, 12, now)).toEqual(['audit_events_p202601', 'audit_events_p202602']);
    expect(expiredPartitions(names, 0, now)).toEqual([]);
    expect(expiredPartitions(names, 13, now)).toEqual(['audit_events_p202601']);
  });
});
