// A fixed-size set of piece indices, stored as the BitTorrent bitfield (BEP 3).
//
// BEP 3 bit order: the first byte covers pieces 0-7, with the HIGH bit of byte 0 being piece 0
// and the low bit piece 7; spare bits at the end of the last byte must be zero. Keeping exactly
// the wire layout means a received 'bitfield' message becomes a Bitfield with one copy, and our own
// bitfield is sent as-is. The wire and storage layers import this class too.
//
// The number of set bits is maintained on every change, so `count`, `hasAll` and `isEmpty` are
// O(1); the piece picker and the choker ask these questions on every event.
import { SwarmError } from './errors.js';

/** Largest bitfield we agree to allocate: 2^31 pieces is already 256 MiB of bits. */
export const MAX_BITFIELD_SIZE = 2 ** 31;

export class Bitfield {
  /** Number of bits (pieces). */
  readonly size: number;
  private readonly bytes: Uint8Array;
  private setCount = 0;

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_BITFIELD_SIZE) {
      throw new SwarmError('SWARM_BAD_ARGUMENT', `bitfield size ${size} is not an integer in [0, 2^31]`);
    }
    this.size = size;
    this.bytes = new Uint8Array(byteLength(size));
  }

  /**
   * Builds a bitfield from its wire form. Rejects a length other than ceil(size / 8) and any spare
   * bit set in the last byte (BEP 3 says they are zero; a peer that sets them is broken or hostile).
   * The bytes are copied.
   */
  static fromBytes(bytes: Uint8Array, size: number): Bitfield {
    const bf = new Bitfield(size);
    if (bytes.length !== bf.bytes.length) {
      throw new SwarmError('SWARM_BITFIELD_LENGTH',
        `bitfield of ${bytes.length} bytes for ${size} pieces (expected ${bf.bytes.length})`);
    }
    const spare = bf.bytes.length * 8 - size;
    if (spare > 0 && ((bytes[bytes.length - 1] as number) & ((1 << spare) - 1)) !== 0) {
      throw new SwarmError('SWARM_BITFIELD_SPARE_BITS', `bitfield for ${size} pieces has spare bits set in its last byte`);
    }
    bf.bytes.set(bytes);
    let n = 0;
    for (let i = 0; i < bytes.length; i++) n += POPCOUNT[bytes[i] as number] as number;
    bf.setCount = n;
    return bf;
  }

  /** A bitfield with every bit set (a seed's bitfield, BEP 6 'have all'). */
  static full(size: number): Bitfield {
    const bf = new Bitfield(size);
    bf.setAll();
    return bf;
  }

  /** Number of set bits. O(1). */
  get count(): number {
    return this.setCount;
  }

  hasAll(): boolean {
    return this.setCount === this.size;
  }

  isEmpty(): boolean {
    return this.setCount === 0;
  }

  get(index: number): boolean {
    this.check(index);
    return ((this.bytes[index >>> 3] as number) & (0x80 >>> (index & 7))) !== 0;
  }

  /** Sets bit `index`; returns true if it was clear before (i.e. the set changed). */
  set(index: number): boolean {
    this.check(index);
    const i = index >>> 3;
    const mask = 0x80 >>> (index & 7);
    const b = this.bytes[i] as number;
    if ((b & mask) !== 0) return false;
    this.bytes[i] = b | mask;
    this.setCount++;
    return true;
  }

  /** Clears bit `index`; returns true if it was set before. */
  clear(index: number): boolean {
    this.check(index);
    const i = index >>> 3;
    const mask = 0x80 >>> (index & 7);
    const b = this.bytes[i] as number;
    if ((b & mask) === 0) return false;
    this.bytes[i] = b & ~mask;
    this.setCount--;
    return true;
  }

  setAll(): void {
    if (this.size === 0) return;
    this.bytes.fill(0xff);
    const spare = this.bytes.length * 8 - this.size;
    this.bytes[this.bytes.length - 1] = (0xff << spare) & 0xff;
    this.setCount = this.size;
  }

  clearAll(): void {
    this.bytes.fill(0);
    this.setCount = 0;
  }

  /** The wire form (a copy): ceil(size / 8) bytes, spare bits zero. */
  toBytes(): Uint8Array {
    return this.bytes.slice();
  }

  clone(): Bitfield {
    const bf = new Bitfield(this.size);
    bf.bytes.set(this.bytes);
    bf.setCount = this.setCount;
    return bf;
  }

  equals(other: Bitfield): boolean {
    if (other.size !== this.size || other.setCount !== this.setCount) return false;
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] !== other.bytes[i]) return false;
    return true;
  }

  /**
   * Index of the first set bit at or after `from`, or -1. Skips whole zero bytes, so walking all
   * set bits costs O(size / 8 + count).
   */
  nextSet(from: number): number {
    if (from < 0) from = 0;
    if (from >= this.size) return -1;
    const bytes = this.bytes;
    let i = from >>> 3;
    // Mask off bits before `from` in its byte.
    let b = (bytes[i] as number) & (0xff >>> (from & 7));
    while (b === 0) {
      i++;
      if (i >= bytes.length) return -1;
      b = bytes[i] as number;
    }
    // clz32 of a byte value counts 24 leading zero bits of padding.
    return i * 8 + Math.clz32(b) - 24;
  }

  /**
   * Index of the first bit at or after `from` set both here and in `other`, or -1: walks the
   * pieces a peer has that we also want, skipping whole bytes of those we do not.
   */
  nextSetIn(other: Bitfield, from: number): number {
    this.sameSize(other);
    if (from < 0) from = 0;
    if (from >= this.size) return -1;
    const bytes = this.bytes;
    const theirs = other.bytes;
    let i = from >>> 3;
    let b = (bytes[i] as number) & (theirs[i] as number) & (0xff >>> (from & 7));
    while (b === 0) {
      i++;
      if (i >= bytes.length) return -1;
      b = (bytes[i] as number) & (theirs[i] as number);
    }
    return i * 8 + Math.clz32(b) - 24;
  }

  /** Index of the first clear bit at or after `from`, or -1. */
  nextClear(from: number): number {
    if (from < 0) from = 0;
    if (from >= this.size) return -1;
    const bytes = this.bytes;
    let i = from >>> 3;
    let b = (~(bytes[i] as number) & 0xff) & (0xff >>> (from & 7));
    while (b === 0) {
      i++;
      if (i >= bytes.length) return -1;
      b = ~(bytes[i] as number) & 0xff;
    }
    const idx = i * 8 + Math.clz32(b) - 24;
    return idx < this.size ? idx : -1;
  }

  /** Calls `fn` for every set bit in increasing order. */
  forEachSet(fn: (index: number) => void): void {
    for (let i = this.nextSet(0); i !== -1; i = this.nextSet(i + 1)) fn(i);
  }

  /** Iterates the set bits in increasing order. */
  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = this.nextSet(0); i !== -1; i = this.nextSet(i + 1)) yield i;
  }

  /**
   * True if some bit is set here and clear in `other`: "does this peer have a piece we lack?",
   * the question behind the 'interested' message. O(size / 8).
   */
  hasAnyNotIn(other: Bitfield): boolean {
    this.sameSize(other);
    for (let i = 0; i < this.bytes.length; i++) {
      if (((this.bytes[i] as number) & ~(other.bytes[i] as number)) !== 0) return true;
    }
    return false;
  }

  /** True if some bit is set in both: "does this peer have a piece we want?". O(size / 8). */
  intersects(other: Bitfield): boolean {
    this.sameSize(other);
    for (let i = 0; i < this.bytes.length; i++) {
      if (((this.bytes[i] as number) & (other.bytes[i] as number)) !== 0) return true;
    }
    return false;
  }

  private sameSize(other: Bitfield): void {
    if (other.size !== this.size) {
      throw new SwarmError('SWARM_BAD_ARGUMENT', `bitfields of different sizes (${this.size} and ${other.size})`);
    }
  }

  private check(index: number): void {
    // `>>> 0` maps negatives, fractions and NaN to a different value, so one comparison covers them.
    if (index >>> 0 !== index || index >= this.size) {
      throw new SwarmError('SWARM_INDEX_RANGE', `piece index ${index} out of range [0, ${this.size})`);
    }
  }
}

function byteLength(size: number): number {
  return Math.ceil(size / 8);
}

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (POPCOUNT[i >> 1] as number) + (i & 1);
