import { expandedSizeLimit, parseManifestYaml } from '../bounded-yaml.js';
import { isSopsDocument } from '../secrets/sops-document.js';
import { isMapping } from './object-identity.js';
import {
  type PreparedManifests,
  type RenderError,
  type RenderLimits,
  type SourceDocument,
} from './render.types.js';

/**
 * A manifest is a `.yaml`, `.yml` or `.json` file (any case). Anything under a dot-named file or
 * directory (`.github/`, `.flotilla.yaml`) is tooling, not cluster state, and is skipped.
 */
export function isManifestFile(path: string): boolean {
  if (!/\.(ya?ml|json)$/i.test(path)) return false;
  return !path.split('/').some((segment) => segment.startsWith('.') && segment !== '.' && segment !== '..');
}

/**
 * Parses every manifest file, in sorted path order, into documents: empty YAML documents skipped,
 * Lists flattened into their items. Collects every error (size, syntax, duplicate keys, a List
 * without items) instead of stopping at the first, except that once `maxObjects` is exceeded the
 * remaining files are not parsed: the bundle is refused anyway (`renderManifests` reports it).
 */
export function prepareManifests(
  files: ReadonlyMap<string, Buffer>,
  limits: RenderLimits,
): PreparedManifests {
  const documents: SourceDocument[] = [];
  const errors: RenderError[] = [];
  let budget = limits.maxBundleBytes;
  const paths = [...files.keys()].filter(isManifestFile).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const file of paths) {
    const content = files.get(file)!;
    if (content.length > limits.maxFileBytes) {
      errors.push({
        file,
        document: 0,
        message: `file is ${content.length} bytes, over the limit of ${limits.maxFileBytes}`,
      });
      continue;
    }
    const before = documents.length;
    try {
      if (/\.json$/i.test(file)) parseJsonFile(file, content.toString('utf8'), documents, errors);
      else {
        // Bounded per file and, through the shared budget, across the files of the bundle.
        const own = expandedSizeLimit(content.length, limits.maxExpansionFactor, limits.maxBundleBytes);
        const max = own === Infinity ? own : Math.max(0, Math.min(own, budget));
        budget -= parseYamlFile(file, content.toString('utf8'), max, documents, errors);
      }
    } catch (e) {
      // The parser or a pathological nesting depth (stack overflow) must fail this file, not the hub.
      errors.push({ file, document: 0, message: `cannot parse: ${firstLine((e as Error).message)}` });
    }
    markSopsFile(file, content, documents, before, errors);
    if (documents.length > limits.maxObjects) break;
  }
  return { documents, errors };
}

/** Adds the file's documents; returns their expanded size, for the budget of the bundle. */
function parseYamlFile(
  file: string,
  text: string,
  maxExpandedBytes: number,
  out: SourceDocument[],
  errors: RenderError[],
): number {
  const parsed = parseManifestYaml(text, maxExpandedBytes);
  for (const doc of parsed.documents) {
    if (doc.error !== undefined) {
      errors.push({ file, document: doc.document, message: doc.error });
      continue;
    }
    if (doc.value === null || doc.value === undefined) continue; // `---` with nothing after it, or only comments
    addDocument(file, doc.document, doc.value, out, errors);
  }
  return parsed.expandedBytes;
}

/**
 * JSON goes through `JSON.parse`, some 50× faster than the YAML parser on large files, which
 * matters for 20 MB bundles. `JSON.parse` silently keeps the last of duplicate keys, so the
 * member count is checked against the `:` separators in the text; on a mismatch the YAML parser
 * (a superset of JSON) re-reads the file to name the duplicate key.
 */
function parseJsonFile(file: string, text: string, out: SourceDocument[], errors: RenderError[]): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    errors.push({ file, document: 0, message: `invalid JSON: ${firstLine((e as Error).message)}` });
    return;
  }
  if (countMembers(value) !== countSeparators(text)) {
    const problem =
      parseManifestYaml(text, Number.MAX_VALUE).documents.find((d) => d.error)?.error ?? 'duplicate key';
    errors.push({
      file,
      document: 0,
      message: `invalid JSON: ${firstLine(problem.replace(/^invalid YAML: /, ''))}`,
    });
    return;
  }
  addDocument(file, 1, value, out, errors);
}

/**
 * A SOPS file's MAC covers all its documents in order, so one is decrypted whole: it must hold
 * exactly one document, which then carries the file's text for the agent (sops-document.ts).
 */
function markSopsFile(
  file: string,
  content: Buffer,
  documents: SourceDocument[],
  from: number,
  errors: RenderError[],
): void {
  const own = documents.slice(from);
  const sops = own.filter((d) => isSopsDocument(d.value));
  if (sops.length === 0) return;
  if (own.length !== 1) {
    errors.push({
      file,
      document: sops[0].document,
      message: 'a SOPS-encrypted file must hold exactly one document: split it into one file per object',
    });
    documents.splice(from);
    return;
  }
  documents[from] = { ...own[0], sopsSource: content.toString('utf8') };
}

/** Adds a document, or the items of a List document. */
function addDocument(
  file: string,
  document: number,
  value: unknown,
  out: SourceDocument[],
  errors: RenderError[],
): void {
  // a SOPS-encrypted List is decrypted whole, so it is one document here (and refused as an object)
  if (!isList(value) || isSopsDocument(value)) {
    out.push({ file, document, value });
    return;
  }
  if (!Array.isArray(value.items)) {
    errors.push({ file, document, message: `${String(value.kind)} has no items array` });
    return;
  }
  value.items.forEach((item, i) => {
    // One level only: kubectl does not flatten nested Lists either.
    if (isList(item)) errors.push({ file, document, message: `item ${i + 1}: nested List` });
    else out.push({ file, document, item: i + 1, value: item });
  });
}

/**
 * `kind: List` always; other `…List` kinds (`ConfigMapList`) only with an `items` array, so a
 * custom kind that merely ends in "List" (`AllowList`) stays an object.
 */
function isList(v: unknown): v is Record<string, unknown> {
  if (!isMapping(v) || typeof v.kind !== 'string') return false;
  return v.kind === 'List' || (v.kind.endsWith('List') && Array.isArray(v.items));
}

function countMembers(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countMembers(x), 0);
  if (v !== null && typeof v === 'object') {
    let n = 0;
    for (const child of Object.values(v)) n += 1 + countMembers(child);
    return n;
  }
  return 0;
}

/**
 * Colons outside strings: in valid JSON, exactly one per object member. The string pattern is
 * the unrolled form so long strings cost no regex backtracking.
 */
function countSeparators(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/"[^"\\]*(?:\\.[^"\\]*)*"|:/g)) if (m[0] === ':') n++;
  return n;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
