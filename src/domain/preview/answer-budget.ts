/**
 * A preview answer must fit in one request to the hub, whatever the bundle: per-object caps
 * (changes, value length) bound each object, but thousands of objects each at their cap would
 * not fit. Over the budget, the largest lists of field changes are left out first — the objects
 * and their actions always stay, flagged `truncated`, so a reviewer still sees *what* changes.
 */

/** The part of a preview object the budget looks at (same shape as `PreviewObjectV1`). */
export interface BudgetedObject {
  changes?: unknown[];
  truncated?: boolean;
  message?: string;
}

/** Why an object's changes are missing. */
export const CHANGES_LEFT_OUT = 'field changes left out: the answer would be too large';

/**
 * `objects` with the field changes of the biggest objects dropped until their JSON fits in
 * `maxChars` (as far as dropping changes can make it fit). Objects within budget are returned as
 * they are.
 */
export function fitToBudget<T extends BudgetedObject>(objects: readonly T[], maxChars: number): T[] {
  let total = JSON.stringify(objects).length;
  if (total <= maxChars) return [...objects];
  const sizes = objects.map((o) => (o.changes ? JSON.stringify(o.changes).length : 0));
  const out = [...objects];
  const biggest = sizes.map((size, i) => ({ size, i })).sort((a, b) => b.size - a.size || a.i - b.i);
  for (const { size, i } of biggest) {
    if (total <= maxChars || size === 0) break;
    const { changes: _dropped, ...rest } = out[i];
    const message = rest.message ? `${rest.message}; ${CHANGES_LEFT_OUT}` : CHANGES_LEFT_OUT;
    const before = JSON.stringify(out[i]).length;
    out[i] = { ...rest, truncated: true, message } as T;
    total += JSON.stringify(out[i]).length - before;
  }
  return out;
}
