// The storage interface the engine talks to (in the spirit of libtorrent's disk_interface and
// anacrolix's storage/interface.go). Every call is async and bounded: a write promise settles only
// once its bytes are handed to the OS, so a caller that awaits its writes cannot run ahead of the
// disk. The engine writes only hash-verified whole pieces; nothing unverified ever reaches a file.
import type { PieceMap } from './layout.js';

export interface IoOptions {
  readonly signal?: AbortSignal;
}

/** The data of one verified piece: one buffer, or its blocks in order (written without copying). */
export type PieceData = Uint8Array | readonly Uint8Array[];

export interface PieceWrite {
  readonly piece: number;
  readonly data: PieceData;
}

/** Size and modification time of a stored file; null where the file does not exist. */
export interface FileStat {
  readonly size: number;
  /** Whole milliseconds. */
  readonly mtimeMs: number;
}

/** What the resume file compares on start: a mismatch means the bitfield cannot be trusted. */
export interface StorageFingerprint {
  /** One entry per layout file; null for absent files and padding files. */
  readonly files: readonly (FileStat | null)[];
  /** The part file holding skipped-file bytes of straddling pieces; null when absent. */
  readonly part: FileStat | null;
}

export interface Storage {
  readonly layout: PieceMap;

  /** Bytes [begin, begin + length) of a piece; padding and gaps read as zeros. */
  readBlock(piece: number, begin: number, length: number, opts?: IoOptions): Promise<Uint8Array>;
  /** A whole piece. */
  readPiece(piece: number, opts?: IoOptions): Promise<Uint8Array>;
  /** Stores one verified piece; resolves once the bytes are with the OS. */
  writePiece(piece: number, data: PieceData, opts?: IoOptions): Promise<void>;
  /** Stores many verified pieces; adjacent bytes of one file are coalesced into one positional writev. */
  writePieces(writes: readonly PieceWrite[], opts?: IoOptions): Promise<void>;
  /** Bytes accepted by writePiece(s) and not yet written: a signal for the engine to slow down. */
  readonly pendingWriteBytes: number;

  isFileWanted(fileIndex: number): boolean;
  /** A piece is wanted when it holds bytes of at least one wanted file. */
  isPieceWanted(piece: number): boolean;
  /**
   * Wanted (priority > 0) or skipped (priority 0). Skipped files are never created; bytes of theirs
   * that share a piece with a wanted file go to the part file. Wanting a file again moves its bytes
   * out of the part file.
   */
  setFileWanted(fileIndex: number, wanted: boolean, opts?: IoOptions): Promise<void>;

  /** Pieces whose bytes could all be on disk (files present at full size); nothing is read. */
  presentPieces(opts?: IoOptions): Promise<Uint8Array>;
  fingerprint(opts?: IoOptions): Promise<StorageFingerprint>;

  /** Waits until every accepted write has been handed to the OS. */
  flush(opts?: IoOptions): Promise<void>;
  /** flush(), then makes written data durable (fsync) and creates wanted empty files. */
  sync(opts?: IoOptions): Promise<void>;
  /** A file is complete: make it durable and apply its BEP 47 attributes ('x' -> executable). */
  finishFile(fileIndex: number, opts?: IoOptions): Promise<void>;
  /** flush() and release every resource; idempotent. Later calls fail with STORAGE_CLOSED. */
  close(): Promise<void>;
}
