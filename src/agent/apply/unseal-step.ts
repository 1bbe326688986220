/**
 * The applier's unseal step: sealed secrets become the Secrets they stand for, after the
 * policy check of the bundle as declared and before anything is planned or written.
 */
import type { LiveObject } from '../../domain/health/health.types.js';
import type { ObjectPolicy } from '../../domain/object-policy.js';
import type { ClusterClient } from '../cluster/cluster-client.js';
import type { ReconcileOutcome, ReconcileRequest } from './apply.types.js';
import { refusedObjects } from './object-guard.js';
import { refusedBundle, unsealFailed } from './reconcile-outcomes.js';

/**
 * The bundle with its sealed secrets unsealed, or the failed outcome: one object that cannot be
 * decrypted and nothing is applied. The Secrets made are judged by the cluster owner's guardrail
 * again: a guardrail that denies Secrets must not be passed by sealing one (the project's rules
 * judged the SealedSecret as declared).
 */
export async function unsealStep(
  client: ClusterClient,
  guardrail: ObjectPolicy,
  unseal: NonNullable<ReconcileRequest['unseal']>,
  bundle: LiveObject[],
  concurrency: number,
): Promise<{ bundle: LiveObject[] } | { outcome: ReconcileOutcome }> {
  const unsealed = await unseal(bundle);
  if (unsealed.failures.length > 0) return { outcome: unsealFailed(bundle, unsealed.failures) };
  const made = unsealed.objects.filter((o) => !bundle.includes(o));
  const denied = await refusedObjects(client, { guardrail }, made, concurrency);
  if (denied.length > 0) return { outcome: refusedBundle(unsealed.objects, denied) };
  return { bundle: unsealed.objects };
}
