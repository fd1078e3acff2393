// The shapes of the piece picker's public API (options, inputs and results); see piece-picker.ts.
import type { Bitfield } from './bitfield.js';
import type { PieceGeometry } from './geometry.js';
import type { Random } from './random.js';
import type { PeerId } from './types.js';

export interface PiecePickerOptions {
  geometry: PieceGeometry;
  /** Uniform [0, 1) source for tie-breaking; inject a seeded one for reproducible runs. */
  random: Random;
  /** Pieces already verified (e.g. found on disk at start). */
  have?: Bitfield;
  /** Download in index order (streaming). Default false. */
  sequential?: boolean;
  /** Random piece selection until this many pieces are verified. Default 4. */
  randomFirstPieces?: number;
  /** Cap on pieces in progress. Default max(8, floor(256 MiB / pieceLength)). */
  maxPiecesInProgress?: number;
  /** End-game: most outstanding requests for one block. Default 3. */
  endgameMaxRequesters?: number;
  /**
   * End-game: a peer is given duplicate requests only while it has fewer than this many requests
   * outstanding, and only up to that many. Default 1 (only a peer with an empty queue).
   */
  endgameQueue?: number;
  /** Priority of every piece at start, 0..7. Default 4. */
  defaultPriority?: number;
}

export interface PickOptions {
  /** The peer is choking us: only these pieces (its BEP 6 allowed-fast set) may be requested. */
  fastAllowed?: ReadonlySet<number>;
}

export interface PriorityRange {
  firstPiece: number;
  /** Inclusive. */
  lastPiece: number;
  priority: number;
}

export interface BlockReceivedResult {
  /** The data is new: write it. False for a duplicate or for a piece we do not want. */
  accepted: boolean;
  /** This peer had an outstanding request for the block (false: unsolicited, see BEP 6). */
  requested: boolean;
  /** Other peers whose requests for this block must be cancelled (end-game duplicates). */
  cancel: readonly PeerId[];
  /** Every block of the piece is now received: hash it, then pieceVerified or pieceFailed. */
  pieceComplete: boolean;
}
