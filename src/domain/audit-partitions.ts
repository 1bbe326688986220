/** Month arithmetic of the monthly audit partitions (UTC), shared by the hub and its tests. */

/** Name prefix of a month's partition: `audit_events_pYYYYMM`. */
export const AUDIT_PARTITION_PREFIX = 'audit_events_p';

/** The first instant of `t`'s month, UTC. */
export function monthStart(t: Date): Date {
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1));
}

/** The first instant of the month `n` months after `t`'s (negative: before). */
export function addMonths(t: Date, n: number): Date {
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + n, 1));
}

/** The name of the partition holding `t`. */
export function partitionName(t: Date): string {
  const m = monthStart(t);
  return `${AUDIT_PARTITION_PREFIX}${m.getUTCFullYear()}${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month range of a partition name, or null for a name that is not one. */
export function partitionRange(name: string): { from: Date; to: Date } | null {
  const m = /^audit_events_p(\d{4})(\d{2})$/.exec(name);
  if (!m) return null;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  const from = new Date(Date.UTC(Number(m[1]), month - 1, 1));
  return { from, to: addMonths(from, 1) };
}

/**
 * The partitions a retention of `months` full months drops at `now`, oldest first: those whose
 * month ended before the start of the month `months` before the current one. With `months` = 12
 * in March 2027, everything before March 2026 goes. 0 or less: retention is off, nothing goes.
 */
export function expiredPartitions(names: readonly string[], months: number, now: Date): string[] {
  if (months <= 0) return [];
  const cutoff = addMonths(monthStart(now), -months);
  return names
    .map((name) => ({ name, range: partitionRange(name) }))
    .filter((p) => p.range !== null && p.range.to.getTime() <= cutoff.getTime())
    .sort((a, b) => a.range!.from.getTime() - b.range!.from.getTime())
    .map((p) => p.name);
}
