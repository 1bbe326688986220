/**
 * Dependencies between applications (issue 20): `dependsOn` names applications of the same
 * project that must be Synced and Healthy on a cluster before an application's sync job goes to
 * that cluster. Pure rules: the graph's cycles, and whether a job may go out now and if not why.
 */

/** Most dependencies one application may name. */
export const MAX_DEPENDENCIES = 32;

/** Applications by name with the names each depends on. */
export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/**
 * A cycle through `from` (`['a', 'b', 'a']`), or null when none: depth first over the graph,
 * names absent from it have no dependencies. Only cycles reaching back to `from` matter here:
 * the graph held no cycle before `from`'s dependencies changed, since each change is checked.
 */
export function findCycle(graph: DependencyGraph, from: string): string[] | null {
  const seen = new Set<string>();
  const path: string[] = [from];
  const walk = (name: string): boolean => {
    for (const next of graph.get(name) ?? []) {
      if (next === from) {
        path.push(from);
        return true;
      }
      if (seen.has(next)) continue;
      seen.add(next);
      path.push(next);
      if (walk(next)) return true;
      path.pop();
    }
    return false;
  };
  return walk(from) ? path : null;
}

/** A cycle as people read it: `a → b → a`. */
export function describeCycle(cycle: readonly string[]): string {
  return cycle.join(' → ');
}

/** The state of one dependency on one cluster, as the fleet status read model has it. */
export interface DependencyState {
  name: string;
  /** Null when the dependency is not deployed to the cluster (no status row there). */
  status: {
    sync: string;
    health: string;
    wantedRevision: string | null;
    appliedRevision: string | null;
  } | null;
  /** The dependency is being deleted. */
  deleting?: boolean;
}

/**
 * Why one dependency is not ready on a cluster (null: ready). Ready means Synced and Healthy
 * (kstatus Current) at the revision it is meant to run there: a dependency still rolling out a
 * new revision is not ready for what depends on it.
 */
export function dependencyNotReady(d: DependencyState): string | null {
  if (d.deleting) return 'being deleted';
  const s = d.status;
  if (!s) return 'not deployed to this cluster';
  if (s.sync !== 'Synced') return s.sync;
  if (s.wantedRevision !== s.appliedRevision) return 'not yet at its desired revision';
  if (s.health !== 'Current') return s.health;
  return null;
}

/**
 * May an application's sync job go to `cluster` now? Null when every dependency is ready there,
 * else the reason shown to the operator, one clause per dependency that is not:
 * `waiting for cert-manager on prod-eu-1: Progressing`.
 */
export function dependencyHold(cluster: string, deps: readonly DependencyState[]): string | null {
  const waits = deps
    .map((d) => ({ name: d.name, why: dependencyNotReady(d) }))
    .filter((w): w is { name: string; why: string } => w.why !== null)
    .map((w) => `waiting for ${w.name} on ${cluster}: ${w.why}`);
  return waits.length ? waits.join('; ') : null;
}

/**
 * Who still depends on `name` among `apps`: deleting an application others depend on is refused
 * until they are gone, so removal happens in reverse order of dependency.
 */
export function dependentsOf(
  name: string,
  apps: readonly { name: string; dependsOn: readonly string[] }[],
): string[] {
  return apps
    .filter((a) => a.name !== name && a.dependsOn.includes(name))
    .map((a) => a.name)
    .sort();
}
