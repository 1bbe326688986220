/**
 * The agent's age (X25519) identities: the private keys sealed secrets are decrypted with.
 * Created on the first start that finds none, kept by the state store (a Secret in the agent's
 * namespace, or a 0600 file in the state directory), never sent anywhere: only the public
 * recipient of the newest one goes to the hub.
 *
 * A rotation puts a new identity first and keeps the previous ones (at most
 * {@link MAX_AGE_IDENTITIES} in all), so what was sealed for the old key still applies until it
 * is re-sealed: whoever holds an old key can read old ciphertext anyway (it is in Git forever);
 * rotating protects what is sealed from now on.
 */
import { generateX25519Identity, identityToRecipient } from 'age-encryption';

/** Identities kept: the current one and the ones it replaced most recently. */
export const MAX_AGE_IDENTITIES = 3;

/** Where the identities live (implemented by the state stores). */
export interface AgeIdentityStore {
  /** Newest first; empty when none was ever made. */
  loadAgeIdentities(): Promise<string[]>;
  saveAgeIdentities(identities: string[]): Promise<void>;
}

/** The agent's identities and the recipient the hub should know. */
export class AgeKeys {
  private constructor(
    private readonly store: AgeIdentityStore,
    private ids: string[],
    private current: string,
  ) {}

  /** The stored identities, or a new one stored first when there are none. */
  static async load(store: AgeIdentityStore): Promise<AgeKeys> {
    let ids = (await store.loadAgeIdentities()).filter((s) => s.startsWith('AGE-SECRET-KEY-1'));
    if (ids.length === 0) {
      ids = [await generateX25519Identity()];
      await store.saveAgeIdentities(ids);
    }
    return new AgeKeys(store, ids, await identityToRecipient(ids[0]));
  }

  /** The public recipient of the newest identity (`age1…`). */
  get recipient(): string {
    return this.current;
  }

  /** Every identity kept, newest first (for decryption only). */
  get identities(): readonly string[] {
    return this.ids;
  }

  /** Makes and stores a new identity, keeping the previous ones; returns the new recipient. */
  async rotate(): Promise<string> {
    const next = [await generateX25519Identity(), ...this.ids].slice(0, MAX_AGE_IDENTITIES);
    await this.store.saveAgeIdentities(next);
    this.ids = next;
    this.current = await identityToRecipient(next[0]);
    return this.current;
  }
}
