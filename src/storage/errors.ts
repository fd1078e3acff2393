// Typed errors of the storage layer. Every failure carries a stable `code` and, for I/O, the path
// and operation involved, so the session can tell "this piece is gone" from "the disk is full".
import { ShoalError } from '../errors.js';

export type StorageErrorCode =
  /** The layout handed to storage is inconsistent (overlaps, wrong piece count, bad sizes). */
  | 'STORAGE_BAD_LAYOUT'
  /** A file path would resolve outside the download folder. */
  | 'STORAGE_PATH_ESCAPE'
  /** A piece index, block offset or length lies outside the piece space. */
  | 'STORAGE_OUT_OF_RANGE'
  /** The data given for a piece does not have the piece's length. */
  | 'STORAGE_BAD_PIECE_SIZE'
  /** A piece lies only in skipped files (priority 0): there is nowhere to keep it. */
  | 'STORAGE_PIECE_NOT_WANTED'
  /** A read needs a file that does not exist (yet). */
  | 'STORAGE_FILE_MISSING'
  /** A file is shorter than the read needs (truncated behind our back). */
  | 'STORAGE_SHORT_READ'
  /** Any other file-system failure; `cause` holds the Node error. */
  | 'STORAGE_IO'
  /** The storage was closed. */
  | 'STORAGE_CLOSED'
  /** A resume file could not be decoded or does not belong to this torrent. */
  | 'STORAGE_RESUME_CORRUPT'
  /** A failure injected by FaultyStorage (tests only). */
  | 'STORAGE_INJECTED_FAULT';

export class StorageError extends ShoalError {
  declare readonly code: StorageErrorCode;
  /** File involved, when there is one. */
  readonly path: string | undefined;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown; path?: string }) {
    super(code, message, options);
    this.path = options?.path;
  }
}

/** Wraps a Node file-system error into a StorageError naming the operation and the file. */
export function ioError(op: string, path: string, cause: unknown): StorageError {
  const errno = (cause as { code?: unknown } | null)?.code;
  if (errno === 'ENOENT' && (op === 'open' || op === 'read')) {
    return new StorageError('STORAGE_FILE_MISSING', `storage: ${path} does not exist`, { cause, path });
  }
  const detail = typeof errno === 'string' ? errno : cause instanceof Error ? cause.message : String(cause);
  return new StorageError('STORAGE_IO', `storage: ${op} ${path} failed (${detail})`, { cause, path });
}
