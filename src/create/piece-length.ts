// Piece length for a new torrent (BEP 3; BEP 52 requires a power of two of at least 16 KiB).
//
// Aim for 1000-2000 pieces: fewer makes each piece a large unit of loss and of verification
// latency, more makes the metainfo (20 bytes a piece in v1, 32 in v2 piece layers) grow.
import { CreateError } from './errors.js';

export const MIN_PIECE_LENGTH = 16 * 1024;
/** Largest length picked automatically. */
export const MAX_AUTO_PIECE_LENGTH = 16 * 1024 * 1024;
/** Largest length accepted when given explicitly (each read buffer holds at least one piece). */
export const MAX_PIECE_LENGTH = 64 * 1024 * 1024;
const TARGET_MAX_PIECES = 2000;

/** The smallest power of two in [16 KiB, 16 MiB] that covers `totalBytes` in at most ~2000 pieces. */
export function choosePieceLength(totalBytes: number): number {
  let p = MIN_PIECE_LENGTH;
  while (p < MAX_AUTO_PIECE_LENGTH && Math.ceil(totalBytes / p) > TARGET_MAX_PIECES) p *= 2;
  return p;
}

export function checkPieceLength(pieceLength: number): number {
  const ok =
    Number.isSafeInteger(pieceLength) &&
    pieceLength >= MIN_PIECE_LENGTH &&
    pieceLength <= MAX_PIECE_LENGTH &&
    (pieceLength & (pieceLength - 1)) === 0;
  if (!ok) {
    throw new CreateError(
      'CREATE_BAD_PIECE_LENGTH',
      `piece length ${pieceLength} must be a power of two between ${MIN_PIECE_LENGTH} and ${MAX_PIECE_LENGTH} bytes`,
    );
  }
  return pieceLength;
}
