/**
 * The egress policy of the hub (ARCHITECTURE.md §7): which addresses an outbound call made
 * for a user may reach. Pure: the caller resolves names and hands the addresses in, so the
 * same rules apply to a literal IP in a URL, to every address a name resolves to, and to
 * every redirect target.
 */

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  family: 4 | 6;
  bytes: Uint8Array;
}

/** A network: an address and how many leading bits of it matter. */
export interface Cidr extends IpAddress {
  prefix: number;
}

/** Why an address is not on the public internet; `public` is the only class allowed by default. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'link-local'
  | 'private'
  | 'unique-local'
  | 'unspecified'
  | 'shared (CGNAT)'
  | 'multicast'
  | 'reserved';

/** One entry of FLOTILLA_REPOSITORY_ALLOWED_HOSTS; `port` null means any port. */
export type AllowEntry =
  | { kind: 'host'; host: string; port: number | null }
  | { kind: 'network'; network: Cidr; port: number | null };

/** Where a call goes: the host as written in the URL (lowercase, no brackets) and the port. */
export interface EgressTarget {
  host: string;
  port: number;
}

/** Parses a dotted-quad IPv4 or an IPv6 address (brackets and a zone id allowed); null otherwise. */
export function parseIp(text: string): IpAddress | null {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const v4 = parseIpv4(t);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIpv6(t.replace(/%.*$/, ''));
  return v6 ? { family: 6, bytes: v6 } : null;
}

function parseIpv4(t: string): Uint8Array | null {
  const parts = t.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^(0|[1-9]\d{0,2})$/.test(parts[i])) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIpv6(t: string): Uint8Array | null {
  if (!t.includes(':') || !/^[0-9a-fA-F:.]+$/.test(t)) return null;
  let text = t;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return null;
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    // Keep a `::` that ends right before the IPv4 part; drop a single separating colon.
    const prefix = text.slice(0, lastColon + 1);
    text = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const group = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  if (!head || !rest) return null;
  const words = [...head, ...rest, ...tail].length;
  if (halves.length === 1 && words !== 8) return null;
  if (halves.length === 2 && words > 7) return null;
  const all = [...head, ...new Array<number>(8 - words).fill(0), ...rest, ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

/** Parses `10.0.0.0/8`, `fc00::/7`, or a single address (a /32 or /128). Null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const [addr, bits, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = ip.family === 4 ? 32 : 128;
  if (bits === undefined) return { ...ip, prefix: max };
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return null;
  return { ...ip, prefix: Number(bits) };
}

/** True when `ip` lies in `network` (same family only; mapped forms are unwrapped by the caller). */
export function inCidr(ip: IpAddress, network: Cidr): boolean {
  if (ip.family !== network.family) return false;
  let bits = network.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip.bytes[i] & mask) !== (network.bytes[i] & mask)) return false;
  }
  return true;
}

const net = (text: string): Cidr => parseCidr(text)!;

/** Special-purpose ranges (RFC 6890 and friends), most specific first. */
const RANGES: readonly [Cidr, Exclude<AddressClass, 'public'>][] = [
  [net('0.0.0.0/32'), 'unspecified'],
  [net('0.0.0.0/8'), 'reserved'],
  [net('127.0.0.0/8'), 'loopback'],
  [net('169.254.0.0/16'), 'link-local'],
  [net('10.0.0.0/8'), 'private'],
  [net('172.16.0.0/12'), 'private'],
  [net('192.168.0.0/16'), 'private'],
  [net('100.64.0.0/10'), 'shared (CGNAT)'],
  [net('192.0.0.0/24'), 'reserved'],
  [net('198.18.0.0/15'), 'reserved'],
  [net('224.0.0.0/4'), 'multicast'],
  [net('240.0.0.0/4'), 'reserved'],
  [net('::/128'), 'unspecified'],
  [net('::1/128'), 'loopback'],
  [net('fe80::/10'), 'link-local'],
  [net('fc00::/7'), 'unique-local'],
  [net('ff00::/8'), 'multicast'],
];

/** IPv6 forms that carry an IPv4 address in their last 32 bits: classified as that address. */
const EMBEDS_V4: readonly Cidr[] = [net('::ffff:0:0/96'), net('::/96'), net('64:ff9b::/96')];

/** The IPv4 address inside an IPv4-mapped, -compatible or NAT64 IPv6 address, else the address. */
export function unwrapMapped(ip: IpAddress): IpAddress {
  if (ip.family !== 6) return ip;
  // :: and ::1 are themselves, not 0.0.0.0 and 0.0.0.1.
  if (inCidr(ip, net('::/127'))) return ip;
  if (EMBEDS_V4.some((n) => inCidr(ip, n))) return { family: 4, bytes: ip.bytes.slice(12) };
  return ip;
}

/** What kind of address this is; anything outside the special ranges is `public`. */
export function classifyAddress(ip: IpAddress): AddressClass {
  const plain = unwrapMapped(ip);
  for (const [range, cls] of RANGES) if (inCidr(plain, range)) return cls;
  return 'public';
}

/**
 * Parses FLOTILLA_REPOSITORY_ALLOWED_HOSTS: a comma list of host names, IP addresses and CIDR
 * networks, each optionally with `:port` (IPv6 with a port in brackets: `[fd00::1]:8443`).
 * Throws an Error naming the bad entry.
 */
export function parseAllowList(text: string): AllowEntry[] {
  const out: AllowEntry[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const entry = parseAllowEntry(item);
    if (!entry)
      throw new Error(
        `FLOTILLA_REPOSITORY_ALLOWED_HOSTS: "${item}" is not a host name, IP address or CIDR network (optionally with :port)`,
      );
    out.push(entry);
  }
  return out;
}

function parseAllowEntry(item: string): AllowEntry | null {
  let hostPart = item;
  let port: number | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(item);
  if (bracketed) {
    hostPart = bracketed[1];
    port = bracketed[2] === undefined ? null : Number(bracketed[2]);
  } else if ((item.match(/:/g) ?? []).length === 1) {
    const i = item.lastIndexOf(':');
    if (!/^\d+$/.test(item.slice(i + 1))) return null;
    hostPart = item.slice(0, i);
    port = Number(item.slice(i + 1));
  }
  if (port !== null && (port < 1 || port > 65535)) return null;
  const network = parseCidr(hostPart);
  if (network) return { kind: 'network', network, port };
  if (hostPart.includes('/')) return null;
  const host = hostPart.toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*$/.test(host)) return null;
  return { kind: 'host', host, port };
}

/**
 * Why a call to `target`, whose name resolved to `addresses`, is refused; null when allowed.
 * A host name on the allow-list is trusted whatever it resolves to; otherwise every address
 * must be public or inside an allowed network, so one private answer among public ones is
 * enough to refuse (the connection could go to any of them).
 */
export function egressRefusal(
  target: EgressTarget,
  addresses: readonly string[],
  allow: readonly AllowEntry[],
): string | null {
  const host = target.host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  const portOk = (p: number | null) => p === null || p === target.port;
  if (allow.some((e) => e.kind === 'host' && e.host === host && portOk(e.port))) return null;
  if (addresses.length === 0) return `${host} resolved to no address`;
  for (const text of addresses) {
    const ip = parseIp(text);
    if (!ip) return `${host} resolved to "${text}", which is not an IP address`;
    const cls = classifyAddress(ip);
    if (cls === 'public') continue;
    const plain = unwrapMapped(ip);
    const allowed = allow.some(
      (e) => e.kind === 'network' && portOk(e.port) && (inCidr(ip, e.network) || inCidr(plain, e.network)),
    );
    if (!allowed)
      return `${host}${host === text ? '' : ` (${text})`} is a ${cls} address: refused by the egress policy (allow it with FLOTILLA_REPOSITORY_ALLOWED_HOSTS)`;
  }
  return null;
}
