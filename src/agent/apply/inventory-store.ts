/**
 * Where an application's inventory lives between reconciles: a ConfigMap per application in
 * the agent's namespace (`flotilla-inventory-<applicationId>`), so a restarted or replaced
 * agent still knows what it owns and prune keeps working. Written only when it changes: a
 * no-op re-sync must not write anything.
 */
import type { ClusterClient } from '../cluster/cluster-client.js';

/** Persistence of inventories (ids as `group/Kind/namespace/name`). */
export interface InventoryStore {
  /** The stored inventory, or null when there is none. */
  load(applicationId: string): Promise<string[] | null>;
  save(applicationId: string, applicationName: string, ids: readonly string[]): Promise<void>;
  remove(applicationId: string): Promise<void>;
}

/** Label on the agent's own bookkeeping objects, so nobody mistakes them for application objects. */
export const AGENT_STATE_LABEL = 'flotilla.io/agent-state';

/** {@link InventoryStore} in ConfigMaps of one namespace. */
export class ConfigMapInventoryStore implements InventoryStore {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly client: ClusterClient,
    private readonly namespace: string,
  ) {}

  private ref(applicationId: string) {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: this.namespace,
      name: `flotilla-inventory-${applicationId}`,
    };
  }

  async load(applicationId: string): Promise<string[] | null> {
    const cm = await this.client.get(this.ref(applicationId));
    const text = (cm?.data as Record<string, string> | undefined)?.inventory;
    if (text === undefined) {
      this.cache.delete(applicationId);
      return null;
    }
    this.cache.set(applicationId, text);
    return JSON.parse(text) as string[];
  }

  async save(applicationId: string, applicationName: string, ids: readonly string[]): Promise<void> {
    const text = JSON.stringify([...new Set(ids)].sort());
    if (this.cache.get(applicationId) === text) return;
    await this.client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: this.ref(applicationId).name,
        namespace: this.namespace,
        labels: { [AGENT_STATE_LABEL]: 'inventory' },
        annotations: { 'flotilla.io/application-name': applicationName },
      },
      data: { inventory: text },
    });
    this.cache.set(applicationId, text);
  }

  async remove(applicationId: string): Promise<void> {
    await this.client.delete(this.ref(applicationId));
    this.cache.delete(applicationId);
  }
}
