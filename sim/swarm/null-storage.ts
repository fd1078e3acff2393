// Storage for simulated peers, which carry no data: writes are accepted and forgotten, and every
// read is a view of one shared zero buffer of a piece's length. The engine serves blocks as views
// of what readPiece returns, so 10,000 uploading peers allocate nothing for data.
import { PieceMap, type StorageLayout } from '../../src/storage/layout.js';
import type { PieceData, PieceWrite, Storage, StorageFingerprint } from '../../src/storage/types.js';

const DONE: Promise<void> = Promise.resolve();

export class NullStorage implements Storage {
  readonly layout: PieceMap;
  readonly pendingWriteBytes = 0;
  private readonly zeros: Uint8Array;
  /** One settled promise per piece size in use (the last piece may be short). */
  private readonly full: Promise<Uint8Array>;
  private readonly last: Promise<Uint8Array>;
  private readonly lastPiece: number;
  /** Pieces written since creation (the simulator checks the engine writes each piece once). */
  writes = 0;

  /** `zeros` may be shared by every NullStorage of one torrent. */
  constructor(layout: StorageLayout | PieceMap, zeros?: Uint8Array) {
    this.layout = PieceMap.of(layout);
    this.zeros = zeros ?? new Uint8Array(this.layout.pieceLength);
    this.lastPiece = this.layout.pieceCount - 1;
    this.full = Promise.resolve(this.zeros.subarray(0, this.layout.pieceLength));
    this.last = Promise.resolve(this.zeros.subarray(0, this.layout.pieceSize(this.lastPiece)));
  }

  readPiece(piece: number): Promise<Uint8Array> {
    return piece === this.lastPiece ? this.last : this.full;
  }

  readBlock(_piece: number, _begin: number, length: number): Promise<Uint8Array> {
    return Promise.resolve(this.zeros.subarray(0, length));
  }

  writePiece(_piece: number, _data: PieceData): Promise<void> {
    this.writes++;
    return DONE;
  }

  writePieces(writes: readonly PieceWrite[]): Promise<void> {
    this.writes += writes.length;
    return DONE;
  }

  isFileWanted(): boolean {
    return true;
  }

  isPieceWanted(): boolean {
    return true;
  }

  setFileWanted(): Promise<void> {
    return DONE;
  }

  presentPieces(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(Math.ceil(this.layout.pieceCount / 8)));
  }

  fingerprint(): Promise<StorageFingerprint> {
    return Promise.resolve({ files: this.layout.files.map(() => null), part: null });
  }

  flush(): Promise<void> {
    return DONE;
  }

  sync(): Promise<void> {
    return DONE;
  }

  finishFile(): Promise<void> {
    return DONE;
  }

  close(): Promise<void> {
    return DONE;
  }
}
