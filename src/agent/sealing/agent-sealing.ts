import type { Logger } from 'pino';
import type { LiveObject } from '../../domain/health/health.types.js';
import type { HeartbeatAnswerV1 } from '../../protocol/v1/agent-protocol.js';
import { AgeKeys, type AgeIdentityStore } from './age-keys.js';
import { Unsealer, type UnsealOutcome } from './unsealer.js';

/**
 * What the agent does for sealed secrets, in one place: its age identities (loaded or made at
 * start, rotated when the hub asks), unsealing a job's bundle, and remembering what each
 * application's last unseal decrypted so those values are scrubbed from its messages.
 */
export class AgentSealing {
  private keys: AgeKeys | null = null;
  private readonly unsealer = new Unsealer(() => this.keys);
  private readonly values = new Map<string, string[]>();

  constructor(private readonly logger: Logger) {}

  /** Loads the stored identities, making and storing one on the first start. */
  async load(store: AgeIdentityStore): Promise<void> {
    this.keys = await AgeKeys.load(store);
  }

  /** The public recipient the hub should know; undefined before {@link load}. */
  get recipient(): string | undefined {
    return this.keys?.recipient;
  }

  /** Acts on a heartbeat answer: a requested rotation makes a new identity. */
  async answered(answer: HeartbeatAnswerV1): Promise<void> {
    if (!answer.rotateAgeKey || !this.keys) return;
    const recipient = await this.keys.rotate();
    this.logger.info({ ageRecipient: recipient }, 'age identity rotated');
  }

  /** The applier's unseal step for one application's job. */
  unsealFor(applicationId: string): (objects: LiveObject[]) => Promise<UnsealOutcome> {
    return async (objects) => {
      const out = await this.unsealer.unseal(objects);
      this.values.set(applicationId, out.values);
      return out;
    };
  }

  /** Unseals without remembering the values: a preview scrubs its own answer. */
  unsealOnly(objects: readonly LiveObject[]): Promise<UnsealOutcome> {
    return this.unsealer.unseal(objects);
  }

  /** What the application's last unseal decrypted (for scrubbing messages). */
  valuesOf(applicationId: string): string[] {
    return this.values.get(applicationId) ?? [];
  }
}
