import { SOPS_SOURCE_FIELD, isSopsEncrypted, type SopsSource } from '../secrets/sops-document.js';
import type { KubeObject, SourceDocument } from './render.types.js';

/**
 * How the hub treats a SOPS-encrypted document (issue 17): it never holds the key, so it passes
 * the document through untouched — no variables substituted, no patches — and checks only what
 * the project's rules need in clear. The agent decrypts it (src/agent/secrets/).
 */

/**
 * Why the hub cannot pass this SOPS document on, or undefined. apiVersion, kind and metadata must
 * be in clear: the project's kind and namespace rules, identities and pruning are decided on them.
 */
export function sopsObjectProblem(source: SourceDocument, object: KubeObject): string | undefined {
  if (source.sopsSource === undefined)
    return 'SOPS-encrypted documents are supported in manifest files, not in Helm or Kustomize output';
  const clear: unknown[] = [object.apiVersion, object.kind];
  collectStrings(object.metadata, clear);
  if (clear.some(isSopsEncrypted))
    return (
      "a SOPS file must keep apiVersion, kind and metadata in clear (the project's rules are checked " +
      "on them): encrypt it with --encrypted-regex '^(data|stringData)$'"
    );
  if (SOPS_SOURCE_FIELD in object) return `the field ${SOPS_SOURCE_FIELD} is reserved`;
  return undefined;
}

/**
 * The object as the bundle carries it: parsed, plus the file's path (for error messages) and its
 * own text (for the agent's MAC check), as a {@link SopsSource}.
 */
export function withSopsSource(object: KubeObject, source: SourceDocument): KubeObject {
  const carried: SopsSource = { file: source.file, text: source.sopsSource! };
  return { ...object, [SOPS_SOURCE_FIELD]: carried };
}

function collectStrings(v: unknown, out: unknown[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) collectStrings(x, out);
}
