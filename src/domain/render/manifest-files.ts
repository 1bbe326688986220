import {
  parseAllDocuments,
  type ParseOptions,
  type DocumentOptions,
  type SchemaOptions,
  type Tags,
} from 'yaml';
import { isMapping } from './object-identity.js';
import {
  type PreparedManifests,
  type RenderError,
  type RenderLimits,
  type SourceDocument,
} from './render.types.js';

/**
 * YAML 1.1, as kubectl and Argo CD read manifests (sigs.k8s.io/yaml on go-yaml v2): `0644` is the
 * octal file mode 420 and `yes`/`on` are booleans, where YAML 1.2 would give 644 and strings —
 * a `defaultMode: 0644` that the API server then rejects. Tags JSON cannot carry, which go-yaml
 * leaves as strings in untyped documents (timestamps, `1:20` sexagesimals, binary, set, omap,
 * pairs), are dropped from the schema so they stay strings here too. Merge keys (`<<`) work, as
 * in go-yaml.
 */
const DROPPED_TAGS = new Set([
  'tag:yaml.org,2002:binary',
  'tag:yaml.org,2002:omap',
  'tag:yaml.org,2002:pairs',
  'tag:yaml.org,2002:set',
  'tag:yaml.org,2002:timestamp',
]);
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  merge: true,
  uniqueKeys: true,
  prettyErrors: false,
  customTags: (tags: Tags) => tags.filter(keepTag),
};
/** Base tags arrive as objects; names (`'timestamp'`) are accepted too, should a version pass them. */
function keepTag(t: Tags[number]): boolean {
  if (typeof t === 'string')
    return !['binary', 'omap', 'pairs', 'set', 'timestamp', 'intTime', 'floatTime'].includes(t);
  return !DROPPED_TAGS.has(t.tag) && t.format !== 'TIME';
}
/** Aliases allowed per document: far more than real manifests use, far fewer than a billion-laughs bomb needs. */
const MAX_ALIAS_COUNT = 1_000;

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
    try {
      if (/\.json$/i.test(file)) parseJsonFile(file, content.toString('utf8'), documents, errors);
      else parseYamlFile(file, content.toString('utf8'), documents, errors);
    } catch (e) {
      // The parser or a pathological nesting depth (stack overflow) must fail this file, not the hub.
      errors.push({ file, document: 0, message: `cannot parse: ${firstLine((e as Error).message)}` });
    }
    if (documents.length > limits.maxObjects) break;
  }
  return { documents, errors };
}

function parseYamlFile(file: string, text: string, out: SourceDocument[], errors: RenderError[]): void {
  const docs = parseAllDocuments(text, YAML_OPTIONS);
  // parseAllDocuments returns an EmptyStream (an array with no documents) for empty input.
  docs.forEach((doc, i) => {
    const document = i + 1;
    if (doc.errors.length) {
      errors.push({ file, document, message: `invalid YAML: ${firstLine(doc.errors[0].message)}` });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      errors.push({ file, document, message: `invalid YAML: ${firstLine((e as Error).message)}` });
      return;
    }
    if (value === null || value === undefined) return; // `---` with nothing after it, or only comments
    addDocument(file, document, value, out, errors);
  });
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
    const doc = parseAllDocuments(text, YAML_OPTIONS)[0];
    const problem = doc?.errors[0]?.message ?? 'duplicate key';
    errors.push({ file, document: 0, message: `invalid JSON: ${firstLine(problem)}` });
    return;
  }
  addDocument(file, 1, value, out, errors);
}

/** Adds a document, or the items of a List document. */
function addDocument(
  file: string,
  document: number,
  value: unknown,
  out: SourceDocument[],
  errors: RenderError[],
): void {
  if (!isList(value)) {
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
