// BEP 52 hash requests, the serving side: answers "give me hashes [index, index+length) of the
// piece layer of the file with this root, plus `proof layers` uncle hashes" from the torrent's
// piece layers. Only the piece layer can be served from metadata alone (leaf hashes would need
// the data), which is what magnet-started v2 peers ask for. Levels above the piece layer are built
// once per file and kept.
import { bytesKey } from '../bencode/index.js';
import { BLOCK_SIZE, HASH_SIZE, hashPair, nextPowerOfTwo, zeroRoot } from './merkle.js';
import type { Metainfo } from './types.js';

export interface HashRequestFields {
  readonly piecesRoot: Uint8Array;
  readonly baseLayer: number;
  readonly index: number;
  readonly length: number;
  readonly proofLayers: number;
}

/** Layers of one file's tree from the piece layer (level 0, padded to a power of two) to the root. */
function buildLevels(layer: Uint8Array, pieceLength: number): Uint8Array[][] {
  const n = layer.length / HASH_SIZE;
  const width = nextPowerOfTwo(n);
  let pad = zeroRoot(pieceLength / BLOCK_SIZE);
  let level: Uint8Array[] = [];
  for (let i = 0; i < width; i++) level.push(i < n ? layer.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE) : pad);
  const levels = [level];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(hashPair(level[i] as Uint8Array, level[i + 1] as Uint8Array));
    pad = hashPair(pad, pad);
    level = next;
    levels.push(level);
  }
  return levels;
}

export class HashLayerServer {
  private readonly trees = new Map<string, Uint8Array[][]>();
  private readonly pieceLayerHeight: number;

  constructor(private readonly meta: Metainfo, private readonly maxTrees = 64) {
    this.pieceLayerHeight = Math.log2(meta.pieceLength / BLOCK_SIZE);
  }

  /** The `hashes` payload for a request, or undefined when it must be rejected. */
  answer(r: HashRequestFields): Uint8Array | undefined {
    const layers = this.meta.pieceLayers;
    if (!layers || r.baseLayer !== this.pieceLayerHeight) return undefined;
    const key = bytesKey(r.piecesRoot);
    const layer = layers.get(key);
    if (!layer) return undefined;
    if (!(r.length >= 2) || (r.length & (r.length - 1)) !== 0 || r.index % r.length !== 0) return undefined;
    let levels = this.trees.get(key);
    if (!levels) {
      levels = buildLevels(layer, this.meta.pieceLength);
      if (this.trees.size >= this.maxTrees) this.trees.delete(this.trees.keys().next().value as string);
      this.trees.set(key, levels);
    }
    const base = levels[0] as Uint8Array[];
    if (r.index + r.length > base.length) return undefined;
    const out: Uint8Array[] = base.slice(r.index, r.index + r.length);
    // Proof: the sibling of the requested block's subtree root, then of each ancestor, up to
    // `proofLayers` layers counted from the base (the ones inside the block are omitted).
    const span = Math.log2(r.length);
    const uncles = Math.max(0, r.proofLayers - (span - 1));
    for (let t = 0; t < uncles; t++) {
      const level = levels[span + t];
      if (!level || level.length < 2) break;
      const pos = (r.index >> (span + t)) ^ 1;
      out.push(level[pos] as Uint8Array);
    }
    const bytes = new Uint8Array(out.length * HASH_SIZE);
    out.forEach((h, i) => bytes.set(h, i * HASH_SIZE));
    return bytes;
  }
}
