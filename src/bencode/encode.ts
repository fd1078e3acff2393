// Canonical bencode encoder (BEP 3): dictionary keys sorted by raw bytes, integers in shortest form.
// Output is built in one pass into chunks and joined once, so large `pieces` strings are copied once.
import { BencodeError } from './errors.js';
import type { BEncodable } from './types.js';

const utf8 = new TextEncoder();
const E = 0x65;

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new BencodeError('BENCODE_UNENCODABLE', 'dictionary key of a Map must be a byte (latin1) string', -1);
    out[i] = c;
  }
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

class Writer {
  readonly chunks: Uint8Array[] = [];
  size = 0;
  ascii(s: string): void {
    this.raw(utf8.encode(s));
  }
  raw(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  byte(b: number): void {
    this.raw(Uint8Array.of(b));
  }
  str(b: Uint8Array): void {
    this.ascii(`${b.length}:`);
    this.raw(b);
  }
}

function write(w: Writer, v: BEncodable, depth: number): void {
  if (depth > 512) throw new BencodeError('BENCODE_UNENCODABLE', 'value nested too deeply', -1);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new BencodeError('BENCODE_UNENCODABLE', `not a safe integer: ${v}`, -1);
    w.ascii(`i${v === 0 ? 0 : v}e`); // `0` also normalises -0
    return;
  }
  if (typeof v === 'bigint') {
    w.ascii(`i${v.toString()}e`);
    return;
  }
  if (typeof v === 'string') {
    w.str(utf8.encode(v));
    return;
  }
  if (v instanceof Uint8Array) {
    w.str(v);
    return;
  }
  if (Array.isArray(v)) {
    w.byte(0x6c);
    for (const item of v as readonly BEncodable[]) write(w, item, depth + 1);
    w.byte(E);
    return;
  }
  let entries: [Uint8Array, BEncodable][];
  if (v instanceof Map) {
    entries = [...(v as ReadonlyMap<string, BEncodable>)].map(([k, x]) => [latin1Bytes(k), x]);
  } else if (typeof v === 'object' && v !== null) {
    entries = [];
    for (const [k, x] of Object.entries(v)) if (x !== undefined) entries.push([utf8.encode(k), x as BEncodable]);
  } else {
    throw new BencodeError('BENCODE_UNENCODABLE', `cannot encode a value of type ${typeof v}`, -1);
  }
  entries.sort((a, b) => compareBytes(a[0], b[0]));
  w.byte(0x64);
  for (let i = 0; i < entries.length; i++) {
    const [k, x] = entries[i] as [Uint8Array, BEncodable];
    if (i > 0 && compareBytes((entries[i - 1] as [Uint8Array, BEncodable])[0], k) === 0) {
      throw new BencodeError('BENCODE_UNENCODABLE', 'duplicate dictionary key', -1);
    }
    w.str(k);
    write(w, x, depth + 1);
  }
  w.byte(E);
}

/** Encodes a value canonically. Throws BencodeError (BENCODE_UNENCODABLE) for what bencode cannot hold. */
export function encode(v: BEncodable): Uint8Array {
  const w = new Writer();
  write(w, v, 0);
  if (w.chunks.length === 1) return w.chunks[0] as Uint8Array;
  const out = new Uint8Array(w.size);
  let off = 0;
  for (const c of w.chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
