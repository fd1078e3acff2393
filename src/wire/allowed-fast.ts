// BEP 6 allowed fast set: the canonical piece indices a peer at a given IPv4 address may download
// while choked. Both sides can compute it, so the set is the same for every client. SHA-1 only
// (node:crypto hashing is allowed in pure layers).
import { createHash } from 'node:crypto';
import { WireError } from './errors.js';
import { readU32 } from './bytes.js';

/**
 * The first `k` indices of the allowed fast set of the peer at `ipv4` (4 bytes, network order)
 * for `infoHash`, in generation order. `k` is clamped to the piece count.
 */
export function allowedFastSet(k: number, pieceCount: number, infoHash: Uint8Array, ipv4: Uint8Array): number[] {
  if (ipv4.length !== 4) throw new WireError('WIRE_BAD_ARGUMENT', `allowed fast set needs an IPv4 address, got ${ipv4.length} bytes`);
  if (infoHash.length !== 20) throw new WireError('WIRE_BAD_ARGUMENT', `info hash must be 20 bytes, got ${infoHash.length}`);
  if (!Number.isInteger(k) || k < 0 || !Number.isInteger(pieceCount) || pieceCount < 0 || pieceCount > 0xffffffff) {
    throw new WireError('WIRE_BAD_ARGUMENT', `bad allowed fast set size ${k} for ${pieceCount} pieces`);
  }
  const want = Math.min(k, pieceCount);
  const out: number[] = [];
  const seen = new Set<number>();
  let x: Uint8Array = new Uint8Array(24);
  x.set(ipv4.subarray(0, 3), 0); // the low octet is masked off (0xFFFFFF00 & ip)
  x.set(infoHash, 4);
  // Each round yields 5 candidates; the bound only matters for a k close to the piece count.
  for (let round = 0; out.length < want && round < 1000 * (want + 1); round++) {
    x = createHash('sha1').update(x).digest();
    for (let i = 0; i < 5 && out.length < want; i++) {
      const index = readU32(x, i * 4) % pieceCount;
      if (!seen.has(index)) {
        seen.add(index);
        out.push(index);
      }
    }
  }
  return out;
}
