// Bencode decoder (BEP 3) for hostile input.
//
// Strict mode (the default, for anything from the network) accepts only canonical encodings:
// no leading zeros, no `-0`, dictionary keys sorted by raw bytes and unique, no trailing bytes.
// Tolerant mode (for .torrent files, which are not always canonical in the wild) additionally
// accepts unsorted keys. Both bound nesting depth, string length and the total element count,
// and check every length against the bytes actually present before allocating anything.
// The decoder is iterative-recursive with an explicit depth bound, so no input can blow the stack.
import { BencodeError } from './errors.js';
import type { BDict, BList, BValue } from './types.js';

export interface DecodeOptions {
  /** Reject non-canonical key order (default true). Duplicate keys are always rejected. */
  readonly strict?: boolean;
  /** Maximum nesting of lists and dictionaries (default 64). */
  readonly maxDepth?: number;
  /** Maximum length of one byte string (default: the input length). */
  readonly maxStringLength?: number;
  /** Maximum number of values in the whole document (default 1,000,000). */
  readonly maxElements?: number;
}

export interface DecodeResult {
  readonly value: BValue;
  /**
   * Byte span [start, end) of each value directly under a top-level dictionary, by key. This is how
   * the info hash is taken over the original bytes of `info`, canonical or not.
   */
  readonly spans: ReadonlyMap<string, readonly [number, number]>;
}

const CH_i = 0x69;
const CH_l = 0x6c;
const CH_d = 0x64;
const CH_e = 0x65;
const CH_colon = 0x3a;
const CH_minus = 0x2d;
const CH_0 = 0x30;
const CH_9 = 0x39;

const latin1 = new TextDecoder('latin1');

class Decoder {
  pos = 0;
  elements = 0;
  readonly strict: boolean;
  readonly maxDepth: number;
  readonly maxStringLength: number;
  readonly maxElements: number;
  readonly spans = new Map<string, readonly [number, number]>();

  constructor(readonly buf: Uint8Array, opts: DecodeOptions) {
    this.strict = opts.strict ?? true;
    this.maxDepth = opts.maxDepth ?? 64;
    this.maxStringLength = opts.maxStringLength ?? buf.length;
    this.maxElements = opts.maxElements ?? 1_000_000;
  }

  fail(code: ConstructorParameters<typeof BencodeError>[0], message: string, at = this.pos): never {
    throw new BencodeError(code, message, at);
  }

  peek(): number {
    const b = this.buf[this.pos];
    if (b === undefined) this.fail('BENCODE_TRUNCATED', 'unexpected end of input');
    return b;
  }

  value(depth: number, topLevel: boolean): BValue {
    if (++this.elements > this.maxElements) {
      this.fail('BENCODE_TOO_MANY_ELEMENTS', `more than ${this.maxElements} elements`);
    }
    const b = this.peek();
    if (b === CH_i) return this.integer();
    if (b >= CH_0 && b <= CH_9) return this.bytes();
    if (b === CH_l || b === CH_d) {
      if (depth >= this.maxDepth) this.fail('BENCODE_TOO_DEEP', `nesting deeper than ${this.maxDepth}`);
      return b === CH_l ? this.list(depth + 1) : this.dict(depth + 1, topLevel);
    }
    return this.fail('BENCODE_UNEXPECTED_BYTE', `unexpected byte 0x${b.toString(16).padStart(2, '0')}`);
  }

  integer(): number {
    const start = this.pos;
    this.pos++; // 'i'
    let negative = false;
    if (this.peek() === CH_minus) {
      negative = true;
      this.pos++;
    }
    const digitsStart = this.pos;
    let n = 0;
    while (true) {
      const c = this.peek();
      if (c === CH_e) break;
      if (c < CH_0 || c > CH_9) this.fail('BENCODE_BAD_INTEGER', 'non-digit in integer');
      n = n * 10 + (c - CH_0);
      this.pos++;
      if (this.pos - digitsStart > 16) this.fail('BENCODE_INTEGER_RANGE', 'integer outside the safe range', start);
    }
    const digits = this.pos - digitsStart;
    if (digits === 0) this.fail('BENCODE_BAD_INTEGER', 'empty integer', start);
    if (digits > 1 && this.buf[digitsStart] === CH_0) this.fail('BENCODE_BAD_INTEGER', 'leading zero in integer', start);
    if (negative && n === 0) this.fail('BENCODE_BAD_INTEGER', 'negative zero', start);
    if (!Number.isSafeInteger(n)) this.fail('BENCODE_INTEGER_RANGE', 'integer outside the safe range', start);
    this.pos++; // 'e'
    return negative ? -n : n;
  }

  bytes(): Uint8Array {
    const start = this.pos;
    let len = 0;
    while (true) {
      const c = this.peek();
      if (c === CH_colon) break;
      if (c < CH_0 || c > CH_9) this.fail('BENCODE_BAD_STRING_LENGTH', 'non-digit in string length');
      len = len * 10 + (c - CH_0);
      this.pos++;
      if (this.pos - start > 15) this.fail('BENCODE_BAD_STRING_LENGTH', 'string length too large', start);
    }
    if (this.pos - start > 1 && this.buf[start] === CH_0) {
      this.fail('BENCODE_BAD_STRING_LENGTH', 'leading zero in string length', start);
    }
    this.pos++; // ':'
    if (len > this.maxStringLength) {
      this.fail('BENCODE_STRING_TOO_LONG', `string of ${len} bytes exceeds the limit of ${this.maxStringLength}`, start);
    }
    if (len > this.buf.length - this.pos) this.fail('BENCODE_TRUNCATED', `string of ${len} bytes runs past the end`, start);
    // A view, not a copy: callers that keep values beyond the input's life copy what they keep.
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  list(depth: number): BList {
    this.pos++; // 'l'
    const out: BList = [];
    while (this.peek() !== CH_e) out.push(this.value(depth, false));
    this.pos++;
    return out;
  }

  dict(depth: number, topLevel: boolean): BDict {
    this.pos++; // 'd'
    const out: BDict = new Map();
    let prev: string | undefined;
    while (this.peek() !== CH_e) {
      const keyAt = this.pos;
      const c = this.peek();
      if (c < CH_0 || c > CH_9) this.fail('BENCODE_UNEXPECTED_BYTE', 'dictionary key is not a byte string');
      this.elements++;
      const key = latin1.decode(this.bytes());
      if (out.has(key)) this.fail('BENCODE_DUPLICATE_KEY', `duplicate dictionary key "${printable(key)}"`, keyAt);
      if (this.strict && prev !== undefined && key < prev) {
        this.fail('BENCODE_KEY_ORDER', `dictionary key "${printable(key)}" out of order`, keyAt);
      }
      prev = key;
      const valueAt = this.pos;
      out.set(key, this.value(depth, false));
      if (topLevel) this.spans.set(key, [valueAt, this.pos]);
    }
    this.pos++;
    return out;
  }
}

function printable(key: string): string {
  const s = key.length > 40 ? key.slice(0, 40) + '…' : key;
  return s.replace(/[^\x20-\x7e]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Decodes one bencoded value that must span the whole input. */
export function decodeWithSpans(input: Uint8Array, opts: DecodeOptions = {}): DecodeResult {
  const d = new Decoder(input, opts);
  const value = d.value(0, true);
  if (d.pos !== input.length) d.fail('BENCODE_TRAILING_BYTES', `${input.length - d.pos} trailing bytes`);
  return { value, spans: d.spans };
}

/** Decodes one bencoded value that must span the whole input. Strict unless told otherwise. */
export function decode(input: Uint8Array, opts: DecodeOptions = {}): BValue {
  return decodeWithSpans(input, opts).value;
}

/**
 * Decodes one value at the start of `input` and reports where it ended; for protocols that put
 * raw bytes after a bencoded header (ut_metadata data messages).
 */
export function decodePrefix(input: Uint8Array, opts: DecodeOptions = {}): { value: BValue; end: number } {
  const d = new Decoder(input, opts);
  const value = d.value(0, false);
  return { value, end: d.pos };
}
