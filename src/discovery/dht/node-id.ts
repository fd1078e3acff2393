// 160-bit DHT ids and the XOR metric (BEP 5): distance comparison, shared-prefix length, random
// ids inside a routing-table bucket's range. Pure.
import { ID_LENGTH } from '../../krpc/index.js';

export { ID_LENGTH };

/** Bytes from an injected source (crypto in production, a seeded PRNG in tests and the simulator). */
export type RandomBytes = (n: number) => Uint8Array;

/** Number of leading bits `a` and `b` share (160 when equal). */
export function commonPrefixBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_LENGTH; i++) {
    const x = ((a[i] as number) ^ (b[i] as number)) & 0xff;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return ID_LENGTH * 8;
}

/** Negative when `a` is closer to `target` than `b`, positive when farther, 0 when equal. */
export function compareDistance(a: Uint8Array, b: Uint8Array, target: Uint8Array): number {
  for (let i = 0; i < ID_LENGTH; i++) {
    const t = target[i] as number;
    const da = (a[i] as number) ^ t;
    const db = (b[i] as number) ^ t;
    if (da !== db) return da - db;
  }
  return 0;
}

export function idEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The XOR distance as bytes. */
export function distance(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(ID_LENGTH);
  for (let i = 0; i < ID_LENGTH; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

/**
 * A random id that shares exactly `prefixBits` leading bits with `base` (the next bit differs),
 * or at least `prefixBits` when `exact` is false: the range of one routing-table bucket.
 */
export function randomIdWithPrefix(base: Uint8Array, prefixBits: number, exact: boolean, randomBytes: RandomBytes): Uint8Array {
  const out = randomBytes(ID_LENGTH).slice(0, ID_LENGTH);
  const full = prefixBits >> 3;
  out.set(base.subarray(0, full), 0);
  const rem = prefixBits & 7;
  if (full < ID_LENGTH) {
    const keep = (0xff00 >> rem) & 0xff; // the top `rem` bits come from base
    out[full] = ((base[full] as number) & keep) | ((out[full] as number) & ~keep & 0xff);
    if (exact) {
      const flip = 0x80 >> rem;
      out[full] = ((out[full] as number) & ~flip & 0xff) | (~(base[full] as number) & flip);
    }
  }
  return out;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** 40 hex digits to a 20-byte id, or undefined. */
export function idFromHex(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) return undefined;
  const out = new Uint8Array(ID_LENGTH);
  for (let i = 0; i < ID_LENGTH; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** An id (or any short byte string) as a compact Map key: one char per byte. */
export function idKey(id: Uint8Array): string {
  let s = '';
  for (let i = 0; i < id.length; i++) s += String.fromCharCode(id[i] as number);
  return s;
}
