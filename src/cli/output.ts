import { stringify as toYaml } from 'yaml';
import { UsageError } from './errors.js';

/**
 * How results are printed: aligned text (default; `text` is the same), machine-readable JSON /
 * YAML, or Markdown where a command offers it (`app diff`, for pull-request comments).
 */
export type OutputFormat = 'table' | 'json' | 'yaml' | 'markdown';

/** Parses `-o`; anything else is a usage error, and so is `markdown` where a command has none. */
export function parseFormat(value: string | undefined, markdown = false): OutputFormat {
  const v = value === 'text' ? 'table' : (value ?? 'table');
  if (v === 'table' || v === 'json' || v === 'yaml') return v;
  if (v === 'markdown' && markdown) return v;
  if (v === 'markdown') throw new UsageError('-o markdown is only for flotilla app diff');
  throw new UsageError(`unknown output format ${JSON.stringify(v)}: use table, json or yaml`);
}

/**
 * Colour on a stream: only on a terminal, never when `NO_COLOR` is set (https://no-color.org);
 * `FORCE_COLOR` turns it on elsewhere, but `NO_COLOR` still wins.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, cyan: 36 } as const;
/** A text style. */
export type Style = keyof typeof CODES;

/** Wraps text in an ANSI style when `on`. */
export function paint(text: string, style: Style | undefined, on: boolean): string {
  if (!on || !style || text === '') return text;
  return `\x1b[${CODES[style]}m${text}\x1b[0m`;
}

const GOOD = new Set(['Synced', 'Current', 'Connected', 'succeeded', 'ok', 'true']);
const BAD = new Set(['Failed', 'failed', 'Disconnected', 'NotFound', 'partial', 'broken']);
const BUSY = new Set([
  'Progressing',
  'InProgress',
  'OutOfSync',
  'Pending',
  'queued',
  'leased',
  'pending',
  'Terminating',
]);

/** The conventional colour of a state word (green settled, red failed, yellow on its way). */
export function stateStyle(value: string): Style | undefined {
  if (GOOD.has(value)) return 'green';
  if (BAD.has(value)) return 'red';
  if (BUSY.has(value)) return 'yellow';
  if (value === 'Unknown') return 'dim';
  return undefined;
}

/** One column of a table: its header, how to get the cell text, and an optional cell style. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
  style?: (text: string) => Style | undefined;
}

/**
 * Renders rows as a table aligned on plain-text widths (styles are applied after padding so
 * escape codes never skew columns). The last column is not padded.
 */
export function renderTable<T>(columns: Column<T>[], rows: T[], color: boolean): string {
  const cells = rows.map((r) => columns.map((c) => cellText(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const line = (texts: string[], styles: (Style | undefined)[]) =>
    texts
      .map((t, i) => paint(i === texts.length - 1 ? t : t.padEnd(widths[i]), styles[i], color))
      .join('   ')
      .trimEnd();
  const out = [
    line(
      columns.map((c) => c.header),
      columns.map(() => 'bold' as const),
    ),
  ];
  for (const row of cells)
    out.push(
      line(
        row,
        row.map((t, i) => columns[i].style?.(t)),
      ),
    );
  return out.join('\n') + '\n';
}

/** `label: value` lines with the values aligned, for one object. Null values print as `-`. */
export function renderFields(fields: [string, unknown][], color: boolean): string {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  return (
    fields.map(([k, v]) => `${paint(`${k}:`.padEnd(width), 'bold', color)}  ${cellText(v)}`).join('\n') + '\n'
  );
}

function cellText(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v === 'string') return v.replace(/\s*\n\s*/g, ' ');
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** Data as JSON (2-space, trailing newline) or YAML. */
export function serialize(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(data, null, 2) + '\n' : toYaml(data);
}

/** `k=v,k2=v2` for a label map (sorted), `-` when empty. */
export function formatLabels(labels: Record<string, string> | null | undefined): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '-';
}

/** A revision id short enough for a table: Git object ids to 7 characters, others as they are. */
export function shortRevision(rev: string | null | undefined): string {
  if (!rev) return '-';
  return /^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 7) : rev;
}

/** A timestamp as `YYYY-MM-DD HH:MM:SS` (UTC) for tables. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}
