import { Inject, Injectable } from '@nestjs/common';
import { dependencyHold, type DependencyState } from '../../domain/application-dependencies.js';
import { type ApplicationEntity } from '../applications/application.entity.js';
import { ApplicationRepository } from '../applications/application.repository.js';
import { type Tx } from '../database/data-source.js';
import { FleetStatusRepository } from '../fleet-status/fleet-status.repository.js';

/**
 * Answers "may this application's sync job go to these clusters now?" for applications with
 * dependencies: it gathers each dependency's status on each cluster from the fleet status read
 * model and asks the pure rule in domain/application-dependencies.ts.
 */
@Injectable()
export class DependencyGate {
  /**
   * Whether this replica may have held jobs: set when a hold it stored commits, and by the
   * releaser after each look. Kicks (on every status report) look only while it is set; the
   * periodic look finds holds another replica made.
   */
  get mayHaveHolds(): boolean {
    return this.maybe;
  }
  private maybe = false;
  /** Holds committed on this replica, counted: a look forgets them only if none came since it read. */
  private committed = 0;

  constructor(
    @Inject(ApplicationRepository) private readonly apps: ApplicationRepository,
    @Inject(FleetStatusRepository) private readonly fleetStatus: FleetStatusRepository,
  ) {}

  /** Why the job is held, by cluster id, for the clusters where it must wait (absent: it may go). */
  async holds(
    app: Pick<ApplicationEntity, 'projectId' | 'dependsOn'>,
    clusters: readonly { id: string; name: string }[],
    tx?: Tx,
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const names = app.dependsOn ?? [];
    if (names.length === 0 || clusters.length === 0) return out;
    const byName = new Map(
      (await this.apps.inProject(app.projectId, tx))
        .filter((a) => names.includes(a.name))
        .map((a) => [a.name, a]),
    );
    const deps = [...byName.values()];
    const states = await this.fleetStatus.statesOf(
      deps.map((d) => d.id),
      clusters.map((c) => c.id),
      tx,
    );
    const stateOf = new Map(states.map((s) => [`${s.applicationId}/${s.clusterId}`, s]));
    for (const c of clusters) {
      const facts: DependencyState[] = names.map((name) => {
        const dep = byName.get(name);
        const s = dep ? stateOf.get(`${dep.id}/${c.id}`) : undefined;
        return { name, deleting: dep?.deleting, status: s ?? null };
      });
      const reason = dependencyHold(c.name, facts);
      if (reason !== null) out.set(c.id, reason);
    }
    return out;
  }

  private readonly heldListeners: (() => void)[] = [];

  /** Calls `listener` after each transaction that stored held jobs on this replica commits. */
  onHeldCommitted(listener: () => void): void {
    this.heldListeners.push(listener);
  }

  /**
   * A transaction that stored held jobs has committed. Unless the releaser stored them itself
   * (`byReleaser`; a kick during its look already makes it look again), it looks at them again
   * at once: a dependency's result or report may have committed while the hold was decided (it
   * read the state before), and its own kick found nothing held yet. Never for its own holds,
   * so a hold whose stored reason keeps differing cannot make the releaser look in a loop.
   */
  heldCommitted(byReleaser: boolean): void {
    this.committed++;
    this.maybe = true;
    if (!byReleaser) for (const listener of this.heldListeners) listener();
  }

  /** Taken just before a look reads the held jobs; give it back to {@link looked}. */
  lookStarts(): number {
    return this.committed;
  }

  /**
   * What a look found. Finding none forgets the flag only if no hold committed since the look
   * began: one that committed after its read would otherwise wait for the periodic look.
   */
  looked(since: number, found: number): void {
    if (found > 0) this.maybe = true;
    else if (this.committed === since) this.maybe = false;
  }
}
