/**
 * SOPS-encrypted manifests (issue 17): which documents are SOPS files, and decrypting one the way
 * the `sops` CLI does (github.com/getsops/sops/v3, format version 3) once its data key is known.
 *
 * A SOPS file is a document with a top-level `sops:` metadata mapping. Each encrypted value is
 * `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`: AES-256-GCM under the file's 32-byte data key with
 * the value's path (`metadata:name:`, keys only, each followed by a colon) as additional data.
 * The MAC is SHA-512 over every plaintext value in document order (booleans as `True`/`False`,
 * numbers in Go's shortest decimal form), upper-case hex, itself encrypted with the
 * `lastmodified` timestamp as additional data. Key order matters, so decryption reads the file's
 * own text, never a re-serialised copy: the hub carries it in {@link SOPS_SOURCE_FIELD}.
 *
 * Pure: the data key comes from the caller (the agent unwraps it with its age identities).
 */
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';

/**
 * Top-level field of a bundle object holding its SOPS file as a {@link SopsSource}; the agent
 * replaces the whole object by the decrypted file, so it never reaches an API server.
 */
export const SOPS_SOURCE_FIELD = 'x-flotilla-sops-source';

/** A SOPS file as the bundle carries it: its path in the application, and its own text. */
export interface SopsSource {
  file: string;
  text: string;
}

/** The carried file of a bundle object, or undefined when it has none of the right shape. */
export function sopsSourceOf(object: Record<string, unknown>): SopsSource | undefined {
  const v = object[SOPS_SOURCE_FIELD] as Partial<SopsSource> | undefined;
  return typeof v?.file === 'string' && typeof v.text === 'string'
    ? { file: v.file, text: v.text }
    : undefined;
}

/** Why a SOPS file cannot be decrypted; the message names no value. */
export class SopsError extends Error {
  override readonly name = 'SopsError';
}

/** One age recipient of the data key: its public key and the armored age file holding the key. */
export interface SopsAgeStanza {
  recipient: string;
  enc: string;
}

/** A parsed SOPS file: its metadata and its tree (everything but `sops:`), in file order. */
export interface SopsFile {
  age: SopsAgeStanza[];
  /** True when the file names key types other than age (KMS, PGP, Vault): the agent has no such keys. */
  otherKeyTypes: string[];
  /** @internal */ readonly tree: OrderedMap;
  /** @internal */ readonly meta: Record<string, unknown>;
}

/** The decrypted document and the JSON pointers of the values that were encrypted. */
export interface DecryptedSops {
  object: Record<string, unknown>;
  encryptedPointers: string[];
}

type Scalar = string | number | bigint | boolean | null;
type OrderedValue = Scalar | OrderedMap | OrderedValue[];
interface OrderedMap {
  entries: [string, OrderedValue][];
}

/** True for a document with a top-level `sops:` mapping (what the `sops` CLI writes). */
export function isSopsDocument(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const sops = (value as Record<string, unknown>).sops;
  return sops !== null && typeof sops === 'object' && !Array.isArray(sops);
}

/** True for a string in SOPS's encrypted-value format. */
export function isSopsEncrypted(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('ENC[AES256_GCM,');
}

const KEY_TYPES = ['kms', 'gcp_kms', 'hckms', 'azure_kv', 'hc_vault', 'pgp'] as const;

/**
 * Parses a SOPS file's text (YAML or JSON, one document) keeping key order.
 * @throws SopsError for text that is not one SOPS document or uses what the agent cannot verify.
 */
export function parseSopsFile(text: string): SopsFile {
  let doc: Document;
  try {
    doc = parseDocument(text, { version: '1.2', intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    throw new SopsError(`cannot parse: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc.errors.length) throw new SopsError(`cannot parse: ${doc.errors[0].message.split('\n')[0]}`);
  const root = toOrdered(doc.contents, doc, 0);
  if (!isOrderedMap(root)) throw new SopsError('a SOPS file must be a mapping');
  const metaEntry = root.entries.find(([k]) => k === 'sops');
  if (!metaEntry || !isOrderedMap(metaEntry[1])) throw new SopsError('no sops metadata');
  const meta = plain(metaEntry[1]) as Record<string, unknown>;
  const tree: OrderedMap = { entries: root.entries.filter(([k]) => k !== 'sops') };
  for (const unsupported of ['encrypted_comment_regex', 'unencrypted_comment_regex'])
    if (nonEmptyString(meta[unsupported]))
      throw new SopsError(`${unsupported} is not supported (comments are not kept): use encrypted_regex`);
  if (typeof meta.mac !== 'string' || typeof meta.lastmodified !== 'string')
    throw new SopsError('sops metadata has no mac or lastmodified');
  let groups: Record<string, unknown>[] = [meta];
  if (Array.isArray(meta.key_groups) && meta.key_groups.length > 0) {
    if (meta.key_groups.length > 1)
      throw new SopsError(
        'key groups (Shamir secret sharing) are not supported: use one set of age recipients',
      );
    groups = meta.key_groups as Record<string, unknown>[];
  }
  const group = groups[0] ?? {};
  const age: SopsAgeStanza[] = [];
  for (const s of Array.isArray(group.age) ? (group.age as Record<string, unknown>[]) : [])
    if (typeof s?.recipient === 'string' && typeof s.enc === 'string')
      age.push({ recipient: s.recipient, enc: s.enc });
  const otherKeyTypes = KEY_TYPES.filter((t) => Array.isArray(group[t]) && group[t].length > 0);
  return { age, otherKeyTypes, tree, meta };
}

/**
 * Decrypts every value of a parsed SOPS file with its data key and verifies the MAC exactly as
 * `sops decrypt` does. Nothing is returned unless every value decrypted and the MAC matched.
 * @throws SopsError naming the failing path (never a value).
 */
export function decryptSopsFile(file: SopsFile, dataKey: Uint8Array): DecryptedSops {
  if (dataKey.length !== 32) throw new SopsError('the data key is not 32 bytes');
  const rules = encryptionRules(file.meta);
  const macOnlyEncrypted = file.meta.mac_only_encrypted === true;
  const hash = createHash('sha512');
  if (macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const encryptedPointers: string[] = [];

  const walk = (value: OrderedValue, path: string[], pointer: string): unknown => {
    if (isOrderedMap(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value.entries)
        define(out, k, walk(v, [...path, k], `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
      return out;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, path, `${pointer}/${i}`));
    if (value === null) return null; // sops neither encrypts nor hashes a null
    const encrypted = rules(path);
    let plainValue: Exclude<Scalar, null> = value;
    if (encrypted) {
      if (typeof value !== 'string')
        throw new SopsError(`${pointer || '/'}: expected an encrypted value, found a plain ${typeof value}`);
      plainValue = decryptValue(value, dataKey, `${path.join(':')}:`, pointer);
      encryptedPointers.push(pointer);
    }
    if (!macOnlyEncrypted || encrypted) hash.update(macBytes(plainValue));
    return typeof plainValue === 'bigint' ? Number(plainValue) : plainValue;
  };
  const object = walk(file.tree, [], '') as Record<string, unknown>;

  const mac = decryptValue(file.meta.mac as string, dataKey, file.meta.lastmodified as string, 'sops.mac');
  const computed = Buffer.from(hash.digest('hex').toUpperCase(), 'utf8');
  const stored = Buffer.from(String(mac), 'utf8');
  if (stored.length !== computed.length || !timingSafeEqual(stored, computed))
    throw new SopsError('MAC mismatch: the file was changed after it was encrypted');
  return { object, encryptedPointers };
}

/** sops.MACOnlyEncryptedInitialization: a MAC with the option on never equals one with it off. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from([
  0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97,
  0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
]);

const ENC = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;

/** One `ENC[…]` value, typed as its `type:` says. @throws SopsError naming `where`. */
function decryptValue(
  text: string,
  key: Uint8Array,
  additionalData: string,
  where: string,
): Exclude<Scalar, null> {
  if (text === '') return ''; // sops leaves empty strings unencrypted
  const m = ENC.exec(text);
  if (!m) throw new SopsError(`${where}: not a sops encrypted value`);
  const [data, iv, tag] = [m[1], m[2], m[3]].map((b) => Buffer.from(b, 'base64'));
  let plainBytes: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(additionalData, 'utf8'));
    decipher.setAuthTag(tag);
    plainBytes = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new SopsError(`${where}: cannot decrypt (wrong key, or the value or its path was changed)`);
  }
  const s = plainBytes.toString('utf8');
  switch (m[4]) {
    case 'str':
    case 'bytes':
    case 'time':
      return s;
    case 'int':
      if (!/^[+-]?\d+$/.test(s)) throw new SopsError(`${where}: not an int`);
      return BigInt(s);
    case 'float': {
      const n = Number(s);
      if (s.trim() === '' || Number.isNaN(n)) throw new SopsError(`${where}: not a float`);
      return n;
    }
    case 'bool':
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
      throw new SopsError(`${where}: not a bool`);
    default:
      throw new SopsError(`${where}: unknown value type ${m[4]}`);
  }
}

/** sops.ToBytes: what a value adds to the MAC. */
export function macBytes(v: string | number | bigint | boolean): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (typeof v === 'boolean') return Buffer.from(v ? 'True' : 'False');
  if (typeof v === 'bigint') return Buffer.from(v.toString());
  return Buffer.from(goFloat(v));
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = '', expText] = m;
  const digits = lead + frac;
  const point = 1 + Number(expText); // position of the decimal point within `digits`
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Tree.shouldBeEncrypted for the suffix and regex options (comment regexes are refused earlier). */
function encryptionRules(meta: Record<string, unknown>): (path: string[]) => boolean {
  const str = (k: string) => (nonEmptyString(meta[k]) ? (meta[k] as string) : '');
  const regex = (k: string) => {
    const source = str(k);
    if (!source) return null;
    try {
      return new RegExp(source, 'u');
    } catch {
      throw new SopsError(`${k} is not a regular expression this agent understands`);
    }
  };
  const unencryptedSuffix = str('unencrypted_suffix');
  const encryptedSuffix = str('encrypted_suffix');
  const unencryptedRegex = regex('unencrypted_regex');
  const encryptedRegex = regex('encrypted_regex');
  return (path) => {
    let encrypted = true;
    if (unencryptedSuffix && path.some((p) => p.endsWith(unencryptedSuffix))) encrypted = false;
    if (encryptedSuffix) encrypted = path.some((p) => p.endsWith(encryptedSuffix));
    if (unencryptedRegex && path.some((p) => unencryptedRegex.test(p))) encrypted = false;
    if (encryptedRegex) encrypted = path.some((p) => encryptedRegex.test(p));
    return encrypted;
  };
}

function toOrdered(node: unknown, doc: Document, depth: number): OrderedValue {
  if (depth > 200) throw new SopsError('nested too deeply');
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toOrdered(node.resolve(doc), doc, depth + 1);
  if (isMap(node)) {
    const entries: [string, OrderedValue][] = [];
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key !== 'string') throw new SopsError('only string keys are supported (as in sops)');
      if (key === '<<') throw new SopsError('merge keys are not supported in a SOPS file');
      entries.push([key, toOrdered(pair.value, doc, depth + 1)]);
    }
    return { entries };
  }
  if (isSeq(node)) return node.items.map((i) => toOrdered(i, doc, depth + 1));
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v)) return v as Scalar;
    // the 1.2 core schema resolves nothing else; an unexpected tag keeps the source text
    return typeof node.source === 'string' ? node.source : '';
  }
  throw new SopsError('unsupported YAML node');
}

function isOrderedMap(v: OrderedValue): v is OrderedMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function plain(v: OrderedValue): unknown {
  if (isOrderedMap(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, child] of v.entries) define(out, k, plain(child));
    return out;
  }
  if (Array.isArray(v)) return v.map(plain);
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Assignment that keeps a `__proto__` key a key. */
function define(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function nonEmptyString(v: unknown): boolean {
  return typeof v === 'string' && v !== '';
}
