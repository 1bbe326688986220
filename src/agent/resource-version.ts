/**
 * Whether resourceVersion `a` is older than `b`. Kubernetes calls resourceVersions opaque, but
 * every etcd-backed API server hands out the store's revision, a decimal integer that only
 * grows; when either is not one, nothing is claimed (false). Used to drop what a watch cache
 * still holds from before the agent's own apply, which would otherwise read as drift.
 */
export function isOlderVersion(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}
