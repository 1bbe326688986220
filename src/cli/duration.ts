import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration such as `5s`, `30m`, `2h`, `1d` or `1h30m` into milliseconds. A bare
 * number is refused: "5" could mean seconds or minutes, and a guess here is a surprise later.
 */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(s))
    throw new UsageError(`not a duration: ${JSON.stringify(text)} (use e.g. 30s, 5m, 2h, 1h30m, 1d)`);
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
  return Math.round(total);
}

/**
 * A point in time given as a duration ago (`2h`) or an ISO 8601 date-time; returned as ISO
 * text for the API.
 */
export function parseTimeArg(text: string, now: Date = new Date()): string {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (Number.isNaN(t)) throw new UsageError(`not a date-time: ${JSON.stringify(text)}`);
    return new Date(t).toISOString();
  }
  return new Date(now.getTime() - parseDuration(text)).toISOString();
}

/** A short human form of a duration in milliseconds: `45s`, `3m12s`, `2h5m`. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
}
