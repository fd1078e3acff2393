// SHA-256 Merkle trees of BEP 52.
//
// A v2 file is hashed in 16 KiB blocks; the block hashes are the leaves of a binary tree whose
// leaf count is padded to a power of two with zero hashes (32 zero bytes). The file's
// `pieces root` is the tree's root. The `piece layers` entry holds the layer where one hash covers
// `piece length` bytes; it is only stored for files larger than one piece, and hashes that cover
// nothing but padding are left out. Above that layer, missing nodes are the root of a subtree of
// zero leaves of the same height.
import { createHash } from 'node:crypto';

export const BLOCK_SIZE = 16384;
export const HASH_SIZE = 32;
const ZERO = new Uint8Array(HASH_SIZE);

export function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

export function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(left).update(right).digest();
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Root of a subtree of `leaves` zero leaves (`leaves` a power of two). */
export function zeroRoot(leaves: number): Uint8Array {
  let h: Uint8Array = ZERO;
  for (let n = 1; n < leaves; n *= 2) h = hashPair(h, h);
  return h;
}

/**
 * Reduces one layer of hashes to a root, padding the layer to `width` (a power of two) with `pad`.
 * `layer` is concatenated 32-byte hashes.
 */
export function rootFromLayer(layer: Uint8Array, width: number, pad: Uint8Array = ZERO): Uint8Array {
  let nodes: Uint8Array[] = [];
  for (let i = 0; i < layer.length; i += HASH_SIZE) nodes.push(layer.subarray(i, i + HASH_SIZE));
  if (nodes.length === 0) nodes.push(pad);
  let padding = pad;
  let w = width;
  while (w > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < w; i += 2) next.push(hashPair(nodes[i] ?? padding, nodes[i + 1] ?? padding));
    nodes = next;
    padding = hashPair(padding, padding);
    w /= 2;
  }
  return nodes[0] as Uint8Array;
}

export interface FileTree {
  /** The file's `pieces root`. */
  readonly root: Uint8Array;
  /** Concatenated piece-layer hashes: one per piece of the file (even when the file is one piece). */
  readonly pieceLayer: Uint8Array;
}

/**
 * Builds the tree of one non-empty file from its block hashes (concatenated 32-byte SHA-256 of each
 * 16 KiB block, the last one possibly short). Pure and synchronous: the hashing of the blocks
 * themselves is done elsewhere, off the main thread.
 */
export function fileTreeFromBlockHashes(blockHashes: Uint8Array, pieceLength: number): FileTree {
  const blocks = blockHashes.length / HASH_SIZE;
  if (blocks === 0) throw new RangeError('an empty file has no Merkle tree');
  const blocksPerPiece = pieceLength / BLOCK_SIZE;
  const pieces = Math.ceil(blocks / blocksPerPiece);
  const layer = new Uint8Array(pieces * HASH_SIZE);
  if (pieces === 1) {
    // A file of at most one piece: its tree is only as wide as its own blocks need.
    const root = rootFromLayer(blockHashes, nextPowerOfTwo(blocks));
    layer.set(root);
    return { root, pieceLayer: layer };
  }
  for (let p = 0; p < pieces; p++) {
    const slice = blockHashes.subarray(p * blocksPerPiece * HASH_SIZE, (p + 1) * blocksPerPiece * HASH_SIZE);
    layer.set(rootFromLayer(slice, blocksPerPiece), p * HASH_SIZE);
  }
  const root = rootFromLayer(layer, nextPowerOfTwo(pieces), zeroRoot(blocksPerPiece));
  return { root, pieceLayer: layer };
}

/** Checks a stored piece layer against a file's root (BEP 52: a torrent is invalid otherwise). */
export function layerMatchesRoot(layer: Uint8Array, root: Uint8Array, pieceLength: number): boolean {
  const pieces = layer.length / HASH_SIZE;
  if (!Number.isInteger(pieces) || pieces === 0) return false;
  const got = rootFromLayer(layer, nextPowerOfTwo(pieces), zeroRoot(pieceLength / BLOCK_SIZE));
  return equalBytes(got, root);
}

/**
 * The hash a v2 piece must have: the root of the piece's blocks padded to a full piece
 * (`blocksPerPiece` leaves), except a file that fits in one piece, whose only piece hashes to the
 * file root (a tree only as wide as its blocks).
 */
export function pieceRoot(blockHashes: Uint8Array, pieceLength: number, fileIsOnePiece: boolean): Uint8Array {
  const blocks = blockHashes.length / HASH_SIZE;
  const width = fileIsOnePiece ? nextPowerOfTwo(blocks) : pieceLength / BLOCK_SIZE;
  return rootFromLayer(blockHashes, width);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
