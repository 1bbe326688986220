import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
  type Tags,
} from 'yaml';

/**
 * The one YAML configuration of the hub, shared by the rendering engine and the validation of
 * files written through the API, so a file accepted by `PUT …/files` renders the same values.
 *
 * YAML 1.1, as kubectl and Argo CD read manifests (sigs.k8s.io/yaml on go-yaml v2): `0644` is the
 * octal file mode 420 and `yes`/`on` are booleans, where YAML 1.2 would give 644 and strings —
 * a `defaultMode: 0644` that the API server then rejects. Tags JSON cannot carry, which go-yaml
 * leaves as strings in untyped documents (timestamps, `1:20` sexagesimals, binary, set, omap,
 * pairs), are dropped from the schema so they stay strings here too. Merge keys (`<<`) work, as
 * in go-yaml.
 *
 * Duplicate keys are an error, as in kubectl, but checked by `parseManifestYaml` in one pass:
 * the yaml package's `uniqueKeys` compares each key with every earlier one, which is quadratic
 * (a 5 MiB ConfigMap of 300,000 keys would hold the event loop for minutes).
 */
export const MANIFEST_YAML_OPTIONS: Readonly<ParseOptions & DocumentOptions & SchemaOptions> = Object.freeze({
  version: '1.1',
  merge: true,
  uniqueKeys: false,
  prettyErrors: false,
  customTags: (tags: Tags) => tags.filter(keepTag),
});

const DROPPED_TAGS = new Set([
  'tag:yaml.org,2002:binary',
  'tag:yaml.org,2002:omap',
  'tag:yaml.org,2002:pairs',
  'tag:yaml.org,2002:set',
  'tag:yaml.org,2002:timestamp',
]);
/** Base tags arrive as objects; names (`'timestamp'`) are accepted too, should a version pass them. */
function keepTag(t: Tags[number]): boolean {
  if (typeof t === 'string')
    return !['binary', 'omap', 'pairs', 'set', 'timestamp', 'intTime', 'floatTime'].includes(t);
  return !DROPPED_TAGS.has(t.tag) && t.format !== 'TIME';
}

/**
 * Below this, any expansion is allowed: a small file that reuses one anchor many times (labels,
 * a container spec) is legitimate, and 1 MiB of expanded values costs the hub nothing.
 */
export const MIN_EXPANDED_BYTES = 1024 * 1024;

/**
 * How large a YAML file of `sourceBytes` may become once its aliases and merge keys are expanded:
 * `factor` times the source (at least `MIN_EXPANDED_BYTES`), and never over `maxBytes` (the
 * bundle limit, since a bundle could not hold more anyway). `factor` Infinity means no bound at
 * all (Infinity), which only the benchmark uses, to measure what the bound costs.
 */
export function expandedSizeLimit(sourceBytes: number, factor: number, maxBytes: number): number {
  if (factor === Infinity) return Infinity;
  return Math.min(maxBytes, Math.max(factor * sourceBytes, MIN_EXPANDED_BYTES));
}

/** The documents of a file, and the expanded size of those with aliases (0 when unbounded). */
export interface ParsedYaml {
  documents: ParsedYamlDocument[];
  expandedBytes: number;
}

/** One document of a file: its value, or why it has none. `document` is 1-based, 0 for the whole file. */
export type ParsedYamlDocument =
  | { document: number; value: unknown; error?: undefined }
  | { document: number; value?: undefined; error: string };

/**
 * Parses every document of a YAML text with `MANIFEST_YAML_OPTIONS`, refusing any document whose
 * expanded size would take the file over `maxExpandedBytes` (Infinity: no bound). Only documents
 * with aliases count against the bound, so it never refuses plain content, however large.
 *
 * Why the bound: an alias is a reference, cheap to parse, but everything downstream (variable
 * substitution, canonical JSON, the bundle) copies what it points to. A 100,000-item anchor
 * referenced 999 times is 1.8 MB of YAML and ~400 MB of JSON; nested anchors ("billion laughs")
 * grow exponentially. The yaml package's alias count limit catches only the nested shape, and
 * merge keys copy mappings inside `toJS` itself, so the size is measured on the syntax tree before
 * any conversion: each node's expanded size (approximately its JSON bytes) is computed once and
 * reused for every alias of it, so the check is linear in the file whatever the bomb. Aliases are
 * then free, as in go-yaml, and the yaml package's own alias count check is off. The same pass
 * finds duplicate keys (see `MANIFEST_YAML_OPTIONS`).
 *
 * Never throws: a parser failure or a nesting deep enough to exhaust the stack becomes an error
 * on document 0 (the whole file). Empty documents come back with value `null` or `undefined`.
 */
export function parseManifestYaml(text: string, maxExpandedBytes: number): ParsedYaml {
  const out: ParsedYamlDocument[] = [];
  let expandedBytes = 0;
  // Unbounded (the benchmark's baseline): the yaml package's own duplicate key check, no walk.
  const bounded = maxExpandedBytes !== Infinity;
  try {
    const options = bounded ? MANIFEST_YAML_OPTIONS : { ...MANIFEST_YAML_OPTIONS, uniqueKeys: true };
    const docs = parseAllDocuments(text, options);
    let budget = maxExpandedBytes;
    // parseAllDocuments returns an EmptyStream (an array with no documents) for empty input.
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i];
      const document = i + 1;
      if (doc.errors.length) {
        out.push({ document, error: `invalid YAML: ${firstLine(doc.errors[0].message)}` });
        continue;
      }
      if (bounded) {
        const inspected = inspect(doc);
        if (inspected.problem) {
          out.push({ document, error: `invalid YAML: ${inspected.problem}` });
          continue;
        }
        if (inspected.size > budget) {
          // Later documents are not read: the file is refused anyway, and they could be bombs too.
          out.push({
            document,
            error: `YAML aliases expand this file beyond its limit of ${maxExpandedBytes} bytes (a YAML bomb?)`,
          });
          return { documents: out, expandedBytes: expandedBytes + inspected.size };
        }
        budget -= inspected.size;
        expandedBytes += inspected.size;
      }
      try {
        out.push({ document, value: doc.toJS({ maxAliasCount: -1 }) });
      } catch (e) {
        out.push({ document, error: `invalid YAML: ${firstLine((e as Error).message)}` });
      }
    }
  } catch (e) {
    out.push({ document: 0, error: `cannot parse: ${firstLine((e as Error).message)}` });
  }
  return { documents: out, expandedBytes };
}

const IN_PROGRESS = -1;

/**
 * One pass over a document's syntax tree: its approximate JSON size with every alias and merge
 * key expanded (0 when it has no alias: then it is no larger than its source), or the first
 * problem — a duplicate key, or an alias inside the node it refers to (a cycle JSON cannot
 * hold). Anchors are looked up as the yaml package does: the last one of that name before the
 * alias, in document order.
 */
function inspect(doc: Document.Parsed): { size: number; problem: string | null } {
  const anchors = new Map<string, number>();
  let problem: string | null = null;
  let aliases = false;
  const size = (node: unknown): number => {
    if (node === null || node === undefined) return 4; // `null`
    if (isAlias(node)) {
      aliases = true;
      const known = anchors.get(node.source);
      if (known === IN_PROGRESS) problem ??= `alias *${node.source} refers to a node that contains it`;
      // An unknown anchor is left to toJS, which reports it.
      return known === undefined || known === IN_PROGRESS ? 0 : known;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, IN_PROGRESS);
    let n: number;
    if (isScalar(node)) {
      const v = node.value;
      // Scalars resolve to strings, numbers, booleans and null (the binary tag is dropped).
      n = typeof v === 'string' ? v.length + 2 : typeof v === 'number' ? String(v).length : 5;
    } else if (isMap(node)) {
      n = 2;
      // Scalar keys compare by value, as the yaml package's uniqueKeys does; other keys never match.
      // Most mappings are small: a Set only pays off for large ones.
      const items = node.items;
      const keys = items.length > 16 ? new Set<unknown>() : null;
      for (let k = 0; k < items.length; k++) {
        const pair = items[k];
        if (isScalar(pair.key)) {
          const key = pair.key.value;
          let seen: boolean;
          if (keys) {
            seen = keys.has(key);
            keys.add(key);
          } else {
            seen = false;
            for (let e = 0; e < k && !seen; e++) {
              const other = items[e].key;
              seen = isScalar(other) && other.value === key;
            }
          }
          if (seen) problem ??= `Map keys must be unique: ${JSON.stringify(key) ?? String(key)}`;
        }
        n += 1 + size(pair.key) + 1 + size(pair.value);
      }
    } else if (isSeq(node)) {
      n = 2;
      for (const item of node.items) {
        n += 1 + (isPair(item) ? size(item.key) + 1 + size(item.value) : size(item));
      }
    } else {
      n = 0;
    }
    if (anchor) anchors.set(anchor, n);
    return n;
  };
  const total = size(doc.contents);
  return { size: aliases ? total : 0, problem };
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
