/**
 * Pure rules of notifications: which audit actions a filter names, what outcome an action has,
 * and how a group of events reads as one message. The same rules are written in SQL by the
 * outbox insert (see notification-outbox.repository.ts); the tests hold both to the same cases.
 */

/** A subscription's outcome filter. */
export const NOTIFY_OUTCOMES = ['success', 'failure', 'any'] as const;
/** One of {@link NOTIFY_OUTCOMES}. */
export type NotifyOutcome = (typeof NOTIFY_OUTCOMES)[number];

/** Channel kinds. */
export const CHANNEL_TYPES = ['webhook', 'slack', 'email'] as const;
/** One of {@link CHANNEL_TYPES}. */
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Last segments of actions that report a failure (`sync.failed`, `policy.denied`, ...). */
export const FAILURE_ENDINGS = ['failed', 'denied', 'refused', 'disconnected', 'rewound', 'paused'] as const;
/** Last segments of actions that report a success (`job.succeeded`, `rollout.batch.healthy`, ...). */
export const SUCCESS_ENDINGS = [
  'succeeded',
  'synced',
  'healthy',
  'promoted',
  'connected',
  'applied',
] as const;

/** A POSIX regular expression (for Postgres `~`) matching actions that end in one of `endings`. */
export function endingPattern(endings: readonly string[]): string {
  return `[.](${endings.join('|')})$`;
}

/** The outcome an action reports, or null for an action that is neither (e.g. `project.created`). */
export function outcomeOf(action: string): 'success' | 'failure' | null {
  const last = action.slice(action.lastIndexOf('.') + 1);
  if ((FAILURE_ENDINGS as readonly string[]).includes(last)) return 'failure';
  if ((SUCCESS_ENDINGS as readonly string[]).includes(last)) return 'success';
  return null;
}

/**
 * Whether `action` is named by `patterns`: an exact action, or a prefix ending in `.` or `*`
 * (`sync.`, `sync.*`, `rollout*`). No pattern: every action.
 */
export function actionMatches(patterns: readonly string[], action: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) =>
    p.endsWith('*') || p.endsWith('.') ? action.startsWith(p.replace(/\*+$/, '')) : p === action,
  );
}

/** An action pattern the API accepts: lower-case dotted words, optionally ending in `.` or `*`. */
export const ACTION_PATTERN = '^[a-z][a-z0-9-]*(\\.[a-z0-9-]+)*(\\.|\\.?\\*)?$';

/** Whether an outcome filter lets an action through. */
export function outcomeMatches(filter: NotifyOutcome, action: string): boolean {
  return filter === 'any' || outcomeOf(action) === filter;
}

/** One audit event as a message carries it. */
export interface NotifiedEvent {
  seq: string;
  occurredAt: string;
  action: string;
  actor: string;
  application: string | null;
  cluster: string | null;
  project: string | null;
  revision: string | null;
  resource: string | null;
}

/** What every channel sends: a title, a few lines, and the events. */
export interface NotificationMessage {
  /** Stable across retries and restarts: receivers drop repeats by it. */
  idempotencyKey: string;
  subscription: string;
  title: string;
  lines: string[];
  eventCount: number;
  events: NotifiedEvent[];
  /** When the message was first composed (ISO 8601). */
  createdAt: string;
  test?: boolean;
}

/** Events a message lists in full; the rest are counted. */
export const MAX_EVENTS_PER_MESSAGE = 50;
/** Clusters a title names before it only counts them. */
const MAX_NAMED_CLUSTERS = 3;

/** Shortens a revision to what people read (a Git sha to 12 characters). */
function shortRevision(r: string): string {
  return /^[0-9a-f]{40,64}$/.test(r) ? r.slice(0, 12) : r;
}

/**
 * The title of a group of events of one kind: "web: sync.failed on 37 clusters at abc123",
 * "web: job.succeeded on prod-1, prod-2", "project.created".
 */
export function messageTitle(events: readonly NotifiedEvent[]): string {
  const first = events[0];
  if (!first) return 'no events';
  const clusters = [...new Set(events.map((e) => e.cluster).filter((c): c is string => c !== null))];
  let title = first.application ? `${first.application}: ${first.action}` : first.action;
  if (clusters.length > MAX_NAMED_CLUSTERS) title += ` on ${clusters.length} clusters`;
  else if (clusters.length > 0) title += ` on ${clusters.join(', ')}`;
  if (first.revision) title += ` at ${shortRevision(first.revision)}`;
  if (events.length > 1 && clusters.length <= 1) title += ` (${events.length} events)`;
  return title;
}

/** One line per event (at most {@link MAX_EVENTS_PER_MESSAGE}, then a count of the rest). */
export function messageLines(events: readonly NotifiedEvent[]): string[] {
  const lines = events.slice(0, MAX_EVENTS_PER_MESSAGE).map((e) => {
    const where = [e.cluster && `cluster ${e.cluster}`, e.resource].filter(Boolean).join(', ');
    return `${e.occurredAt} ${e.action}${where ? ` (${where})` : ''} by ${e.actor}`;
  });
  if (events.length > MAX_EVENTS_PER_MESSAGE)
    lines.push(`… and ${events.length - MAX_EVENTS_PER_MESSAGE} more events`);
  return lines;
}

/** Cuts `text` to at most `max` characters, saying so. */
export function capText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
