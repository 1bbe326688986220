import { gzipSync } from 'node:zlib';

/** One entry of a hand-made tar archive. */
export interface TarEntry {
  name: string;
  /** '0' file (default), '2' symlink, '1' hard link, '3' character device, '5' directory. */
  type?: '0' | '1' | '2' | '3' | '5';
  content?: Buffer | string;
  linkName?: string;
  /** Size written in the header when it should lie about the content (default: the real size). */
  declaredSize?: number;
}

/**
 * Writes a gzipped ustar archive byte by byte, so tests can build archives no honest tool
 * would produce (`../` names, absolute paths, links, devices) and feed them to the reader.
 */
export function tarGz(entries: readonly TarEntry[], level = 6): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const content = Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content ?? '');
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100, 'utf8');
    h.write('0000644\0', 100, 'latin1');
    h.write('0000000\0', 108, 'latin1');
    h.write('0000000\0', 116, 'latin1');
    h.write(`${(e.declaredSize ?? content.length).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    h.write('00000000000\0', 136, 'latin1');
    h.write(e.type ?? '0', 156, 'latin1');
    if (e.linkName) h.write(e.linkName, 157, 100, 'utf8');
    h.write('ustar\u000000', 257, 'latin1');
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(h, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks), { level });
}
