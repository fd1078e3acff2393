// Hash checks of whole pieces, off the main thread (BEP 3 SHA-1; BEP 52 SHA-256 Merkle pieces).
//
// v1 pieces hash to their 20-byte entry in `pieces`. v2 pieces hash to their entry in the file's
// piece layer, or, for a file of one piece, to the file's `pieces root`; only the file's own bytes
// count, the alignment gap after a file's end is not hashed. Hybrid torrents carry both; checking
// the v1 hash is enough to pin the data (the info hash covers it) and costs half as much.
// The piece buffer travels to a worker and back without a copy.
import type { HashPool } from '../hashing/index.js';
import { equalBytes, type Metainfo, type TorrentFile } from '../metainfo/index.js';
import { bytesKey } from '../bencode/index.js';

export interface VerifiedPiece {
  readonly ok: boolean;
  /** The piece's bytes, handed back by the worker. */
  readonly data: Uint8Array;
}

export class PieceChecker {
  /** For v2: the file each piece belongs to (undefined for gaps / pad-only pieces). */
  private readonly v2Files: (TorrentFile | undefined)[] | undefined;

  constructor(private readonly meta: Metainfo, private readonly pool: HashPool) {
    if (!meta.pieces) {
      const owners: (TorrentFile | undefined)[] = new Array(meta.pieceCount);
      for (const f of meta.files) {
        if (f.pad || f.length === 0) continue;
        const first = Math.floor(f.offset / meta.pieceLength);
        const last = Math.floor((f.offset + f.length - 1) / meta.pieceLength);
        for (let p = first; p <= last; p++) owners[p] = f;
      }
      this.v2Files = owners;
    }
  }

  /** Hashes `data` (ownership passes to the pool and comes back in the result). */
  async verify(piece: number, data: Uint8Array, signal?: AbortSignal): Promise<VerifiedPiece> {
    const { meta } = this;
    const opts = { transfer: ownsWholeBuffer(data), ...(signal ? { signal } : {}) };
    if (meta.pieces) {
      const expected = meta.pieces.subarray(piece * 20, piece * 20 + 20);
      const r = await this.pool.hashPieces(data, { sha1PieceLength: data.length }, opts);
      return { ok: !!r.sha1 && equalBytes(r.sha1, expected), data: r.data ?? data };
    }
    const file = this.v2Files?.[piece];
    if (!file?.piecesRoot) return { ok: false, data };
    const k = (piece * meta.pieceLength - file.offset) / meta.pieceLength;
    const onePiece = file.length <= meta.pieceLength;
    const fileBytes = Math.min(meta.pieceLength, file.length - k * meta.pieceLength);
    let expected: Uint8Array | undefined;
    if (onePiece) expected = file.piecesRoot;
    else expected = meta.pieceLayers?.get(bytesKey(file.piecesRoot))?.subarray(k * 32, k * 32 + 32);
    if (!expected || expected.length !== 32) return { ok: false, data };
    const r = await this.pool.hashPieces(
      data,
      { v2: { pieceLength: meta.pieceLength, segments: [{ start: 0, end: fileBytes, onePiece }] } },
      opts,
    );
    const got = r.v2?.[0];
    return { ok: !!got && equalBytes(got, expected), data: r.data ?? data };
  }

  /** The storage layer's verifier interface (startup checks). */
  asStorageVerifier(): { verify(piece: number, data: Uint8Array): Promise<boolean> } {
    return { verify: async (piece, data) => (await this.verify(piece, data)).ok };
  }
}

/** Only a view over a whole ArrayBuffer may be transferred; anything else is copied by the pool. */
function ownsWholeBuffer(data: Uint8Array): boolean {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && !(data.buffer instanceof SharedArrayBuffer);
}
