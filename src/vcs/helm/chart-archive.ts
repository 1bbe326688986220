import { gunzipSync } from 'node:zlib';
import { DependencyFailedError, TooLargeError } from '../../domain/errors.js';

/** Bounds applied while a chart archive is unpacked. */
export interface ChartArchiveLimits {
  /** Largest single file. */
  maxFileBytes: number;
  /** Largest sum of file sizes. */
  maxTotalBytes: number;
  /** Most files. */
  maxFiles: number;
}

/** A chart archive's files, its single top directory stripped. */
export interface UnpackedChart {
  /** The top directory (Helm names it after the chart). */
  topDir: string;
  /** Path relative to the chart directory → content. */
  files: Map<string, Buffer>;
  totalBytes: number;
}

const BLOCK = 512;

/**
 * Unpacks a chart `.tgz` in memory. Archives come from a remote server, so this is a small,
 * bounded ustar reader rather than a general tar library: gzip output is capped (a gzip bomb
 * stops at the cap instead of filling memory), only regular files and directories are
 * accepted (symlinks, hard links, devices and FIFOs are refused), every name is checked (no
 * absolute paths, no `..`, no backslashes or control characters), and everything must sit
 * under one top directory. PAX `path` records and GNU long names are honoured because Go's
 * archive/tar (what `helm package` uses) writes them for long paths. Nothing touches the disk.
 */
export function unpackChartArchive(tgz: Buffer, limits: ChartArchiveLimits): UnpackedChart {
  // Headers and padding add at most two blocks per file (plus PAX records) to the file bytes.
  const cap = limits.maxTotalBytes + (limits.maxFiles * 4 + 4) * BLOCK;
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz, { maxOutputLength: cap });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new TooLargeError(`chart archive expands beyond ${cap} bytes (limit); refused`);
    throw new DependencyFailedError(`chart archive is not valid gzip: ${(e as Error).message}`);
  }
  const files = new Map<string, Buffer>();
  let topDir: string | null = null;
  let totalBytes = 0;
  let longName: string | null = null;
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    checkHeaderChecksum(header, offset);
    const type = String.fromCharCode(header[156] || 0x30);
    const size = readSize(header.subarray(124, 136), offset);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) throw new DependencyFailedError('chart archive is truncated');
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    const data = tar.subarray(dataStart, dataEnd);
    if (type === 'x' || type === 'L') {
      if (size > 64 * 1024) throw new DependencyFailedError('chart archive has an oversized extended header');
      longName = type === 'L' ? cString(data) : (paxPath(data) ?? longName);
      continue;
    }
    if (type === 'g') continue; // global PAX defaults: nothing Flotilla uses
    const name = longName ?? headerName(header);
    longName = null;
    if (type === '5') continue; // directories are implied by file paths
    if (type !== '0' && type !== '7')
      throw new DependencyFailedError(
        `chart archive entry '${printable(name)}': ${describeType(type)} refused`,
      );
    const [top, rest] = splitEntryName(name);
    if (topDir === null) topDir = top;
    else if (top !== topDir)
      throw new DependencyFailedError(
        `chart archive entry '${printable(name)}': outside the chart directory '${topDir}/'`,
      );
    if (rest === '') continue;
    if (size > limits.maxFileBytes)
      throw new TooLargeError(
        `chart archive entry '${printable(name)}': ${size} bytes, over the ${limits.maxFileBytes}-byte file limit`,
      );
    totalBytes += size;
    if (totalBytes > limits.maxTotalBytes)
      throw new TooLargeError(`chart archive: files total over ${limits.maxTotalBytes} bytes (limit)`);
    if (files.size >= limits.maxFiles)
      throw new TooLargeError(`chart archive: more than ${limits.maxFiles} files (limit)`);
    if (files.has(rest))
      throw new DependencyFailedError(`chart archive entry '${printable(name)}': appears more than once`);
    files.set(rest, Buffer.from(data));
  }
  if (topDir === null || files.size === 0) throw new DependencyFailedError('chart archive holds no files');
  return { topDir, files, totalBytes };
}

/** Splits `top/rest` after checking the name cannot escape or confuse; `rest` may be ''. */
function splitEntryName(name: string): [string, string] {
  const bad = (why: string) => new DependencyFailedError(`chart archive entry '${printable(name)}': ${why}`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw bad('absolute path refused');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (name.includes('\\') || /[\u0000-\u001f\u007f]/.test(name))
    throw bad('backslash or control character refused');
  const segments = name.replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '..')) throw bad("'..' segment refused");
  if (segments.some((s) => s === '' || s === '.')) throw bad("empty or '.' segment refused");
  return [segments[0], segments.slice(1).join('/')];
}

function headerName(h: Buffer): string {
  const name = cString(h.subarray(0, 100));
  const ustar = h.subarray(257, 262).toString('latin1') === 'ustar';
  const prefix = ustar ? cString(h.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}

/** The `path` record of a PAX extended header (`<len> path=<value>\n` records). */
function paxPath(data: Buffer): string | null {
  let found: string | null = null;
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(data.subarray(i, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) break;
    const record = data.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === 'path') found = record.slice(eq + 1);
    i += len;
  }
  return found;
}

function readSize(field: Buffer, offset: number): number {
  if (field[0] & 0x80) {
    // base-256: only small values are plausible in a chart; anything else is refused
    let n = 0;
    for (let i = 1; i < field.length; i++) {
      n = n * 256 + field[i];
      if (n > Number.MAX_SAFE_INTEGER / 256)
        throw new TooLargeError('chart archive entry size is implausible');
    }
    return n;
  }
  const text = cString(field).trim();
  if (!/^[0-7]*$/.test(text))
    throw new DependencyFailedError(`chart archive header at byte ${offset} is corrupt`);
  return text === '' ? 0 : parseInt(text, 8);
}

function checkHeaderChecksum(h: Buffer, offset: number): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  const stored = parseInt(cString(h.subarray(148, 156)).trim(), 8);
  if (stored !== sum)
    throw new DependencyFailedError(`chart archive header at byte ${offset} has a bad checksum`);
}

function describeType(type: string): string {
  switch (type) {
    case '1':
      return 'hard link';
    case '2':
      return 'symbolic link';
    case '3':
    case '4':
      return 'device file';
    case '6':
      return 'FIFO';
    default:
      return `entry type '${printable(type)}'`;
  }
}

/** A name safe to put in an error message (control characters replaced, length bounded). */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
