/**
 * The field-level difference a preview reports for one object: the live object against the
 * API server's dry-run of the bundle's object, as JSON-pointer changes a reviewer can read.
 *
 * - What never counts is what the applier ignores too (`comparable`: server-maintained metadata,
 *   `status`), plus kubectl's last-applied annotation (a copy of the whole object, secret values
 *   included) and the job's `ignoreDifferences` pointers.
 * - Lists of equal length are compared element by element, so an image bump reads as
 *   `/spec/template/spec/containers/0/image`; a list whose length changes is one `replace` of
 *   the whole list, since index-wise changes after an insertion would all be shifted and
 *   misleading. Both sides come from the same server, which keeps list order stable.
 * - Keys are visited in sorted order: the same two objects always give the same list.
 * - Secret values are never copied out: every value at or under a redacted pointer (`/data` and
 *   `/stringData` of a core Secret, the `flotilla.io/redact` annotation's pointers, anything the
 *   caller adds) becomes `(redacted)` — in `add`, `remove` and `replace` alike, so a changed
 *   secret still shows *that* it changes.
 * - Caps keep an answer bounded: at most `maxChanges` changes (then `truncated`), and a value
 *   whose JSON is longer than `maxValueChars` is cut to a string ending with `…`.
 */
import { comparable } from '../apply/comparable-object.js';
import { formatPointer, parsePointer, removeIgnoredFields } from '../apply/ignore-differences.js';
import { coversRedacted, redactedPointers } from '../apply/redaction.js';
import { canonicalJson } from '../canonical-json.js';
import type { LiveObject } from '../health/health.types.js';

/** kubectl's copy of the last applied manifest: noise, and a Secret's values in clear. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** What a redacted value reads as. */
export const REDACTED = '(redacted)';

/** One changed field (same shape as the protocol's `FieldChangeV1`). */
export interface FieldChange {
  path: string;
  op: 'add' | 'remove' | 'replace';
  before?: unknown;
  after?: unknown;
}

/** How a preview diff is made. */
export interface PreviewDiffOptions {
  /** JSON pointers of fields other controllers own (the job's `ignoreDifferences`). */
  ignoreDifferences: readonly string[];
  /** More pointers whose values are redacted (`''`: every value of the object). */
  redact?: readonly string[];
  maxChanges: number;
  maxValueChars: number;
}

/** A preview diff: the changes, and whether some were left out by the cap. */
export interface PreviewDiff {
  changes: FieldChange[];
  truncated: boolean;
}

type Bag = Record<string, unknown>;

const isBag = (v: unknown): v is Bag => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The object as a preview compares it (see the module comment). */
export function previewComparable(obj: LiveObject): LiveObject {
  const copy = comparable(obj);
  const annotations = copy.metadata.annotations;
  if (annotations && Object.hasOwn(annotations, LAST_APPLIED_ANNOTATION)) {
    const rest = { ...annotations };
    delete rest[LAST_APPLIED_ANNOTATION];
    copy.metadata = { ...copy.metadata, annotations: rest };
    if (Object.keys(rest).length === 0) delete copy.metadata.annotations;
  }
  return copy;
}

function walk(before: unknown, after: unknown, path: string[], out: FieldChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) return void out.push({ path: formatPointer(path), op: 'add', after });
  if (after === undefined) return void out.push({ path: formatPointer(path), op: 'remove', before });
  if (isBag(before) && isBag(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) walk(before[key], after[key], [...path, key], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((b, i) => walk(b, after[i], [...path, String(i)], out));
    return;
  }
  if (canonicalJson(before) !== canonicalJson(after))
    out.push({ path: formatPointer(path), op: 'replace', before, after });
}

/**
 * Every difference from `before` to `after`, as JSON pointers in a stable order (keys sorted,
 * list elements by index). No filtering, redaction or caps: see {@link previewDiff}.
 */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, [], out);
  return out;
}

/** A value as it may be shown: JSON longer than `max` characters is cut and ends with `…`. */
export function cappedValue(value: unknown, max: number): unknown {
  if (value === undefined) return undefined;
  const text = canonicalJson(value);
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : value;
}

/** Pointers that are well-formed; a malformed one ignores nothing rather than fail the preview. */
function validPointers(pointers: readonly string[]): string[] {
  return pointers.filter((p) => {
    try {
      parsePointer(p);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * What applying `desired` (the server's dry-run result) would change in `live`, ready for a
 * reviewer: volatile fields and `ignoreDifferences` left out, secret values redacted, capped.
 * Whether a field is redacted is decided from both objects (redacting more is always safe).
 */
export function previewDiff(live: LiveObject, desired: LiveObject, options: PreviewDiffOptions): PreviewDiff {
  const ignore = validPointers(options.ignoreDifferences);
  const before = removeIgnoredFields(previewComparable(live), ignore);
  const after = removeIgnoredFields(previewComparable(desired), ignore);
  const redact = [...redactedPointers(desired), ...redactedPointers(live), ...(options.redact ?? [])];
  const all = fieldChanges(before, after);
  const changes = all.slice(0, options.maxChanges).map((c): FieldChange => {
    const hidden = redact.length > 0 && coversRedacted(c.path, redact);
    const show = (v: unknown) => (hidden ? REDACTED : cappedValue(v, options.maxValueChars));
    return {
      path: c.path,
      op: c.op,
      ...(c.op !== 'add' ? { before: show(c.before) } : {}),
      ...(c.op !== 'remove' ? { after: show(c.after) } : {}),
    };
  });
  return { changes, truncated: all.length > changes.length };
}
