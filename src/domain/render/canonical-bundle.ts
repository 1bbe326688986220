import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';
import { InvalidInputError } from '../errors.js';
import { kubeObjectProblem } from './object-identity.js';
import { type KubeObject } from './render.types.js';

/**
 * The canonical bundle format, version 1 — what is hashed, stored and sent to agents:
 *
 * - UTF-8 JSON Lines: each object is one line of canonical JSON (object keys sorted by UTF-16
 *   code units, no whitespace, as `JSON.stringify` writes strings and numbers) followed by `\n`,
 *   including the last; an empty bundle is zero bytes. JSON escapes line breaks inside strings,
 *   so a line is always exactly one object.
 * - Lines in canonical object order: by API group (`''` for core), kind, namespace (`''` for
 *   cluster-scoped), name, each compared by UTF-16 code units (see `compareObjectIds`).
 * - The digest is `'sha256:' + hex(sha256(bytes))`.
 *
 * The same input therefore always yields the same bytes, whatever the file order or key order.
 */
export function serialiseBundle(sortedObjects: readonly KubeObject[]): string[] {
  return sortedObjects.map((o) => canonicalJson(o));
}

/** `'sha256:' + hex(sha256(bytes))`: an agent checks a fetched bundle against its digest with this. */
export function bundleDigest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Reads canonical bundle bytes back into objects (the agent's side). Checks the framing and that
 * each line is a Kubernetes object; it does not re-check canonical order — verify the digest for
 * integrity. Throws `InvalidInputError` naming the line on malformed input.
 */
export function parseCanonicalBundle(bytes: Buffer): KubeObject[] {
  if (bytes.length === 0) return [];
  const text = bytes.toString('utf8');
  if (!text.endsWith('\n')) throw new InvalidInputError('canonical bundle does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  return lines.map((line, i) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new InvalidInputError(`canonical bundle line ${i + 1}: invalid JSON: ${(e as Error).message}`);
    }
    const problem = kubeObjectProblem(value);
    if (problem) throw new InvalidInputError(`canonical bundle line ${i + 1}: ${problem}`);
    return value as KubeObject;
  });
}
