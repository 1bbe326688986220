/**
 * The agent's side of object policies: every object of a bundle, and every object a prune or
 * removal would delete, is checked against the install-time guardrail and the job's own rules
 * (`checkBoth`) before anything is written. Whether a kind is cluster-scoped comes from the
 * API server's discovery — what the server will actually do with the object — and, for kinds
 * it does not serve yet, from the CRDs of the bundle as the hub decides it.
 */
import type { LiveObject } from '../../domain/health/health.types.js';
import { parseId } from '../../domain/inventory/inventory.js';
import { checkBoth, type ObjectPolicy } from '../../domain/object-policy.js';
import {
  checkBundle,
  isOpenPolicy,
  type IsClusterScoped,
  type PolicyRefusal,
} from '../../domain/render/bundle-policy.js';
import { ScopeResolver } from '../../domain/render/cluster-scoped-kinds.js';
import { apiGroupOf } from '../../domain/render/object-identity.js';
import { ClusterError, type ClusterClient } from '../cluster/cluster-client.js';
import { mapBounded } from './bounded.js';

/** The two rule sets an object must pass: the agent's guardrail and the job's policy (if any). */
export interface ObjectGuard {
  guardrail: ObjectPolicy;
  policy?: ObjectPolicy;
}

/** True when neither rule set refuses anything, so no discovery is needed. */
function open(g: ObjectGuard): boolean {
  return isOpenPolicy(g.guardrail) && (!g.policy || isOpenPolicy(g.policy));
}

/** Every object of the bundle the guard refuses, in bundle order. */
export async function refusedObjects(
  client: ClusterClient,
  guard: ObjectGuard,
  objects: readonly LiveObject[],
  concurrency: number,
): Promise<PolicyRefusal[]> {
  if (open(guard)) return [];
  const bundleScope = new ScopeResolver(objects);
  const served = new Map<string, boolean | null>();
  const kinds = [...new Map(objects.map((o) => [`${o.apiVersion}\n${o.kind}`, o])).values()];
  await mapBounded(kinds, concurrency, async (o) => {
    served.set(`${apiGroupOf(o.apiVersion)}/${o.kind}`, await namespaced(client, o.apiVersion, o.kind));
  });
  const isClusterScoped: IsClusterScoped = (group, kind) => {
    const n = served.get(`${group}/${kind}`);
    return n === null || n === undefined ? bundleScope.isClusterScoped(group, kind) : !n;
  };
  return checkBundle(guard.guardrail, guard.policy, objects, isClusterScoped);
}

/**
 * Splits inventory ids into those the guard lets the agent delete and those it refuses (an
 * inventory written before the guardrail was narrowed, or by an older agent, may name them).
 */
export async function guardDeletions(
  client: ClusterClient,
  guard: ObjectGuard,
  ids: readonly string[],
): Promise<{ allowed: string[]; refused: PolicyRefusal[] }> {
  if (open(guard) || ids.length === 0) return { allowed: [...ids], refused: [] };
  const allowed: string[] = [];
  const refused: PolicyRefusal[] = [];
  for (const text of ids) {
    const id = parseId(text);
    const info = await client.resolveGroupKind(id.group, id.kind).catch(() => null);
    const clusterScoped = info ? !info.namespaced : id.namespace === '';
    const d = checkBoth(guard.guardrail, guard.policy, { ...id, clusterScoped });
    if (d.allowed) allowed.push(text);
    else refused.push({ resource: text, rule: d.rule, message: d.message });
  }
  return { allowed, refused };
}

/** Whether the server serves the kind namespaced; null when it does not serve it (yet). */
async function namespaced(client: ClusterClient, apiVersion: string, kind: string): Promise<boolean | null> {
  try {
    return (await client.resolve(apiVersion, kind)).namespaced;
  } catch (e) {
    if (e instanceof ClusterError && e.kind === 'not-found') return null;
    throw e;
  }
}
