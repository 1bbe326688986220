/**
 * The back half of a preview: each object of the bundle dry-run by the API server (server-side
 * apply, `dryRun=All`, field manager `flotilla`, forced — the request a sync makes, minus the
 * write) and the server's answer compared with the live object.
 */
import { isForceEnabled } from '../../domain/apply/flotilla-marks.js';
import type { LiveObject } from '../../domain/health/health.types.js';
import { previewDiff } from '../../domain/preview/field-changes.js';
import {
  MAX_PREVIEW_CHANGES_V1,
  MAX_PREVIEW_VALUE_CHARS_V1,
  type PreviewObjectV1,
} from '../../protocol/v1/agent-protocol.js';
import type { ClusterClient } from '../cluster/cluster-client.js';
import { dryRunAll, idText, immutableHint, listOwned } from '../apply/apply-steps.js';
import { mapBounded } from '../apply/bounded.js';
import { findDeferred } from '../apply/deferred-dry-run.js';
import { refOf } from '../apply/prune.js';

/** How the objects of one preview are judged. */
export interface PreviewObjectsOptions {
  /** null: an application not created yet (it owns nothing). */
  applicationId: string | null;
  ignoreDifferences: readonly string[];
  force: boolean;
  concurrency: number;
}

/** Why a deferred object is a `create` without a dry run (deferred-dry-run.ts). */
export const DEFERRED_MESSAGE =
  'dry run deferred: its Namespace or CustomResourceDefinition is created by the same bundle';

/**
 * What a sync would do to each object, in the order given: `create`, `change` (with the field
 * changes), `unchanged`, or `refused` with the API server's message. An API server that does
 * not answer throws (the whole preview fails: a partial answer would read as "no change").
 */
export async function previewObjects(
  client: ClusterClient,
  objects: readonly LiveObject[],
  options: PreviewObjectsOptions,
): Promise<PreviewObjectV1[]> {
  const owned = options.applicationId
    ? await listOwned(client, objects, options.applicationId)
    : new Map<string, LiveObject>();
  const deferred = await findDeferred(client, objects, owned);
  const now = objects.filter((o) => !deferred.has(idText(o)));
  const checks = new Map(
    (await dryRunAll(client, now, options.concurrency)).map((check, i) => [idText(now[i]), check]),
  );
  return mapBounded(objects, options.concurrency, async (obj): Promise<PreviewObjectV1> => {
    const id = idText(obj);
    const check = checks.get(id);
    if (!check) return { id, action: 'create', message: DEFERRED_MESSAGE };
    if (!check.ok) {
      const error = check.error;
      if (error.kind === 'unavailable') throw error;
      if (error.kind !== 'immutable') return { id, action: 'refused', message: error.message };
      if (!options.force && !isForceEnabled(obj))
        return { id, action: 'refused', message: immutableHint(error) };
      return { id, action: 'change', message: 'would be deleted and recreated: an immutable field changes' };
    }
    // Not ours yet (or an application not created yet): the object may still exist, and a sync
    // would take it over — a change, not a create.
    const live = owned.get(id) ?? (await client.get(refOf(obj)));
    if (!live) return { id, action: 'create' };
    const diff = previewDiff(live, check.object, {
      ignoreDifferences: options.ignoreDifferences,
      maxChanges: MAX_PREVIEW_CHANGES_V1,
      maxValueChars: MAX_PREVIEW_VALUE_CHARS_V1,
    });
    if (diff.changes.length === 0) return { id, action: 'unchanged' };
    return { id, action: 'change', changes: diff.changes, ...(diff.truncated ? { truncated: true } : {}) };
  });
}
