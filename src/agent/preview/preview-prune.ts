/**
 * The prune half of a preview: objects of the application's inventory that left the bundle,
 * judged as a sync's prune judges them (the guardrail and job policy, then the domain's
 * `prunable`: still carrying the application's mark, not `flotilla.io/prune: disabled`) — and
 * only read, never deleted.
 */
import { FLOTILLA_ANNOTATIONS } from '../../domain/apply/flotilla-marks.js';
import { formatId, parseId, prunable, type PruneSkipReason } from '../../domain/inventory/inventory.js';
import type { PreviewObjectV1 } from '../../protocol/v1/agent-protocol.js';
import type { ClusterClient } from '../cluster/cluster-client.js';
import { guardDeletions, type ObjectGuard } from '../apply/object-guard.js';
import { readLive } from '../apply/prune.js';

/** Why a removed object stays; `gone` objects are not listed at all (nothing would happen). */
const STAYS: Record<Exclude<PruneSkipReason, 'gone'>, string> = {
  'not-owned': 'not pruned: no longer carries this application’s mark',
  'prune-disabled': `not pruned: annotated ${FLOTILLA_ANNOTATIONS.prune}: disabled`,
};

/**
 * `prune` for each of `removed` a sync with prune would delete; `unchanged`, saying why, for
 * those it would leave in place.
 */
export async function previewPrune(
  client: ClusterClient,
  guard: ObjectGuard,
  removed: readonly string[],
  applicationId: string,
  concurrency: number,
): Promise<PreviewObjectV1[]> {
  if (removed.length === 0) return [];
  const guarded = await guardDeletions(client, guard, removed);
  const out: PreviewObjectV1[] = guarded.refused.map((r) => ({
    id: r.resource,
    action: 'unchanged',
    message: `not pruned: outside policy (rule ${r.rule}): ${r.message}`,
  }));
  const live = await readLive(client, guarded.allowed, concurrency);
  const plan = prunable(guarded.allowed.map(parseId), live, applicationId);
  for (const id of plan.prune) out.push({ id: formatId(id), action: 'prune' });
  for (const { id, reason } of plan.skip)
    if (reason !== 'gone') out.push({ id: formatId(id), action: 'unchanged', message: STAYS[reason] });
  return out;
}
