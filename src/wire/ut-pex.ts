// ut_pex (BEP 11): peer exchange. The payload of the extended message is a bencoded dict of
// compact contact lists: `added` (6 bytes per IPv4 peer) with `added.f` (one flags byte each),
// `added6` (18 bytes per IPv6 peer) with `added6.f`, and `dropped` / `dropped6`.
//
// Decoding is bounded and tolerant where BEP 11 leaves room: a flags string shorter than its
// list means the missing peers have flags 0 (older clients omit them), extra flag bytes are
// ignored, and duplicate contacts are dropped. A list whose length is not a multiple of its entry
// size, or more entries than the limit, is an error. BEP 11 caps added and dropped at 50 each
// except in the first message of a connection, so the decoder's default limit is looser (100) than
// what we send (50): a compliant peer's first message must not cost it the connection.
//
// PexState (per connection) turns "the peers we are connected to now" into the next message:
// the diff against what this peer was last told, at most one message per minute, at most 50
// added and 50 dropped (the rest follows in the next message).
import { decode, encode, isBytes, isDict, type BValue } from '../bencode/index.js';
import { ShoalError } from '../errors.js';
import { bytesToIp, parseIPv4, parseIPv6, isV4Mapped } from '../tracker-proto/ip.js';

/** BEP 11 flag bits of `added.f` / `added6.f`. */
export const PexFlag = {
  /** Prefers encryption (`e` in its extension handshake). */
  encryption: 0x01,
  /** Seed or upload-only. */
  seed: 0x02,
  /** Supports uTP. */
  utp: 0x04,
  /** Announced ut_holepunch support. */
  holepunch: 0x08,
  /** We connected out to it: it is reachable. */
  reachable: 0x10,
} as const;

export interface PexAddress {
  /** IPv4 dotted quad or IPv6 text (RFC 5952 when decoded). */
  readonly host: string;
  readonly port: number;
}

export interface PexPeer extends PexAddress {
  /** PexFlag bits; 0 when the sender gave none. */
  readonly flags: number;
}

export interface PexMessage {
  /** IPv4 peers first, then IPv6, in message order. */
  readonly added: readonly PexPeer[];
  readonly dropped: readonly PexAddress[];
}

export type UtPexErrorCode =
  /** Not a bencoded dictionary, or a list that is not a byte string. */
  | 'UT_PEX_MALFORMED'
  /** A compact list whose length is not a multiple of 6 (IPv4) or 18 (IPv6). */
  | 'UT_PEX_BAD_LENGTH'
  /** More added or dropped contacts than the limit. */
  | 'UT_PEX_TOO_MANY'
  /** An encoder was given a contact it cannot carry, a duplicate, or a contact both added and dropped. */
  | 'UT_PEX_BAD_ARGUMENT';

export class UtPexError extends ShoalError {
  declare readonly code: UtPexErrorCode;
  constructor(code: UtPexErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `ut_pex: ${message}`, options);
  }
}

/** What we send: BEP 11's 50 added and 50 dropped per message. */
export const PEX_MAX_ENTRIES = 50;
/** What we accept: looser, since BEP 11 exempts a connection's first message from the 50. */
export const PEX_DECODE_MAX_ENTRIES = 100;
/** BEP 11: no more than one PEX message per minute. */
export const PEX_INTERVAL_MS = 60_000;

export interface UtPexDecodeOptions {
  /** Most added contacts, IPv4 and IPv6 together (default 100). */
  readonly maxAdded?: number;
  /** Most dropped contacts, IPv4 and IPv6 together (default 100). */
  readonly maxDropped?: number;
  /** Require canonical key order (default false). */
  readonly strict?: boolean;
}

function fail(code: UtPexErrorCode, message: string, cause?: unknown): never {
  throw new UtPexError(code, message, cause === undefined ? undefined : { cause });
}

function bytesField(d: Map<string, BValue>, key: string): Uint8Array {
  const v = d.get(key);
  if (v === undefined) return new Uint8Array(0);
  if (!isBytes(v)) fail('UT_PEX_MALFORMED', `${key}: expected a byte string`);
  return v;
}

function entries(d: Map<string, BValue>, key: string, stride: 6 | 18): number {
  const n = bytesField(d, key).length;
  if (n % stride !== 0) fail('UT_PEX_BAD_LENGTH', `${key}: ${n} bytes is not a multiple of ${stride}`);
  return n / stride;
}

function contacts(list: Uint8Array, stride: 6 | 18): PexAddress[] {
  const out: PexAddress[] = [];
  const alen = stride - 2;
  for (let off = 0; off < list.length; off += stride) {
    const port = ((list[off + alen] as number) << 8) | (list[off + alen + 1] as number);
    out.push({ host: bytesToIp(list.subarray(off, off + alen)), port });
  }
  return out;
}

/** Decodes a ut_pex payload. Throws UtPexError only. */
export function decodeUtPex(payload: Uint8Array, opts: UtPexDecodeOptions = {}): PexMessage {
  const maxAdded = opts.maxAdded ?? PEX_DECODE_MAX_ENTRIES;
  const maxDropped = opts.maxDropped ?? PEX_DECODE_MAX_ENTRIES;
  let value: BValue;
  try {
    // Bounded so that a hostile payload costs nothing beyond its (already length-limited) bytes.
    value = decode(payload, { strict: opts.strict ?? false, maxDepth: 8, maxElements: 256 });
  } catch (e) {
    return fail('UT_PEX_MALFORMED', `not a bencoded dictionary: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (!isDict(value)) fail('UT_PEX_MALFORMED', 'not a bencoded dictionary');
  // Count before building anything, so an oversized list is refused without allocating for it.
  const nAdded = entries(value, 'added', 6) + entries(value, 'added6', 18);
  const nDropped = entries(value, 'dropped', 6) + entries(value, 'dropped6', 18);
  if (nAdded > maxAdded) fail('UT_PEX_TOO_MANY', `${nAdded} added contacts, more than ${maxAdded}`);
  if (nDropped > maxDropped) fail('UT_PEX_TOO_MANY', `${nDropped} dropped contacts, more than ${maxDropped}`);
  const added: PexPeer[] = [];
  const seen = new Set<string>();
  for (const [key, stride] of [['added', 6], ['added6', 18]] as const) {
    const flags = bytesField(value, `${key}.f`);
    contacts(bytesField(value, key), stride).forEach((a, i) => {
      const k = `${a.host}|${a.port}`;
      if (seen.has(k)) return;
      seen.add(k);
      added.push({ ...a, flags: flags[i] ?? 0 });
    });
  }
  const dropped: PexAddress[] = [];
  seen.clear();
  for (const a of [...contacts(bytesField(value, 'dropped'), 6), ...contacts(bytesField(value, 'dropped6'), 18)]) {
    const k = `${a.host}|${a.port}`;
    if (seen.has(k)) continue;
    seen.add(k);
    dropped.push(a);
  }
  return { added, dropped };
}

/** 4 or 16 address bytes of an IP literal (IPv4-mapped IPv6 becomes IPv4), or undefined. */
export function pexAddressBytes(host: string): Uint8Array | undefined {
  const v4 = parseIPv4(host);
  if (v4) return v4;
  const v6 = parseIPv6(host);
  if (!v6) return undefined;
  return isV4Mapped(v6) ? v6.slice(12) : v6;
}

/** Canonical key of a contact ("host|port" with canonical address text), or undefined if unusable. */
export function pexKey(a: PexAddress): string | undefined {
  const b = pexAddressBytes(a.host);
  if (!b || !Number.isInteger(a.port) || a.port < 1 || a.port > 0xffff) return undefined;
  return `${bytesToIp(b)}|${a.port}`;
}

class CompactWriter {
  private readonly v4: number[] = [];
  private readonly v6: number[] = [];
  readonly f4: number[] = [];
  readonly f6: number[] = [];

  add(a: PexAddress, flags: number | undefined, what: string): void {
    const b = pexAddressBytes(a.host);
    if (!b) fail('UT_PEX_BAD_ARGUMENT', `${what}: "${String(a.host).slice(0, 60)}" is not an IP address`);
    if (!Number.isInteger(a.port) || a.port < 1 || a.port > 0xffff) fail('UT_PEX_BAD_ARGUMENT', `${what}: port ${a.port} outside 1..65535`);
    if (flags !== undefined && (!Number.isInteger(flags) || flags < 0 || flags > 0xff)) fail('UT_PEX_BAD_ARGUMENT', `${what}: flags ${flags} outside 0..255`);
    const list = b.length === 4 ? this.v4 : this.v6;
    list.push(...b, a.port >> 8, a.port & 0xff);
    if (flags !== undefined) (b.length === 4 ? this.f4 : this.f6).push(flags);
  }

  lists(): [Uint8Array, Uint8Array] {
    return [Uint8Array.from(this.v4), Uint8Array.from(this.v6)];
  }
}

/**
 * Encodes a ut_pex payload. Every key is written (empty lists as empty strings), like libtorrent,
 * so the message always has the fields BEP 11 requires. Refuses more than `maxAdded` / `maxDropped`
 * contacts (default 50), duplicates, and a contact both added and dropped.
 */
export function encodeUtPex(m: PexMessage, opts: { readonly maxAdded?: number; readonly maxDropped?: number } = {}): Uint8Array {
  const maxAdded = opts.maxAdded ?? PEX_MAX_ENTRIES;
  const maxDropped = opts.maxDropped ?? PEX_MAX_ENTRIES;
  if (m.added.length > maxAdded) fail('UT_PEX_BAD_ARGUMENT', `${m.added.length} added contacts, more than ${maxAdded}`);
  if (m.dropped.length > maxDropped) fail('UT_PEX_BAD_ARGUMENT', `${m.dropped.length} dropped contacts, more than ${maxDropped}`);
  const addedKeys = new Set<string>();
  const added = new CompactWriter();
  for (const p of m.added) {
    added.add(p, p.flags, 'added');
    const k = pexKey(p) as string;
    if (addedKeys.has(k)) fail('UT_PEX_BAD_ARGUMENT', `added: duplicate contact ${k}`);
    addedKeys.add(k);
  }
  const droppedKeys = new Set<string>();
  const dropped = new CompactWriter();
  for (const p of m.dropped) {
    dropped.add(p, undefined, 'dropped');
    const k = pexKey(p) as string;
    if (droppedKeys.has(k)) fail('UT_PEX_BAD_ARGUMENT', `dropped: duplicate contact ${k}`);
    if (addedKeys.has(k)) fail('UT_PEX_BAD_ARGUMENT', `contact ${k} both added and dropped`);
    droppedKeys.add(k);
  }
  const [a4, a6] = added.lists();
  const [d4, d6] = dropped.lists();
  return encode(new Map<string, Uint8Array>([
    ['added', a4],
    ['added.f', Uint8Array.from(added.f4)],
    ['added6', a6],
    ['added6.f', Uint8Array.from(added.f6)],
    ['dropped', d4],
    ['dropped6', d6],
  ]));
}

export interface PexStateOptions {
  /** Shortest time between two messages, ms (default 60,000: BEP 11). */
  readonly intervalMs?: number;
  /** Most added contacts per message (default 50). */
  readonly maxAdded?: number;
  /** Most dropped contacts per message (default 50). */
  readonly maxDropped?: number;
  /** The remote peer's own address(es): never sent to it as added. */
  readonly exclude?: readonly PexAddress[];
}

/**
 * What one connection has been told. `next(current, now)` returns the message to send now, or
 * undefined (too early, or nothing changed). Peers that connect and disconnect between two
 * messages never appear, as BEP 11 allows. Contacts that are not IP literals with a port are
 * skipped. Flag changes of an already-announced peer are not re-sent.
 */
export class PexState {
  private readonly intervalMs: number;
  private readonly maxAdded: number;
  private readonly maxDropped: number;
  private readonly exclude: Set<string>;
  /** What the remote believes we are connected to: canonical key → contact. */
  private readonly told = new Map<string, PexAddress>();
  private lastSentAt = -Infinity;

  constructor(opts: PexStateOptions = {}) {
    this.intervalMs = opts.intervalMs ?? PEX_INTERVAL_MS;
    this.maxAdded = Math.min(opts.maxAdded ?? PEX_MAX_ENTRIES, PEX_MAX_ENTRIES);
    this.maxDropped = Math.min(opts.maxDropped ?? PEX_MAX_ENTRIES, PEX_MAX_ENTRIES);
    this.exclude = new Set((opts.exclude ?? []).map(pexKey).filter((k): k is string => k !== undefined));
  }

  /** Earliest `now` at which next() may return a message. */
  get nextAllowedAt(): number {
    return this.lastSentAt + this.intervalMs;
  }

  /** Number of contacts the remote currently believes we are connected to. */
  get announced(): number {
    return this.told.size;
  }

  next(current: Iterable<PexPeer>, now: number): PexMessage | undefined {
    if (now < this.nextAllowedAt) return undefined;
    const live = new Map<string, PexPeer>();
    for (const p of current) {
      const k = pexKey(p);
      if (k !== undefined && !this.exclude.has(k) && !live.has(k)) live.set(k, p);
    }
    const added: PexPeer[] = [];
    const addedKeys: string[] = [];
    for (const [k, p] of live) {
      if (added.length >= this.maxAdded) break;
      if (!this.told.has(k)) {
        added.push({ host: p.host, port: p.port, flags: p.flags & 0xff });
        addedKeys.push(k);
      }
    }
    const dropped: PexAddress[] = [];
    const droppedKeys: string[] = [];
    for (const [k, a] of this.told) {
      if (dropped.length >= this.maxDropped) break;
      if (!live.has(k)) {
        dropped.push(a);
        droppedKeys.push(k);
      }
    }
    if (added.length === 0 && dropped.length === 0) return undefined;
    addedKeys.forEach((k, i) => this.told.set(k, { host: (added[i] as PexPeer).host, port: (added[i] as PexPeer).port }));
    for (const k of droppedKeys) this.told.delete(k);
    this.lastSentAt = now;
    return { added, dropped };
  }
}
