// After a v2 magnet link's info dictionary: the piece layers (BEP 52), which are not in the info
// dictionary and must come from peers through 'hash request' / 'hashes' / 'hash reject'. Each file
// larger than one piece needs its layer; it is asked in blocks of at most 512 hashes, each block
// of one peer at a time, and the assembled layer is checked against the file's root (the info
// hash vouches for the roots), so a peer can only waste our time, never poison the torrent.
import { bytesKey } from '../bencode/index.js';
import { BLOCK_SIZE, equalBytes as equal, HASH_SIZE, layerMatchesRoot, nextPowerOfTwo, type Metainfo } from '../metainfo/index.js';
import type { HashRequestFields } from '../wire/index.js';

const MAX_HASHES_PER_REQUEST = 512;
const REQUEST_TIMEOUT_MS = 20_000;

interface Block {
  readonly fields: HashRequestFields;
  peer: string | undefined;
  sentAt: number;
  hashes: Uint8Array | undefined;
  from: string | undefined;
}

interface FileLayer {
  readonly root: Uint8Array;
  readonly pieces: number;
  readonly blocks: Block[];
}

export class LayerCollector {
  private readonly files: FileLayer[] = [];
  private readonly done = new Map<string, Uint8Array>();
  private readonly baseLayer: number;

  constructor(private readonly meta: Metainfo) {
    this.baseLayer = Math.log2(meta.pieceLength / BLOCK_SIZE);
    for (const f of meta.files) {
      if (f.pad || !f.piecesRoot || f.length <= meta.pieceLength) continue;
      const pieces = Math.ceil(f.length / meta.pieceLength);
      const width = nextPowerOfTwo(pieces);
      const length = Math.min(MAX_HASHES_PER_REQUEST, width);
      const blocks: Block[] = [];
      for (let index = 0; index < pieces; index += length) {
        blocks.push({ fields: { piecesRoot: f.piecesRoot, baseLayer: this.baseLayer, index, length, proofLayers: 0 }, peer: undefined, sentAt: 0, hashes: undefined, from: undefined });
      }
      this.files.push({ root: f.piecesRoot, pieces, blocks });
    }
  }

  get complete(): boolean {
    return this.files.length === this.done.size;
  }

  /** The verified layers, by pieces root (latin1 key), once complete. */
  get layers(): ReadonlyMap<string, Uint8Array> {
    return this.done;
  }

  /** Requests to send now, spread over `peers` (one outstanding block per peer at a time). */
  poll(peers: readonly string[], now: number): { peer: string; fields: HashRequestFields }[] {
    const busy = new Set<string>();
    const open: Block[] = [];
    for (const f of this.files) {
      if (this.done.has(bytesKey(f.root))) continue;
      for (const b of f.blocks) {
        if (b.hashes) continue;
        if (b.peer !== undefined && now - b.sentAt < REQUEST_TIMEOUT_MS && peers.includes(b.peer)) busy.add(b.peer);
        else open.push(b);
      }
    }
    const out: { peer: string; fields: HashRequestFields }[] = [];
    const idle = peers.filter((p) => !busy.has(p));
    for (const b of open) {
      // A block that timed out goes to someone else if possible.
      const peer = idle.find((p) => p !== b.peer) ?? idle[0];
      if (peer === undefined) break;
      idle.splice(idle.indexOf(peer), 1);
      b.peer = peer;
      b.sentAt = now;
      out.push({ peer, fields: b.fields });
    }
    return out;
  }

  /** A 'hash reject': the block goes back to the pool. */
  rejected(peer: string, f: HashRequestFields): void {
    const b = this.find(f);
    if (b && b.peer === peer) b.peer = undefined;
  }

  /**
   * A 'hashes' answer. Returns the peers to distrust when a file's assembled layer does not
   * match its root (the blocks of that file are fetched again).
   */
  received(peer: string, f: HashRequestFields, hashes: Uint8Array): string[] {
    const b = this.find(f);
    if (!b || b.hashes || hashes.length < f.length * HASH_SIZE) return [];
    b.hashes = hashes.subarray(0, f.length * HASH_SIZE);
    b.from = peer;
    const file = this.files.find((x) => x.blocks.includes(b)) as FileLayer;
    if (file.blocks.some((x) => !x.hashes)) return [];
    const layer = new Uint8Array(file.pieces * HASH_SIZE);
    let off = 0;
    for (const x of file.blocks) {
      const take = Math.min((x.hashes as Uint8Array).length, layer.length - off);
      layer.set((x.hashes as Uint8Array).subarray(0, take), off);
      off += take;
    }
    if (layerMatchesRoot(layer, file.root, this.meta.pieceLength)) {
      this.done.set(bytesKey(file.root), layer);
      return [];
    }
    const liars = [...new Set(file.blocks.map((x) => x.from).filter((x): x is string => x !== undefined))];
    for (const x of file.blocks) {
      x.hashes = undefined;
      x.from = undefined;
      x.peer = undefined;
    }
    return liars;
  }

  private find(f: HashRequestFields): Block | undefined {
    for (const file of this.files) {
      for (const b of file.blocks) {
        const q = b.fields;
        if (q.index === f.index && q.length === f.length && q.baseLayer === f.baseLayer && equal(q.piecesRoot, f.piecesRoot)) return b;
      }
    }
    return undefined;
  }
}
