// KRPC encoder (BEP 5, 32, 42, 43, 44, 51): typed messages to canonical bencode. Pure.
import { encode, keyBytes, type BEncodable } from '../bencode/index.js';
import { encodeCompactNodes, encodeCompactPeer } from './address.js';
import { KrpcError } from './errors.js';
import type { KrpcMessage, KrpcQuery, ResponseBody, Want } from './types.js';

type Dict = Map<string, BEncodable>;

function wantList(w: Want | undefined): string[] | undefined {
  if (w === undefined) return undefined;
  const out: string[] = [];
  if (w.n4) out.push('n4');
  if (w.n6) out.push('n6');
  return out;
}

function set(d: Dict, key: string, v: BEncodable | undefined): void {
  if (v !== undefined) d.set(key, v);
}

function queryArgs(m: KrpcQuery): Dict {
  const a: Dict = new Map([['id', m.id]]);
  switch (m.q) {
    case 'ping':
      break;
    case 'find_node':
      a.set('target', m.target);
      set(a, 'want', wantList(m.want));
      break;
    case 'get_peers':
      a.set('info_hash', m.infoHash);
      set(a, 'want', wantList(m.want));
      break;
    case 'announce_peer':
      a.set('info_hash', m.infoHash);
      a.set('port', m.port);
      a.set('token', m.token);
      if (m.impliedPort) a.set('implied_port', 1);
      if (m.seed !== undefined) a.set('seed', m.seed ? 1 : 0);
      break;
    case 'sample_infohashes':
      a.set('target', m.target);
      set(a, 'want', wantList(m.want));
      break;
    case 'get':
      a.set('target', m.target);
      set(a, 'seq', m.seq);
      set(a, 'want', wantList(m.want));
      break;
    case 'put':
      a.set('token', m.token);
      a.set('v', m.value);
      set(a, 'k', m.k);
      set(a, 'seq', m.seq);
      set(a, 'sig', m.sig);
      if (m.salt !== undefined && m.salt.length > 0) a.set('salt', m.salt);
      set(a, 'cas', m.cas);
      break;
    case 'other':
      set(a, 'target', m.target);
      set(a, 'want', wantList(m.want));
      break;
  }
  return a;
}

function responseBody(r: ResponseBody): Dict {
  const d: Dict = new Map([['id', r.id]]);
  if (r.nodes !== undefined) d.set('nodes', encodeCompactNodes(r.nodes, 4));
  if (r.nodes6 !== undefined) d.set('nodes6', encodeCompactNodes(r.nodes6, 6));
  set(d, 'token', r.token);
  if (r.values !== undefined) d.set('values', r.values.map(encodeCompactPeer));
  if (r.samples !== undefined) {
    const s = new Uint8Array(r.samples.length * 20);
    r.samples.forEach((h, i) => s.set(h, i * 20));
    d.set('samples', s);
  }
  set(d, 'num', r.num);
  set(d, 'interval', r.interval);
  set(d, 'v', r.v);
  set(d, 'k', r.k);
  set(d, 'seq', r.seq);
  set(d, 'sig', r.sig);
  return d;
}

/**
 * A bencode writer for the small dictionaries of KRPC: one growing buffer, digits written by
 * hand, keys sorted per dictionary. Same output as the general encoder in src/bencode (a test
 * checks that), several times faster on these messages, which matters to the simulator.
 */
class Writer {
  buf = new Uint8Array(512);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  digits(n: number): void {
    if (n < 10) return this.byte(0x30 + n);
    const s = String(n);
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i);
  }

  bytes(b: Uint8Array): void {
    this.digits(b.length);
    this.byte(0x3a);
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** A string of one-byte chars (latin1), e.g. a dictionary key. */
  latin1(s: string): void {
    this.digits(s.length);
    this.byte(0x3a);
    this.room(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) throw new KrpcError('KRPC_UNENCODABLE', 'dictionary key is not a byte string');
      this.buf[this.len++] = c;
    }
  }

  value(v: BEncodable, depth: number): void {
    if (depth > 64) throw new KrpcError('KRPC_UNENCODABLE', 'value nested too deeply');
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new KrpcError('KRPC_UNENCODABLE', `not a safe integer: ${v}`);
      this.byte(0x69);
      if (v < 0) this.byte(0x2d);
      this.digits(Math.abs(v));
      this.byte(0x65);
    } else if (v instanceof Uint8Array) this.bytes(v);
    else if (typeof v === 'string') {
      // eslint-disable-next-line no-control-regex
      if (/^[\x00-\x7f]*$/.test(v)) this.latin1(v);
      else this.bytes(utf8.encode(v));
    } else if (Array.isArray(v)) {
      this.byte(0x6c);
      for (const x of v as readonly BEncodable[]) this.value(x, depth + 1);
      this.byte(0x65);
    } else if (v instanceof Map) {
      const keys = [...(v as ReadonlyMap<string, BEncodable>).keys()].sort();
      this.byte(0x64);
      for (const k of keys) {
        this.latin1(k);
        this.value((v as ReadonlyMap<string, BEncodable>).get(k) as BEncodable, depth + 1);
      }
      this.byte(0x65);
    } else {
      // plain objects and bigints (rare in KRPC: BEP 44 values from callers) take the general path
      let raw: Uint8Array;
      try {
        raw = encode(v);
      } catch (e) {
        throw new KrpcError('KRPC_UNENCODABLE', e instanceof Error ? e.message : String(e), { cause: e });
      }
      this.room(raw.length);
      this.buf.set(raw, this.len);
      this.len += raw.length;
    }
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const utf8 = new TextEncoder();

/** Encodes a message canonically. Throws KrpcError (KRPC_UNENCODABLE) for values it cannot hold. */
export function encodeKrpc(m: KrpcMessage): Uint8Array {
  const w = new Writer();
  w.value(buildTop(m), 0);
  return w.result();
}

function buildTop(m: KrpcMessage): Dict {
  const top: Dict = new Map<string, BEncodable>([['t', m.t], ['y', m.y]]);
  set(top, 'v', m.v);
  if (m.y === 'q') {
    // `method` holds the raw bytes as latin1 text (an unknown name need not be UTF-8)
    top.set('q', m.q === 'other' ? keyBytes(m.method) : m.q);
    top.set('a', queryArgs(m));
    if (m.ro) top.set('ro', 1);
  } else if (m.y === 'r') {
    top.set('r', responseBody(m.r));
    if (m.ip !== undefined) top.set('ip', encodeCompactPeer(m.ip));
  } else {
    top.set('e', [m.code, m.message]);
    if (m.ip !== undefined) top.set('ip', encodeCompactPeer(m.ip));
  }
  return top;
}

/** The same message through the general bencode encoder (tests compare the two). */
export function encodeKrpcReference(m: KrpcMessage): Uint8Array {
  return encode(buildTop(m));
}
