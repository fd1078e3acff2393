// Records every write that reaches the wrapped Storage, in order. Interop and engine tests use it
// to prove that only verified pieces are ever written (each record can be checked against the
// piece hashes) and that no piece is written twice.
import { DelegatingStorage } from './delegating-storage.js';
import { pieceBuffers } from './plan.js';
import type { IoOptions, PieceWrite, Storage } from './types.js';

export interface WriteRecord {
  /** Order of the write among all recorded writes, from 0. */
  readonly seq: number;
  readonly piece: number;
  readonly length: number;
  /** A copy of the bytes, when the recorder keeps data. */
  readonly data?: Uint8Array;
}

export interface RecordingOptions {
  /** Keep a copy of each piece's bytes (default false: memory grows with the torrent). */
  readonly keepData?: boolean;
  /** Called synchronously for each write before it is passed on; throwing makes the write fail. */
  readonly onWrite?: (record: WriteRecord) => void;
}

export class RecordingStorage extends DelegatingStorage {
  readonly writes: WriteRecord[] = [];
  reads = 0;

  constructor(inner: Storage, private readonly opts: RecordingOptions = {}) {
    super(inner);
  }

  override writePieces(writes: readonly PieceWrite[], opts?: IoOptions): Promise<void> {
    try {
      for (const w of writes) {
        const bufs = pieceBuffers(w.data);
        let length = 0;
        for (const b of bufs) length += b.length;
        let data: Uint8Array | undefined;
        if (this.opts.keepData) {
          data = new Uint8Array(length);
          let at = 0;
          for (const b of bufs) {
            data.set(b, at);
            at += b.length;
          }
        }
        const record: WriteRecord = data ? { seq: this.writes.length, piece: w.piece, length, data } : { seq: this.writes.length, piece: w.piece, length };
        this.writes.push(record);
        this.opts.onWrite?.(record);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return this.inner.writePieces(writes, opts);
  }

  override readBlock(piece: number, begin: number, length: number, opts?: IoOptions): Promise<Uint8Array> {
    this.reads++;
    return this.inner.readBlock(piece, begin, length, opts);
  }

  override readPiece(piece: number, opts?: IoOptions): Promise<Uint8Array> {
    this.reads++;
    return this.inner.readPiece(piece, opts);
  }

  /** Pieces written more than once (expected to be empty for a healthy engine). */
  duplicates(): number[] {
    const seen = new Set<number>();
    const dup = new Set<number>();
    for (const w of this.writes) (seen.has(w.piece) ? dup : seen).add(w.piece);
    return [...dup].sort((a, b) => a - b);
  }
}
