// BEP 10 extension handshake: the bencoded dictionary carried by extended message id 0.
// Typed access to the keys BEP 10 and BEP 9 define (m, v, p, yourip, ipv4, ipv6, reqq,
// metadata_size) plus libtorrent's upload_only; every other key is kept as decoded in `extra`,
// so nothing a peer sends is lost and encode writes it back.
import { decode, encode, isDict, DictReader, type BDict, type BEncodable, type BValue } from '../bencode/index.js';
import { isShoalError } from '../errors.js';
import { WireError } from './errors.js';

export interface ExtensionHandshake {
  /** Extension name → id the sender wants that extension's messages on; 0 means disabled. */
  readonly m: ReadonlyMap<string, number>;
  /** Client name and version (UTF-8; decoded leniently, it is only for display). */
  readonly v?: string;
  /** The sender's listen port. */
  readonly p?: number;
  /** The receiver's address as the sender sees it: 4 or 16 bytes. */
  readonly yourip?: Uint8Array;
  readonly ipv4?: Uint8Array;
  readonly ipv6?: Uint8Array;
  /** How many outstanding requests the sender accepts. */
  readonly reqq?: number;
  /** BEP 9: size of the info dictionary. */
  readonly metadataSize?: number;
  /** The sender only uploads (libtorrent's upload_only, also used for partial seeds). */
  readonly uploadOnly?: boolean;
  /** Keys not interpreted above, as decoded (keys are latin1 strings, see src/bencode). */
  readonly extra: ReadonlyMap<string, BValue>;
}

export type ExtensionHandshakeInit = Partial<Omit<ExtensionHandshake, 'm' | 'extra'>> & {
  readonly m?: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  readonly extra?: ReadonlyMap<string, BEncodable>;
};

export interface ExtensionHandshakeOptions {
  /** Require canonical bencode (sorted keys). Default true. */
  readonly strict?: boolean;
  /** Most entries accepted in `m`. Default 128. */
  readonly maxExtensions?: number;
}

const KNOWN = new Set(['m', 'v', 'p', 'yourip', 'ipv4', 'ipv6', 'reqq', 'metadata_size', 'upload_only']);
const CODE = 'WIRE_BAD_EXTENSION_HANDSHAKE';
const lenientUtf8 = new TextDecoder('utf-8');

function bad(message: string, cause?: unknown): WireError {
  return new WireError(CODE, message, { messageType: 'extended', cause });
}

function intIn(r: DictReader, key: string, min: number, max: number): number | undefined {
  const v = r.optInt(key);
  if (v !== undefined && (v < min || v > max)) r.fail(key, `${v} outside ${min}..${max}`);
  return v;
}

function address(r: DictReader, key: string, sizes: readonly number[]): Uint8Array | undefined {
  const b = r.optBytes(key);
  if (b !== undefined && !sizes.includes(b.length)) r.fail(key, `address of ${b.length} bytes, expected ${sizes.join(' or ')}`);
  return b;
}

function readM(r: DictReader, maxExtensions: number): Map<string, number> {
  const m = new Map<string, number>();
  const mr = r.optDictAt('m');
  if (!mr) return m;
  if (mr.dict.size > maxExtensions) r.fail('m', `${mr.dict.size} extensions, more than ${maxExtensions}`);
  for (const name of mr.dict.keys()) {
    const id = intIn(mr, name, 0, 255) as number;
    m.set(name, id);
  }
  return m;
}

/** Decodes the payload of extended message 0. Throws WireError (WIRE_BAD_EXTENSION_HANDSHAKE). */
export function decodeExtensionHandshake(payload: Uint8Array, opts: ExtensionHandshakeOptions = {}): ExtensionHandshake {
  let value: BValue;
  try {
    value = decode(payload, { strict: opts.strict ?? true, maxDepth: 32 });
  } catch (e) {
    throw bad(`extension handshake is not valid bencode: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (!isDict(value)) throw bad('extension handshake is not a dictionary');
  const r = new DictReader(value, 'ext handshake', CODE);
  try {
    const v = r.optBytes('v');
    const upload = r.optInt('upload_only');
    const extra = new Map<string, BValue>();
    for (const [k, x] of (value as BDict)) if (!KNOWN.has(k)) extra.set(k, x);
    const out: { -readonly [K in keyof ExtensionHandshake]: ExtensionHandshake[K] } = { m: readM(r, opts.maxExtensions ?? 128), extra };
    if (v !== undefined) out.v = lenientUtf8.decode(v);
    const p = intIn(r, 'p', 0, 0xffff);
    if (p !== undefined) out.p = p;
    const yourip = address(r, 'yourip', [4, 16]);
    if (yourip) out.yourip = yourip;
    const ipv4 = address(r, 'ipv4', [4]);
    if (ipv4) out.ipv4 = ipv4;
    const ipv6 = address(r, 'ipv6', [16]);
    if (ipv6) out.ipv6 = ipv6;
    const reqq = intIn(r, 'reqq', 0, Number.MAX_SAFE_INTEGER);
    if (reqq !== undefined) out.reqq = reqq;
    const size = intIn(r, 'metadata_size', 0, Number.MAX_SAFE_INTEGER);
    if (size !== undefined) out.metadataSize = size;
    if (upload !== undefined) out.uploadOnly = upload !== 0;
    return out;
  } catch (e) {
    if (e instanceof WireError) throw e;
    if (isShoalError(e)) throw bad(e.message, e);
    throw e;
  }
}

/** Encodes an extension handshake dictionary (the payload of extended message 0). */
export function encodeExtensionHandshake(h: ExtensionHandshakeInit): Uint8Array {
  const d = new Map<string, BEncodable>(h.extra ?? []);
  const m = new Map<string, BEncodable>();
  const entries = h.m instanceof Map ? [...(h.m as ReadonlyMap<string, number>)] : Object.entries(h.m ?? {});
  for (const [name, id] of entries) {
    if (!Number.isInteger(id) || id < 0 || id > 255) throw new WireError('WIRE_BAD_ARGUMENT', `extension ${name}: id ${id} outside 0..255`, { messageType: 'extended' });
    m.set(name, id);
  }
  d.set('m', m);
  if (h.v !== undefined) d.set('v', h.v);
  if (h.p !== undefined) d.set('p', h.p);
  if (h.yourip !== undefined) d.set('yourip', h.yourip);
  if (h.ipv4 !== undefined) d.set('ipv4', h.ipv4);
  if (h.ipv6 !== undefined) d.set('ipv6', h.ipv6);
  if (h.reqq !== undefined) d.set('reqq', h.reqq);
  if (h.metadataSize !== undefined) d.set('metadata_size', h.metadataSize);
  if (h.uploadOnly !== undefined) d.set('upload_only', h.uploadOnly ? 1 : 0);
  try {
    return encode(d);
  } catch (e) {
    throw new WireError('WIRE_BAD_ARGUMENT', `extension handshake cannot be encoded: ${e instanceof Error ? e.message : String(e)}`, { messageType: 'extended', cause: e });
  }
}
