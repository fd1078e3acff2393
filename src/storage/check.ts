// Verification of data already on disk (BEP 3: a piece counts only once its hash matches).
// Only pieces whose files are all present at full size are read; reads run ahead of verification
// in a small window, so the disk and the hashing workers are busy at the same time.
import { AbortedError } from '../errors.js';
import { createBitfield, hasPiece, setPiece } from './bitfield.js';
import { StorageError } from './errors.js';
import type { Storage } from './types.js';

/** Checks one piece's bytes against its hash (SHA-1 for v1, the v2 piece layer, or both for hybrids). */
export interface PieceVerifier {
  verify(piece: number, data: Uint8Array): Promise<boolean>;
}

export interface CheckProgress {
  /** Pieces looked at so far (read and verified, or failed to read). */
  readonly checked: number;
  /** Pieces that will be looked at (those present on disk). */
  readonly total: number;
  /** Pieces whose hash matched. */
  readonly verified: number;
  /** Bytes read so far. */
  readonly bytes: number;
}

export interface CheckOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: CheckProgress) => void;
  /** A piece that could not be read (it is reported missing, never fatal). */
  readonly onWarning?: (warning: StorageError) => void;
  /** Pieces in flight between read and verify (default: ~32 MiB worth, between 2 and 16). */
  readonly window?: number;
  /** Restrict the check to these pieces (a bitfield); default all present pieces. */
  readonly only?: Uint8Array;
}

/** Reads and verifies every piece that could be on disk; returns the bitfield of verified pieces. */
export async function checkExisting(storage: Storage, verifier: PieceVerifier, opts: CheckOptions = {}): Promise<Uint8Array> {
  const { layout } = storage;
  const { signal } = opts;
  const throwIfAborted = (): void => {
    if (signal?.aborted) throw new AbortedError('storage: check aborted', { cause: signal.reason });
  };
  throwIfAborted();
  const present = await storage.presentPieces({ signal });
  const todo: number[] = [];
  for (let p = 0; p < layout.pieceCount; p++) {
    if (hasPiece(present, p) && (opts.only === undefined || hasPiece(opts.only, p))) todo.push(p);
  }
  const result = createBitfield(layout.pieceCount);
  const window = opts.window ?? Math.max(2, Math.min(16, Math.ceil((32 * 1024 * 1024) / layout.pieceLength)));
  let next = 0;
  let checked = 0;
  let verified = 0;
  let bytes = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      throwIfAborted();
      const piece = todo[next++] as number;
      let data: Uint8Array | undefined;
      try {
        data = await storage.readPiece(piece, { signal });
      } catch (e) {
        if (!(e instanceof StorageError)) throw e;
        opts.onWarning?.(e);
      }
      if (data) {
        bytes += data.length;
        throwIfAborted();
        if (await verifier.verify(piece, data)) {
          setPiece(result, piece);
          verified++;
        }
      }
      checked++;
      opts.onProgress?.({ checked, total: todo.length, verified, bytes });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(window, todo.length)) }, worker));
  return result;
}
