/**
 * Decrypting SOPS-encrypted objects before apply (issue 17). The age key lives in the cluster, in
 * a Secret the cluster owner creates (`--sops-age-key-secret`, default
 * `<agent namespace>/flotilla-sops-age`, key `keys.txt`: one or more `AGE-SECRET-KEY-1…` lines,
 * the format of sops' own keys.txt); it is read when a bundle holds a SOPS object and never leaves
 * the agent. Each SOPS object of the bundle is replaced by its decrypted document, or the whole
 * bundle fails with a per-object error: nothing is applied from a bundle with a file that cannot
 * be decrypted, so a half-updated set of Secrets never exists.
 */
import { scrubOutcome } from '../agent-reports.js';
import { Decrypter, armor } from 'age-encryption';
import {
  isCoreSecret,
  REDACT_ANNOTATION,
  redactedValuesOf,
  SECRET_VALUE_POINTERS,
} from '../../domain/apply/redaction.js';
import type { LiveObject } from '../../domain/health/health.types.js';
import {
  SopsError,
  decryptSopsFile,
  isSopsDocument,
  parseSopsFile,
  sopsSourceOf,
} from '../../domain/secrets/sops-document.js';
import type { ResourceResultV1 } from '../../protocol/v1/agent-protocol.js';
import { idText } from '../apply/apply-steps.js';
import type { ReconcileOutcome } from '../apply/apply.types.js';
import { failed } from '../apply/reconcile-outcomes.js';
import type { ClusterClient } from '../cluster/cluster-client.js';

/** Where the cluster's SOPS age identities are: a Secret and its key. */
export interface SopsKeyRef {
  namespace: string;
  name: string;
  /** Key of the Secret's data holding the identities; default `keys.txt`. */
  key?: string;
}

/** The name of the Secret holding the age key when none is configured. */
export const DEFAULT_SOPS_KEY_SECRET = 'flotilla-sops-age';

/** One SOPS object that could not be decrypted; the message names the file, never a value. */
export interface SopsFailure {
  object: LiveObject;
  message: string;
}

/** The bundle with every SOPS object decrypted, or why not. */
export type SopsDecryption = { ok: true; objects: LiveObject[] } | { ok: false; failures: SopsFailure[] };

/** Decrypts the SOPS objects of bundles with the cluster's age key. */
export class SopsDecryptor {
  constructor(
    private readonly client: ClusterClient,
    private readonly ref: SopsKeyRef,
  ) {}

  /**
   * Replaces each SOPS object by its decrypted document (namespace as rendered, identity checked
   * against the rendered one); other objects pass unchanged. Reads the key only when needed.
   */
  async decryptBundle(objects: readonly LiveObject[]): Promise<SopsDecryption> {
    if (!objects.some((o) => isSopsDocument(o))) return { ok: true, objects: [...objects] };
    let identities: string[];
    try {
      identities = await this.identities();
    } catch (e) {
      const message = (e as Error).message;
      return {
        ok: false,
        failures: objects.filter((o) => isSopsDocument(o)).map((object) => ({ object, message })),
      };
    }
    const out: LiveObject[] = [];
    const failures: SopsFailure[] = [];
    for (const object of objects) {
      if (!isSopsDocument(object)) {
        out.push(object);
        continue;
      }
      try {
        out.push(await decryptObject(object, identities));
      } catch (e) {
        if (!(e instanceof SopsError)) throw e;
        failures.push({ object, message: e.message });
      }
    }
    return failures.length > 0 ? { ok: false, failures } : { ok: true, objects: out };
  }

  private async identities(): Promise<string[]> {
    const { namespace, name } = this.ref;
    const key = this.ref.key ?? 'keys.txt';
    const where = `the Secret ${namespace}/${name} (key ${key})`;
    let secret: LiveObject | null;
    try {
      secret = await this.client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    } catch (e) {
      throw new Error(`SOPS: cannot read the age key from ${where}: ${(e as Error).message}`);
    }
    const data = (secret as { data?: Record<string, string> } | null)?.data?.[key];
    if (typeof data !== 'string')
      throw new Error(
        `SOPS: no age key in this cluster: create ${where} holding the AGE-SECRET-KEY-1… line(s) the file was encrypted for`,
      );
    const ids = Buffer.from(data, 'base64')
      .toString('utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.startsWith('AGE-SECRET-KEY-'));
    if (ids.length === 0) throw new Error(`SOPS: ${where} holds no AGE-SECRET-KEY-1… line`);
    return ids;
  }
}

/** One SOPS object decrypted. @throws SopsError naming the file and the object. */
async function decryptObject(object: LiveObject, identities: readonly string[]): Promise<LiveObject> {
  const what = `${object.kind} "${object.metadata.name}"`;
  const source = sopsSourceOf(object);
  if (!source) throw new SopsError(`SOPS: ${what} came without its file (a hub older than this agent?)`);
  const fail = (message: string): never => {
    throw new SopsError(`SOPS file ${source.file} (${what}): ${message}`);
  };
  let file;
  try {
    file = parseSopsFile(source.text);
  } catch (e) {
    return fail((e as Error).message);
  }
  if (file.age.length === 0)
    fail(
      `not encrypted for any age recipient (it uses ${file.otherKeyTypes.join(', ') || 'no key'}); the agent decrypts age only`,
    );
  const dataKey = await unwrapDataKey(file.age, identities);
  if (!dataKey)
    fail(
      `not encrypted for this cluster's age key; its recipients are ${file.age.map((a) => a.recipient).join(', ')}`,
    );
  let decrypted;
  try {
    decrypted = decryptSopsFile(file, dataKey!);
  } catch (e) {
    return fail((e as Error).message);
  }
  const result = decrypted.object as unknown as LiveObject;
  const meta = result.metadata ?? {};
  // The hub checked the project's rules on the object it rendered: what is applied must be that object.
  if (
    result.apiVersion !== object.apiVersion ||
    result.kind !== object.kind ||
    meta.name !== object.metadata.name
  )
    fail('the decrypted document is not the object the hub rendered');
  if (meta.namespace === undefined && object.metadata.namespace !== undefined)
    meta.namespace = object.metadata.namespace;
  if (meta.namespace !== object.metadata.namespace) fail('the decrypted document is in another namespace');
  result.metadata = meta;
  return markRedacted(result, decrypted.encryptedPointers);
}

/** The data key from the first age stanza one of the identities opens, or null. */
async function unwrapDataKey(
  stanzas: readonly { enc: string }[],
  identities: readonly string[],
): Promise<Uint8Array | null> {
  const decrypter = new Decrypter();
  for (const id of identities) decrypter.addIdentity(id);
  for (const s of stanzas) {
    try {
      return await decrypter.decrypt(armor.decode(s.enc));
    } catch {
      // not for these identities (or malformed): the next stanza may be ours
    }
  }
  return null;
}

/**
 * Values that were encrypted stay out of drift diffs: a Secret's data is redacted anyway; any
 * other encrypted field is listed in the redaction annotation (domain/apply/redaction.ts).
 */
function markRedacted(object: LiveObject, pointers: readonly string[]): LiveObject {
  const covered = isCoreSecret(object) ? SECRET_VALUE_POINTERS : [];
  const extra = pointers.filter((p) => !covered.some((c) => p === c || p.startsWith(`${c}/`)));
  if (extra.length === 0) return object;
  const annotations = { ...(object.metadata.annotations ?? {}) };
  const listed = annotations[REDACT_ANNOTATION];
  annotations[REDACT_ANNOTATION] = [...(listed ? [listed] : []), ...extra].join(',');
  return { ...object, metadata: { ...object.metadata, annotations } };
}

/**
 * The apply path's one call: the bundle with its SOPS objects decrypted, or the failed outcome
 * to report (each undecryptable object failed with its reason, every other one skipped).
 * Without a decryptor (no key configured) a SOPS object fails rather than reach the API server
 * as ciphertext.
 */
export async function decryptSopsObjects(
  decryptor: SopsDecryptor | undefined,
  objects: LiveObject[],
): Promise<{ objects: LiveObject[] } | { outcome: ReconcileOutcome }> {
  const result: SopsDecryption = decryptor
    ? await decryptor.decryptBundle(objects)
    : objects.some((o) => isSopsDocument(o))
      ? {
          ok: false,
          failures: objects
            .filter((o) => isSopsDocument(o))
            .map((object) => ({ object, message: 'SOPS: this agent has no age key configured' })),
        }
      : { ok: true, objects };
  if (result.ok) return { objects: result.objects };
  const byId = new Map(result.failures.map((f) => [idText(f.object), f.message]));
  const resources = objects.map((o): ResourceResultV1 => {
    const id = idText(o);
    const message = byId.get(id);
    return message !== undefined
      ? { id, action: 'failed', message }
      : { id, action: 'skipped', message: 'not applied: a SOPS file of the bundle could not be decrypted' };
  });
  const first = result.failures[0].message;
  const more = result.failures.length > 1 ? ` (and ${result.failures.length - 1} more)` : '';
  return { outcome: failed(`nothing applied: ${first}${more}`, false, resources, []) };
}

/**
 * The outcome with every value the decrypted SOPS objects hold at redacted fields cut out of its
 * messages. The agent's own scrub reads the bundle as fetched, where those values are ciphertext;
 * an API server's error can quote the plaintext it refused (`spec.schedule: Invalid value: …`).
 */
export function scrubDecrypted(
  outcome: ReconcileOutcome,
  decrypted: readonly LiveObject[],
): ReconcileOutcome {
  return scrubOutcome(outcome, redactedValuesOf(decrypted));
}
