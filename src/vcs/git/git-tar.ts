import { DependencyFailedError } from '../../domain/errors.js';

/** One member of a tar stream written by `git archive`. */
export interface TarMember {
  /** Path inside the archive (no leading `./`, no trailing `/`). */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** File content (empty for anything but a file). */
  content: Buffer;
}

const BLOCK = 512;

/**
 * Reads the members of an uncompressed tar archive as `git archive --format=tar` writes it:
 * ustar headers, pax extended headers (`x`) for long paths, a pax global header (`g`) that is
 * skipped. Only what git writes is understood; anything malformed is a DependencyFailedError
 * (the archive comes from our own git process, so that would be a bug, not bad input).
 */
export function parseGitTar(archive: Buffer): TarMember[] {
  const out: TarMember[] = [];
  let at = 0;
  let paxPath: string | null = null;
  while (at + BLOCK <= archive.length) {
    const header = archive.subarray(at, at + BLOCK);
    if (header[0] === 0 && header[148] === 0) break; // end-of-archive blocks: no name, no checksum
    const size = parseOctal(header.subarray(124, 136));
    const flag = String.fromCharCode(header[156] || 48);
    const bodyStart = at + BLOCK;
    const body = archive.subarray(bodyStart, bodyStart + size);
    if (body.length !== size) throw new DependencyFailedError('git archive: truncated tar stream');
    at = bodyStart + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'g') continue;
    if (flag === 'x') {
      paxPath = paxRecord(body, 'path') ?? paxPath;
      continue;
    }
    const name = cString(header.subarray(0, 100));
    const prefix = cString(header.subarray(345, 500));
    const path = (paxPath ?? (prefix ? `${prefix}/${name}` : name)).replace(/\/$/, '');
    paxPath = null;
    const type = flag === '0' ? 'file' : flag === '5' ? 'dir' : flag === '2' ? 'symlink' : 'other';
    out.push({ path, type, content: type === 'file' ? body : Buffer.alloc(0) });
  }
  return out;
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

function parseOctal(field: Buffer): number {
  const text = cString(field).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new DependencyFailedError('git archive: bad tar size field');
  return parseInt(text, 8);
}

/** Value of `key` in a pax extended header body (`<len> <key>=<value>\n` records). */
function paxRecord(body: Buffer, key: string): string | null {
  let at = 0;
  let found: string | null = null;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(body.subarray(at, space).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = body.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === key) found = record.slice(eq + 1);
    at += len;
  }
  return found;
}
