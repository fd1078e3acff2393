// Messages between the hash pool (main thread) and its worker threads.
//
// Kept in one place so both ends agree on the shapes. Hashes are SHA-1 (BEP 3 pieces) and
// SHA-256 over 16 KiB blocks (BEP 52); the worker does no I/O and holds no state between jobs.

/** One v2 file region inside a job's data: it starts on a piece boundary of its file. */
export interface V2Segment {
  /** Offset of the region in the job's data. */
  readonly start: number;
  /** End (exclusive) of the region in the job's data. */
  readonly end: number;
  /** The whole file fits in one piece: its piece hash is its root (a tree only as wide as its blocks). */
  readonly onePiece: boolean;
}

export interface PiecesSpec {
  /** SHA-1 of each consecutive `sha1PieceLength` slice of the data (the last may be short). */
  readonly sha1PieceLength?: number;
  /** BEP 52 piece-layer hashes of each segment, piece by piece. */
  readonly v2?: { readonly pieceLength: number; readonly segments: readonly V2Segment[] };
}

/**
 * Part of the byte stream a `filePieces` job hashes: a range of a file the worker reads itself,
 * or a run of zeros. `fileLength`, when given, is checked once the range reaches it.
 */
export type StreamRange =
  | { readonly path: string; readonly position: number; readonly length: number; readonly fileLength?: number }
  | { readonly zeros: number };

export type JobSpec =
  | { readonly kind: 'sha1' }
  | { readonly kind: 'filePieces'; readonly ranges: readonly StreamRange[]; readonly spec: PiecesSpec }
  | { readonly kind: 'sha256Blocks' }
  | { readonly kind: 'pieces'; readonly spec: PiecesSpec }
  | { readonly kind: 'verifyV1'; readonly expected: Uint8Array }
  | {
      readonly kind: 'verifyV2';
      readonly expected: Uint8Array;
      readonly pieceLength: number;
      readonly onePiece: boolean;
    };

export type JobRequest = JobSpec & {
  readonly id: number;
  readonly data: Uint8Array;
  /** The data's buffer was transferred in: transfer it back with the reply. */
  readonly returnData: boolean;
};

export interface PiecesResult {
  /** Concatenated 20-byte SHA-1 digests, one per piece. */
  readonly sha1?: Uint8Array;
  /** Per segment: concatenated 32-byte piece-layer hashes. */
  readonly v2?: Uint8Array[];
}

export type JobResult =
  | { readonly kind: 'digest'; readonly digest: Uint8Array }
  | { readonly kind: 'pieces'; readonly pieces: PiecesResult }
  | { readonly kind: 'match'; readonly match: boolean };

export type JobReply =
  | { readonly id: number; readonly ok: true; readonly result: JobResult; readonly data?: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly code?: string; readonly data?: Uint8Array };
