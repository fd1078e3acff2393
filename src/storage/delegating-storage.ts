// A Storage that forwards every call to another one: the base of test wrappers that observe or
// disturb a real backend without re-implementing it.
import type { PieceMap } from './layout.js';
import type { IoOptions, PieceData, PieceWrite, Storage, StorageFingerprint } from './types.js';

export class DelegatingStorage implements Storage {
  constructor(readonly inner: Storage) {}

  get layout(): PieceMap {
    return this.inner.layout;
  }
  get pendingWriteBytes(): number {
    return this.inner.pendingWriteBytes;
  }
  readBlock(piece: number, begin: number, length: number, opts?: IoOptions): Promise<Uint8Array> {
    return this.inner.readBlock(piece, begin, length, opts);
  }
  readPiece(piece: number, opts?: IoOptions): Promise<Uint8Array> {
    return this.inner.readPiece(piece, opts);
  }
  writePiece(piece: number, data: PieceData, opts?: IoOptions): Promise<void> {
    return this.writePieces([{ piece, data }], opts);
  }
  writePieces(writes: readonly PieceWrite[], opts?: IoOptions): Promise<void> {
    return this.inner.writePieces(writes, opts);
  }
  isFileWanted(fileIndex: number): boolean {
    return this.inner.isFileWanted(fileIndex);
  }
  isPieceWanted(piece: number): boolean {
    return this.inner.isPieceWanted(piece);
  }
  setFileWanted(fileIndex: number, wanted: boolean, opts?: IoOptions): Promise<void> {
    return this.inner.setFileWanted(fileIndex, wanted, opts);
  }
  presentPieces(opts?: IoOptions): Promise<Uint8Array> {
    return this.inner.presentPieces(opts);
  }
  fingerprint(opts?: IoOptions): Promise<StorageFingerprint> {
    return this.inner.fingerprint(opts);
  }
  flush(opts?: IoOptions): Promise<void> {
    return this.inner.flush(opts);
  }
  sync(opts?: IoOptions): Promise<void> {
    return this.inner.sync(opts);
  }
  finishFile(fileIndex: number, opts?: IoOptions): Promise<void> {
    return this.inner.finishFile(fileIndex, opts);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
