import { XMLParser } from 'fast-xml-parser';
import { DependencyFailedError } from '../../domain/errors.js';

/**
 * Parsers for the `--xml` output of the svn client. Values stay strings (file names like
 * `0123` or `true` must not turn into numbers or booleans) and elements that may repeat are
 * always arrays, so the shapes below hold whatever the repository contains.
 */
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  textNodeName: '#text',
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ['entry', 'logentry', 'path', 'property', 'target', 'list'].includes(name),
});

type Node = Record<string, unknown>;

function parse(xml: string, root: string): Node {
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch {
    throw new DependencyFailedError('svn printed XML that could not be parsed');
  }
  const node = doc[root];
  if (node === undefined) throw new DependencyFailedError(`svn printed XML without <${root}>`);
  return (node === '' ? {} : node) as Node;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && '#text' in value) return String((value as Node)['#text']);
  return '';
}

function attr(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function arr(value: unknown): Node[] {
  return Array.isArray(value) ? (value as Node[]) : [];
}

/** One `<entry>` of `svn info --xml`. */
export interface SvnInfoEntry {
  kind: 'file' | 'dir';
  url: string;
  root: string;
  /** Revision the path was looked up at (the youngest revision for a `@HEAD` peg). */
  revision: number;
  /** Revision the path was last changed in. */
  lastChangedRevision: number;
  size: number | null;
}

/** Parses `svn info --xml`. */
export function parseSvnInfo(xml: string): SvnInfoEntry[] {
  return arr(parse(xml, 'info').entry).map((e) => ({
    kind: e.kind === 'dir' ? 'dir' : 'file',
    url: text(e.url),
    root: text((e.repository as Node | undefined)?.root),
    revision: Number(e.revision),
    lastChangedRevision: Number(
      ((e.commit as Node | undefined)?.revision as string | undefined) ?? e.revision,
    ),
    size: e.size === undefined ? null : Number(e.size),
  }));
}

/** One `<entry>` of `svn ls --xml`. */
export interface SvnListEntry {
  /** Path relative to the listed directory. */
  name: string;
  kind: 'file' | 'dir';
  size: number | null;
}

/** Parses `svn ls --xml` (any depth). */
export function parseSvnList(xml: string): SvnListEntry[] {
  return arr(parse(xml, 'lists').list).flatMap((l) =>
    arr(l.entry).map((e) => ({
      name: text(e.name),
      kind: e.kind === 'dir' ? ('dir' as const) : ('file' as const),
      size: e.size === undefined ? null : Number(text(e.size)),
    })),
  );
}

/** One `<logentry>` of `svn log --xml -v --with-all-revprops`. */
export interface SvnLogEntry {
  revision: number;
  author: string;
  date: string;
  message: string;
  /** Repository-absolute paths (`/trunk/a.yaml`). */
  paths: { path: string; action: string; kind: string }[];
  revprops: Record<string, string>;
}

/** Parses `svn log --xml`. */
export function parseSvnLog(xml: string): SvnLogEntry[] {
  return arr(parse(xml, 'log').logentry).map((e) => ({
    revision: Number(e.revision),
    author: text(e.author),
    date: text(e.date),
    message: text(e.msg),
    paths: arr((e.paths as Node | undefined)?.path).map((p) => ({
      path: text(p),
      action: attr(p.action),
      kind: attr(p.kind),
    })),
    revprops: Object.fromEntries(
      arr((e.revprops as Node | undefined)?.property).map((p) => [String(p.name), text(p)]),
    ),
  }));
}

/** Parses `svn diff --summarize --xml`: changed URLs with their kind and change. */
export function parseSvnDiffSummary(xml: string): { url: string; item: string; kind: string }[] {
  const paths = (parse(xml, 'diff').paths as Node | undefined)?.path;
  return arr(paths).map((p) => ({ url: text(p), item: attr(p.item), kind: attr(p.kind) }));
}

/** Parses `svn propget --xml`: the URLs that carry the property. */
export function parseSvnPropgetTargets(xml: string): string[] {
  return arr(parse(xml, 'properties').target).map((t) => String(t.path));
}
