/**
 * Deleting what left the bundle, and releasing what an application leaves behind. Both only
 * touch objects that still carry this application's mark (someone may have adopted them since),
 * and deletion honours `flotilla.io/prune: disabled`; decisions are the domain's `prunable`.
 */
import { pruneOrder } from '../../domain/apply/apply-order.js';
import { FLOTILLA_ANNOTATIONS, FLOTILLA_LABELS, ownedBy } from '../../domain/apply/flotilla-marks.js';
import type { LiveObject } from '../../domain/health/health.types.js';
import { formatId, idOf, parseId, prunable, type PruneSkipReason } from '../../domain/inventory/inventory.js';
import type { ResourceResultV1 } from '../../protocol/v1/agent-protocol.js';
import { ClusterError, type ClusterClient } from '../cluster/cluster-client.js';
import { mapBounded } from './bounded.js';

/** What a prune did: per-object results, and ids still owned and present (kept in inventory). */
export interface PruneOutcome {
  resources: ResourceResultV1[];
  remaining: string[];
  errors: ClusterError[];
}

const SKIP_MESSAGES: Record<PruneSkipReason, string> = {
  gone: 'already gone',
  'not-owned': 'no longer carries this application’s mark: left in place',
  'prune-disabled': `annotated ${FLOTILLA_ANNOTATIONS.prune}: disabled: left in place`,
};

function asClusterError(e: unknown): ClusterError {
  return e instanceof ClusterError ? e : new ClusterError('unknown', (e as Error).message, 0);
}

/** Reads the live state of inventory ids (null when gone or the kind no longer exists). */
export async function readLive(
  client: ClusterClient,
  ids: readonly string[],
  concurrency: number,
): Promise<Map<string, LiveObject | null>> {
  const live = new Map<string, LiveObject | null>();
  await mapBounded(ids, concurrency, async (text) => {
    const id = parseId(text);
    const info = await client.resolveGroupKind(id.group, id.kind);
    live.set(
      text,
      info
        ? await client.get({
            apiVersion: info.apiVersion,
            kind: id.kind,
            namespace: id.namespace || undefined,
            name: id.name,
          })
        : null,
    );
  });
  return live;
}

/** Deletes the prunable ones of `ids` in reverse apply order, wave by wave. */
export async function pruneObjects(
  client: ClusterClient,
  ids: readonly string[],
  applicationId: string,
  concurrency: number,
): Promise<PruneOutcome> {
  const out: PruneOutcome = { resources: [], remaining: [], errors: [] };
  if (ids.length === 0) return out;
  let live: Map<string, LiveObject | null>;
  try {
    live = await readLive(client, ids, concurrency);
  } catch (e) {
    const error = asClusterError(e);
    out.errors.push(error);
    out.resources.push(
      ...ids.map((id) => ({ id, action: 'failed' as const, message: `not pruned: ${error.message}` })),
    );
    out.remaining.push(...ids);
    return out;
  }
  const plan = prunable(ids.map(parseId), live, applicationId);
  for (const { id, reason } of plan.skip) {
    const text = formatId(id);
    out.resources.push({ id: text, action: 'skipped', message: SKIP_MESSAGES[reason] });
    if (reason === 'prune-disabled') out.remaining.push(text);
  }
  const doomed = plan.prune.map((id) => live.get(formatId(id))!);
  for (const wave of pruneOrder(doomed)) {
    await mapBounded(wave, concurrency, async (obj) => {
      const id = formatId(idOf(obj));
      try {
        await client.delete(refOf(obj));
        out.resources.push({ id, action: 'deleted', health: 'NotFound' });
      } catch (e) {
        const error = asClusterError(e);
        out.errors.push(error);
        out.remaining.push(id);
        out.resources.push({ id, action: 'failed', message: error.message });
      }
    });
  }
  return out;
}

/** Strips Flotilla's label and owner annotation from the owned ones of `ids`, leaving them running. */
export async function releaseObjects(
  client: ClusterClient,
  ids: readonly string[],
  applicationId: string,
  concurrency: number,
): Promise<PruneOutcome> {
  const out: PruneOutcome = { resources: [], remaining: [], errors: [] };
  const live = await readLive(client, ids, concurrency);
  await mapBounded([...live], concurrency, async ([id, obj]) => {
    if (!obj) return void out.resources.push({ id, action: 'skipped', message: 'already gone' });
    if (ownedBy(obj) !== applicationId)
      return void out.resources.push({ id, action: 'skipped', message: SKIP_MESSAGES['not-owned'] });
    try {
      await client.mergePatch(refOf(obj), {
        metadata: {
          labels: { [FLOTILLA_LABELS.application]: null },
          annotations: { [FLOTILLA_ANNOTATIONS.owner]: null },
        },
      });
      out.resources.push({
        id,
        action: 'skipped',
        message: 'left in place without Flotilla’s marks (prune disabled)',
      });
    } catch (e) {
      const error = asClusterError(e);
      out.errors.push(error);
      out.remaining.push(id);
      out.resources.push({ id, action: 'failed', message: error.message });
    }
  });
  return out;
}

/** The reference of a live object. */
export function refOf(obj: LiveObject) {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
  };
}
