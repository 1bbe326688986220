/**
 * Turns the `SealedSecret` objects of a bundle into the `v1/Secret`s they stand for, with the
 * cluster's own age identities. All or nothing: one object that cannot be decrypted (this
 * cluster is not a recipient, a ciphertext is damaged) fails the whole bundle before anything
 * is written, naming that object; a partial Secret is never produced.
 */
import { Decrypter } from 'age-encryption';
import { redactedValuesOf } from '../../domain/apply/redaction.js';
import type { LiveObject } from '../../domain/health/health.types.js';
import {
  InvalidSealedSecretError,
  isSealedSecret,
  parseSealedSpec,
  recipientFingerprint,
  unsealedSecret,
} from '../../domain/sealed-secret.js';
import { idText } from '../apply/apply-steps.js';

/** An object that could not be unsealed, and why (never a value). */
export interface UnsealFailure {
  id: string;
  message: string;
}

/** The bundle with Secrets in place of sealed objects, or the objects that failed. */
export interface UnsealOutcome {
  objects: LiveObject[];
  failures: UnsealFailure[];
  /** Every decrypted value, as Base64 and as text, for scrubbing messages (as `redactedValuesOf`). */
  values: string[];
}

/** See the module comment. */
export class Unsealer {
  constructor(private readonly keys: () => { identities: readonly string[]; recipient: string } | null) {}

  async unseal(objects: readonly LiveObject[]): Promise<UnsealOutcome> {
    if (!objects.some(isSealedSecret)) return { objects: [...objects], failures: [], values: [] };
    const keys = this.keys();
    const failures: UnsealFailure[] = [];
    const secrets: LiveObject[] = [];
    const out: LiveObject[] = [];
    for (const obj of objects) {
      if (!isSealedSecret(obj)) {
        out.push(obj);
        continue;
      }
      try {
        if (!keys) throw new InvalidSealedSecretError('the agent has no age identity yet');
        const secret = await this.open(obj, keys);
        secrets.push(secret);
        out.push(secret);
      } catch (e) {
        failures.push({ id: idText(obj), message: (e as Error).message });
      }
    }
    return { objects: out, failures, values: redactedValuesOf(secrets) };
  }

  private async open(
    obj: LiveObject,
    keys: { identities: readonly string[]; recipient: string },
  ): Promise<LiveObject> {
    const spec = parseSealedSpec(obj);
    const decrypter = new Decrypter();
    for (const identity of keys.identities) decrypter.addIdentity(identity);
    const plain: Record<string, Uint8Array> = {};
    for (const [key, b64] of Object.entries(spec.encryptedData)) {
      try {
        plain[key] = await decrypter.decrypt(Buffer.from(b64, 'base64'));
      } catch (e) {
        const mine = recipientFingerprint(keys.recipient);
        const listed = spec.recipients.includes(mine);
        throw new InvalidSealedSecretError(
          listed
            ? `SealedSecret key '${key}' cannot be decrypted with this cluster's key ${mine}: ${(e as Error).message}`
            : `this cluster is not a recipient of the SealedSecret (sealed for '${spec.selector}'; ` +
                `this cluster's key ${mine} is not among its ${spec.recipients.length} recipient(s)): ` +
                'seal it again with `flotilla secret reseal` if this cluster should read it',
        );
      }
    }
    return unsealedSecret(obj, plain);
  }
}
