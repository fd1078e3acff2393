// The hashing the pool's workers perform (BEP 3 SHA-1 pieces, BEP 52 SHA-256 blocks and piece roots).
//
// Synchronous and free of I/O so a worker thread can run it, and tests can compare it with the
// pool's answers. Inputs are byte views; outputs are freshly allocated so they can be transferred.
import * as crypto from 'node:crypto';
import { BLOCK_SIZE, HASH_SIZE, equalBytes, nextPowerOfTwo } from '../metainfo/merkle.js';
import type { JobResult, JobSpec, PiecesResult, PiecesSpec } from './protocol.js';

export const SHA1_SIZE = 20;

// crypto.hash (Node >= 20.12) skips building a Hash object: ~15% faster on 16 KiB blocks.
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** One-shot digest of a small buffer. */
export function digest(algorithm: 'sha1' | 'sha256', data: Uint8Array): Uint8Array {
  return oneShot ? oneShot(algorithm, data, 'buffer') : crypto.createHash(algorithm).update(data).digest();
}

export function sha1(data: Uint8Array): Uint8Array {
  // A plain Uint8Array of its own (not a Buffer that may sit in Node's shared pool): transferable.
  return new Uint8Array(digest('sha1', data));
}

// zeroRoots[k]: root of a subtree of 2^k zero leaves (BEP 52 pads a layer with these).
const zeroRoots: Uint8Array[] = [new Uint8Array(HASH_SIZE)];

function zeroRootAt(level: number): Uint8Array {
  while (zeroRoots.length <= level) {
    const z = zeroRoots[zeroRoots.length - 1] as Uint8Array;
    const pair = new Uint8Array(2 * HASH_SIZE);
    pair.set(z);
    pair.set(z, HASH_SIZE);
    zeroRoots.push(digest('sha256', pair));
  }
  return zeroRoots[level] as Uint8Array;
}

/**
 * BEP 52 piece hash from a piece's block hashes: the root of a tree `pieceLength / 16 KiB` leaves
 * wide (only as wide as the blocks need when the whole file is one piece), missing leaves zero.
 * The same value as merkle.ts pieceRoot, with one-shot digests over a reused 64-byte pair buffer:
 * this runs 64 times per MiB of v2 data, so the per-hash overhead shows.
 */
export function pieceRootOf(blockHashes: Uint8Array, pieceLength: number, onePiece: boolean): Uint8Array {
  let count = blockHashes.length / HASH_SIZE;
  const width = onePiece ? nextPowerOfTwo(count) : pieceLength / BLOCK_SIZE;
  if (count === 0) return zeroRootAt(Math.log2(width));
  let layer = blockHashes;
  const pair = new Uint8Array(2 * HASH_SIZE);
  for (let level = 0, w = width; w > 1; level++, w /= 2) {
    const pad = zeroRootAt(level);
    const next = Math.ceil(count / 2);
    const out = new Uint8Array(next * HASH_SIZE);
    for (let i = 0; i < next; i++) {
      pair.set(layer.subarray(2 * i * HASH_SIZE, (2 * i + 1) * HASH_SIZE));
      pair.set(2 * i + 1 < count ? layer.subarray((2 * i + 1) * HASH_SIZE, (2 * i + 2) * HASH_SIZE) : pad, HASH_SIZE);
      out.set(digest('sha256', pair), i * HASH_SIZE);
    }
    layer = out;
    count = next;
  }
  return layer.slice(0, HASH_SIZE);
}

/** SHA-256 of each 16 KiB block of `data` (the last may be short), concatenated. Empty data: none. */
export function sha256Blocks(data: Uint8Array): Uint8Array {
  const count = Math.ceil(data.length / BLOCK_SIZE);
  const out = new Uint8Array(count * HASH_SIZE);
  for (let i = 0; i < count; i++) {
    const block = data.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE);
    out.set(digest('sha256', block), i * HASH_SIZE);
  }
  return out;
}

/** SHA-1 of each `pieceLength` slice of `data`, concatenated. */
export function sha1Pieces(data: Uint8Array, pieceLength: number): Uint8Array {
  const count = Math.ceil(data.length / pieceLength);
  const out = new Uint8Array(count * SHA1_SIZE);
  for (let i = 0; i < count; i++) {
    const piece = data.subarray(i * pieceLength, (i + 1) * pieceLength);
    out.set(digest('sha1', piece), i * SHA1_SIZE);
  }
  return out;
}

/**
 * BEP 52 piece-layer hashes of a file region that starts on one of the file's piece boundaries:
 * each piece's blocks reduced to a piece root (padded to a full piece, unless the file is one piece).
 */
export function v2PieceHashes(region: Uint8Array, pieceLength: number, onePiece: boolean): Uint8Array {
  const count = Math.ceil(region.length / pieceLength);
  const out = new Uint8Array(count * HASH_SIZE);
  for (let i = 0; i < count; i++) {
    const blocks = sha256Blocks(region.subarray(i * pieceLength, (i + 1) * pieceLength));
    out.set(pieceRootOf(blocks, pieceLength, onePiece), i * HASH_SIZE);
  }
  return out;
}

export function hashPieces(data: Uint8Array, spec: PiecesSpec): PiecesResult {
  const result: { sha1?: Uint8Array; v2?: Uint8Array[] } = {};
  if (spec.sha1PieceLength !== undefined) result.sha1 = sha1Pieces(data, spec.sha1PieceLength);
  if (spec.v2) {
    const { pieceLength, segments } = spec.v2;
    result.v2 = segments.map((s) => v2PieceHashes(data.subarray(s.start, s.end), pieceLength, s.onePiece));
  }
  return result;
}

/** Runs an in-memory job (`filePieces` jobs read files: see read-hash.ts). */
export function runJob(spec: JobSpec, data: Uint8Array): JobResult {
  switch (spec.kind) {
    case 'filePieces':
      throw new Error('filePieces jobs run in read-hash.ts');
    case 'sha1':
      return { kind: 'digest', digest: sha1(data) };
    case 'sha256Blocks':
      return { kind: 'digest', digest: sha256Blocks(data) };
    case 'pieces':
      return { kind: 'pieces', pieces: hashPieces(data, spec.spec) };
    case 'verifyV1':
      return { kind: 'match', match: equalBytes(sha1(data), spec.expected) };
    case 'verifyV2': {
      if (data.length === 0 || data.length > spec.pieceLength) return { kind: 'match', match: false };
      const root = pieceRootOf(sha256Blocks(data), spec.pieceLength, spec.onePiece);
      return { kind: 'match', match: equalBytes(root, spec.expected) };
    }
  }
}
