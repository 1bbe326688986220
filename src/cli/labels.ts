import { UsageError } from './errors.js';

/** `k=v` pairs into a label map; a pair without `=` or with an empty key is a usage error. */
export function parseLabels(pairs: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`not a label: ${JSON.stringify(pair)} (use key=value)`);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

/**
 * Applies `k=v` (set) and `k-` (remove) edits to a label set, kubectl-style; removing a label
 * that is not there is an error, so a typo does not pass silently.
 */
export function editLabels(current: Record<string, string>, edits: string[]): Record<string, string> {
  const next = { ...current };
  for (const edit of edits) {
    if (edit.endsWith('-') && !edit.includes('=')) {
      const key = edit.slice(0, -1);
      if (!key) throw new UsageError(`not a label edit: ${JSON.stringify(edit)}`);
      if (!(key in next)) throw new UsageError(`label ${key} is not set`);
      delete next[key];
    } else Object.assign(next, parseLabels([edit]));
  }
  return next;
}
