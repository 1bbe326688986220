/**
 * Drift comparison between what Flotilla applies and what the cluster holds. Two rules keep
 * it free of false alarms:
 * - only fields present in the desired object are compared: whatever other managers or the
 *   API server add (defaults, injected sidecars, `status`) is theirs, not drift;
 * - `ignoreDifferences` JSON Pointers (RFC 6901) remove fields another controller owns on
 *   purpose, e.g. `/spec/replicas` under an HPA, from both sides before comparing.
 * Compare the server's dry-run result with live, not the raw manifest: the server normalises
 * quantities ("0.5" → "500m") and defaults that a plain comparison cannot know.
 */
import { canonicalJson } from '../canonical-json.js';
import { InvalidInputError } from '../errors.js';
import { RedactedValue } from './redaction.js';

/** One differing field: a JSON Pointer and both values (`undefined` when absent). */
export interface FieldDiff {
  path: string;
  desired: unknown;
  live: unknown;
}

type Bag = Record<string, unknown>;

function isBag(value: unknown): value is Bag {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Splits a JSON Pointer into unescaped tokens (`~1` → `/`, `~0` → `~`, in that order as
 * RFC 6901 §4 requires). The empty pointer, which would ignore the whole object, is refused.
 * @throws InvalidInputError naming the pointer.
 */
export function parsePointer(pointer: string): string[] {
  if (!pointer.startsWith('/'))
    throw new InvalidInputError(`JSON pointer "${pointer}": must start with "/"`, { pointer });
  if (/~[^01]|~$/.test(pointer))
    throw new InvalidInputError(`JSON pointer "${pointer}": "~" must be followed by 0 or 1`, { pointer });
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Joins tokens into a JSON Pointer, escaping `~` and `/`. */
export function formatPointer(tokens: readonly string[]): string {
  return tokens.map((t) => `/${t.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function arrayIndex(token: string, length: number): number | null {
  // RFC 6901: decimal without leading zeros; "-" (past the end) never names an element.
  if (!/^(0|[1-9]\d*)$/.test(token)) return null;
  const index = Number(token);
  return index < length ? index : null;
}

/**
 * A deep copy of `obj` without the fields the pointers name. Pointers that lead nowhere are
 * fine (an ignore rule written for Deployments meets ConfigMaps too). All pointers are
 * resolved against the input before anything is removed, so `/a/0` and `/a/1` remove the
 * first two elements rather than the first and third.
 * @throws InvalidInputError when a pointer is malformed.
 */
export function removeIgnoredFields<T>(obj: T, pointers: readonly string[]): T {
  const copy = structuredClone(obj);
  const keysByBag = new Map<Bag, Set<string>>();
  const indexesByArray = new Map<unknown[], Set<number>>();
  for (const pointer of pointers) {
    const tokens = parsePointer(pointer);
    let parent: unknown = copy;
    for (const token of tokens.slice(0, -1)) {
      if (Array.isArray(parent)) {
        const index = arrayIndex(token, parent.length);
        parent = index === null ? undefined : parent[index];
      } else parent = isBag(parent) ? parent[token] : undefined;
    }
    const last = tokens.at(-1)!;
    if (Array.isArray(parent)) {
      const index = arrayIndex(last, parent.length);
      if (index !== null) indexesByArray.set(parent, (indexesByArray.get(parent) ?? new Set()).add(index));
    } else if (isBag(parent) && Object.hasOwn(parent, last)) {
      keysByBag.set(parent, (keysByBag.get(parent) ?? new Set()).add(last));
    }
  }
  for (const [bag, keys] of keysByBag) for (const key of keys) delete bag[key];
  for (const [array, indexes] of indexesByArray)
    for (const index of [...indexes].sort((a, b) => b - a)) array.splice(index, 1);
  return copy;
}

/** Arrays whose elements all carry a string `name`: Kubernetes merges those by name. */
function isNamedList(list: unknown[]): list is Bag[] {
  return list.length > 0 && list.every((e) => isBag(e) && typeof e.name === 'string');
}

function isEmpty(value: unknown): boolean {
  return Array.isArray(value) ? value.length === 0 : isBag(value) && Object.keys(value).length === 0;
}

function walk(desired: unknown, live: unknown, path: string[], out: FieldDiff[]): void {
  // A null in a manifest means "unset", and an empty map or list is what Kubernetes omits:
  // either way there is nothing we insist on.
  if (desired === null || desired === undefined) return;
  if ((live === undefined || live === null) && isEmpty(desired)) return;
  if (isBag(desired)) {
    if (!isBag(live)) {
      out.push({ path: formatPointer(path), desired, live });
      return;
    }
    for (const key of Object.keys(desired).sort()) walk(desired[key], live[key], [...path, key], out);
    return;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) {
      out.push({ path: formatPointer(path), desired, live });
      return;
    }
    // Containers, env, volumes: matched by name, so entries another manager added (a mesh
    // sidecar) or a different order do not count as drift.
    if (isNamedList(desired) && live.every((e) => isBag(e))) {
      desired.forEach((entry, i) => {
        const match = live.find((l) => l.name === entry.name);
        walk(entry, match, [...path, String(i)], out);
      });
      return;
    }
    // Other lists are atomic in server-side apply: a different length is one change.
    if (desired.length !== live.length) {
      out.push({ path: formatPointer(path), desired, live });
      return;
    }
    desired.forEach((entry, i) => walk(entry, live[i], [...path, String(i)], out));
    return;
  }
  if (desired !== live) out.push({ path: formatPointer(path), desired, live });
}

/**
 * The fields where live differs from desired, in a stable order (keys sorted, list entries in
 * desired order). Only fields present in `desired` count; top-level `status` never does,
 * since apply cannot set it. `ignore` pointers are removed from both sides first.
 * @throws InvalidInputError when an ignore pointer is malformed.
 */
export function diffObjects(desired: unknown, live: unknown, ignore: readonly string[]): FieldDiff[] {
  const wanted = removeIgnoredFields(desired, ignore);
  const actual = removeIgnoredFields(live, ignore);
  if (isBag(wanted)) delete wanted.status;
  const out: FieldDiff[] = [];
  walk(wanted, actual, [], out);
  return out;
}

function show(value: unknown): string {
  if (value instanceof RedactedValue) return value.text;
  return value === undefined ? '(absent)' : canonicalJson(value);
}

/**
 * A diff for humans and the audit trail, one field per pair of lines, live first as in a
 * unified diff from the cluster to the repository:
 * ```
 * - /spec/replicas: 5
 * + /spec/replicas: 3
 * ```
 * An empty diff is the empty string.
 */
export function formatDiff(diff: readonly FieldDiff[]): string {
  return diff
    .map((d) => {
      // The root pointer is the empty string, which reads as nothing at all.
      const path = d.path === '' ? '(whole object)' : d.path;
      return `- ${path}: ${show(d.live)}\n+ ${path}: ${show(d.desired)}`;
    })
    .join('\n');
}
