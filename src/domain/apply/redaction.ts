/**
 * Redaction of secret values in drift reports. A diff leaves the cluster, is stored in the
 * resource status and in the append-only audit trail, and every viewer may read it: the value
 * of a Secret's `data`/`stringData` (or of any field an object marks with the
 * `flotilla.io/redact` annotation) must never be in it. A redacted field still shows that it
 * changed, as a marker with a keyed hash of the value:
 * ```
 * - /data/password: (redacted hmac:3f9a1c07d2be)
 * + /data/password: (redacted hmac:91e0b4aa6c13)
 * ```
 * The hash is an HMAC keyed per agent (from its cluster credential, which the hub holds only
 * as a hash): a plain short sha256 of a low-entropy value (a PIN, a word) could be reversed by
 * anyone reading the audit trail by hashing guesses; a keyed one cannot without the key. The
 * same value gives the same marker from the same agent, so "changed back" is still visible.
 *
 * The agent redacts before a diff leaves the cluster ({@link redactFieldDiffs}); the hub
 * redacts Secrets again on receipt ({@link redactDiffText}), for an old or hostile agent.
 */
import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';
import type { FieldDiff } from './ignore-differences.js';
import { parsePointer } from './ignore-differences.js';

/** Annotation listing more fields to redact: comma-separated JSON pointers (`/spec/token,/data`). */
export const REDACT_ANNOTATION = 'flotilla.io/redact';

/** Fields of a core Secret that hold values. */
export const SECRET_VALUE_POINTERS: readonly string[] = ['/data', '/stringData'];

/** A value replaced by its marker; `formatDiff` prints `text` as it is. */
export class RedactedValue {
  constructor(readonly text: string) {}
}

/** What identifies an object's kind and its annotations (a manifest or a live object). */
export interface RedactableObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { annotations?: Record<string, string> | null } | null;
}

/** True for `v1/Secret` (the core group; a CRD named Secret in another group is not one). */
export function isCoreSecret(obj: RedactableObject): boolean {
  return obj.apiVersion === 'v1' && obj.kind === 'Secret';
}

/** True when a protocol resource id (`group/Kind/namespace/name`) names a core Secret. */
export function isCoreSecretId(resourceId: string): boolean {
  return resourceId.startsWith('/Secret/');
}

/**
 * The JSON pointers whose values must not leave the cluster: a Secret's values and whatever
 * the object's `flotilla.io/redact` annotation lists. Malformed entries of the annotation are
 * skipped (the rest still count): a typo must not turn redaction off for the whole object.
 */
export function redactedPointers(obj: RedactableObject): string[] {
  const out = isCoreSecret(obj) ? [...SECRET_VALUE_POINTERS] : [];
  const listed = obj.metadata?.annotations?.[REDACT_ANNOTATION];
  if (typeof listed === 'string')
    for (const entry of listed.split(',')) {
      const pointer = entry.trim();
      if (!pointer) continue;
      try {
        parsePointer(pointer);
        out.push(pointer);
      } catch {
        /* skipped; see above */
      }
    }
  return out;
}

/**
 * True when the field at `path` holds (part of) a redacted value: it is a redacted pointer,
 * lies under one, or contains one (a diff of the whole `/data` map, or of the whole object).
 */
export function coversRedacted(path: string, pointers: readonly string[]): boolean {
  return pointers.some(
    (p) => path === p || path.startsWith(`${p}/`) || path === '' || p.startsWith(`${path}/`),
  );
}

/** The marker of a value: `(redacted hmac:<12 hex>)`, or `(absent)` when there is none. */
export function redactionMarker(value: unknown, key: string | Uint8Array): RedactedValue {
  if (value === undefined) return new RedactedValue('(absent)');
  const mac = createHmac('sha256', key).update(canonicalJson(value)).digest('hex').slice(0, 12);
  return new RedactedValue(`(redacted hmac:${mac})`);
}

/**
 * `diff` with the values of redacted fields replaced by markers. `obj` is the desired object
 * (its kind and annotation decide what is redacted; the live object's annotation is not
 * trusted, since whoever changed the live object could have removed it).
 */
export function redactFieldDiffs(
  diff: readonly FieldDiff[],
  obj: RedactableObject,
  key: string | Uint8Array,
): FieldDiff[] {
  const pointers = redactedPointers(obj);
  if (pointers.length === 0) return [...diff];
  return diff.map((d) =>
    coversRedacted(d.path, pointers)
      ? { path: d.path, desired: redactionMarker(d.desired, key), live: redactionMarker(d.live, key) }
      : d,
  );
}

/** A diff line's value that is already a marker (as the agent writes them). */
const MARKER = /^\((?:redacted(?: hmac:[0-9a-f]{12})?|absent)\)$/;
/** `- /path: value` or `+ /path: value` (the path has no ": " in a Secret: keys cannot hold a space). */
const FIELD_LINE = /^([-+]) ((?:\/[^ ]*)?|\(whole object\)): (.*)$/;
/** The fixed lines of a deleted object. */
const FIXED_LINES = new Set(['- (object deleted)', '+ (object as in the bundle)']);

/**
 * The hub's second line of defence: a Secret's diff text with every value that is not
 * already a marker replaced by `(redacted)`, and any line that is not a field line dropped to
 * `(redacted)` too. Diffs of other kinds are returned unchanged (their annotation-listed
 * fields are redacted by the agent, which holds the object).
 */
export function redactDiffText(resourceId: string, diff: string): string {
  if (!isCoreSecretId(resourceId)) return diff;
  return diff
    .split('\n')
    .map((line) => {
      if (FIXED_LINES.has(line)) return line;
      const m = FIELD_LINE.exec(line);
      if (!m) return line === '' ? line : '(redacted)';
      return MARKER.test(m[3]) ? line : `${m[1]} ${m[2]}: (redacted)`;
    })
    .join('\n');
}

/** The HMAC key of an agent's markers, derived from its cluster credential. */
export function redactionKeyOf(credential: string): Buffer {
  return createHash('sha256').update('flotilla-redaction-key\0').update(credential).digest();
}

/** Values shorter than this are not scrubbed from messages: they would match ordinary words. */
const MIN_SCRUB_LENGTH = 4;

function stringLeaves(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number' || typeof value === 'boolean') out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) stringLeaves(v, out);
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value as Record<string, unknown>)) stringLeaves(v, out);
}

function at(obj: unknown, pointer: string): unknown {
  let v = obj;
  for (const token of parsePointer(pointer))
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[token] : undefined;
  return v;
}

/**
 * Every value the objects hold at redacted fields, in the forms a message could quote them:
 * as written, and for a Secret's base64 `data` also decoded. Longest first, for
 * {@link scrubValues}.
 */
export function redactedValuesOf(objects: readonly RedactableObject[]): string[] {
  const found = new Set<string>();
  for (const obj of objects)
    for (const pointer of redactedPointers(obj)) {
      const leaves: string[] = [];
      stringLeaves(at(obj, pointer), leaves);
      for (const leaf of leaves) {
        found.add(leaf);
        if (isCoreSecret(obj) && (pointer === '/data' || pointer.startsWith('/data/'))) {
          const decoded = Buffer.from(leaf, 'base64').toString('utf8');
          if (!decoded.includes('\uFFFD')) found.add(decoded);
        }
      }
    }
  return [...found].filter((v) => v.length >= MIN_SCRUB_LENGTH).sort((a, b) => b.length - a.length);
}

/**
 * `text` with every occurrence of `values` replaced by `(redacted)`: for messages that may quote
 * an object (an API server's validation error echoes the value it refused).
 */
export function scrubValues(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) if (out.includes(v)) out = out.split(v).join('(redacted)');
  return out;
}
