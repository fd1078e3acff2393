// Pure planning of piece reads and writes: which bytes go to which file (or to the part file) at
// which position, and how adjacent writes coalesce into one positional writev. Buffers are never
// copied here, only sliced (subarray views of the caller's blocks).
import { StorageError } from './errors.js';
import type { FileSpan, PieceMap } from './layout.js';
import type { PieceData } from './types.js';

/** Target id of the part file (real files are targets 0..n-1 by file index). */
export const PART_TARGET = -1;

/** Linux IOV_MAX: one writev takes at most this many buffers. */
export const MAX_IOV = 1024;

/** One positional write: `buffers` go to `target` at `position`, back to back. */
export interface WriteRun {
  readonly target: number;
  /** File offset; for the part file, the piece-space offset (the backend maps it to a slot). */
  readonly position: number;
  length: number;
  readonly buffers: Uint8Array[];
  /** Indices (into the batch) of the pieces whose bytes are in this run. */
  readonly owners: number[];
  /** Piece of a part-file run (part runs never cross pieces: each piece has its own slot). */
  readonly piece: number;
}

export function pieceBuffers(data: PieceData): readonly Uint8Array[] {
  return data instanceof Uint8Array ? [data] : data;
}

export function dataLength(buffers: readonly Uint8Array[]): number {
  let n = 0;
  for (const b of buffers) n += b.length;
  return n;
}

/** Views of [start, start + length) across consecutive buffers, without copying. */
export function sliceBuffers(buffers: readonly Uint8Array[], start: number, length: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  const end = start + length;
  for (const b of buffers) {
    const bEnd = pos + b.length;
    if (bEnd > start && pos < end) {
      const from = Math.max(start, pos) - pos;
      const to = Math.min(end, bEnd) - pos;
      out.push(from === 0 && to === b.length ? b : b.subarray(from, to));
    }
    pos = bEnd;
    if (pos >= end) break;
  }
  return out;
}

/**
 * Where the bytes of a piece go: each wanted file's span to that file. When the piece also holds
 * bytes of a skipped file (only allowed if some file of it is wanted; otherwise the piece is
 * refused), the whole piece is also copied to its part-file slot. Keeping the piece whole there
 * means the slot is right for every file of the piece, whichever of them are skipped or wanted
 * later, at the cost of writing a few boundary pieces twice.
 */
export function planPieceWrite(
  map: PieceMap,
  piece: number,
  buffers: readonly Uint8Array[],
  owner: number,
  wanted: (fileIndex: number) => boolean,
): WriteRun[] {
  const size = map.pieceSize(piece);
  const got = dataLength(buffers);
  if (got !== size) {
    throw new StorageError('STORAGE_BAD_PIECE_SIZE', `storage: piece ${piece} is ${size} bytes, got ${got}`);
  }
  const spans = map.pieceSpans(piece);
  const runs: WriteRun[] = [];
  let skipped = false;
  for (const s of spans) {
    if (!wanted(s.fileIndex)) {
      skipped = true;
      continue;
    }
    runs.push({
      target: s.fileIndex,
      position: s.fileOffset,
      length: s.length,
      buffers: sliceBuffers(buffers, s.rangeOffset, s.length),
      owners: [owner],
      piece,
    });
  }
  if (skipped) {
    if (runs.length === 0) throw new StorageError('STORAGE_PIECE_NOT_WANTED', `storage: piece ${piece} lies only in skipped files`);
    runs.push({ target: PART_TARGET, position: piece * map.pieceLength, length: size, buffers: [...buffers], owners: [owner], piece });
  }
  return runs;
}

/**
 * Merges runs that continue each other in the same target into single writes (sorted by target and
 * position), at most `maxIov` buffers each. Part-file runs merge only within one piece.
 */
export function coalesceRuns(runs: readonly WriteRun[], maxIov = MAX_IOV): WriteRun[] {
  const sorted = [...runs].sort((a, b) => a.target - b.target || a.position - b.position);
  const out: WriteRun[] = [];
  let cur: WriteRun | undefined;
  for (const r of sorted) {
    if (
      cur !== undefined && cur.target === r.target && cur.position + cur.length === r.position &&
      (r.target !== PART_TARGET || cur.piece === r.piece) && cur.buffers.length + r.buffers.length <= maxIov
    ) {
      cur.buffers.push(...r.buffers);
      cur.length += r.length;
      for (const o of r.owners) if (cur.owners[cur.owners.length - 1] !== o) cur.owners.push(o);
      continue;
    }
    cur = { ...r, buffers: [...r.buffers], owners: [...r.owners] };
    out.push(cur);
  }
  return out;
}

/** One stretch of a read: copy `length` bytes from `target` at `position` into the result at `rangeOffset`. */
export interface ReadSegment {
  readonly target: number;
  readonly position: number;
  readonly length: number;
  readonly rangeOffset: number;
}

/**
 * Read plan for [begin, begin + length) of a piece. Skipped files are read from the part file when it
 * holds the piece (always whole there), else from the file itself (it may exist from before it was
 * skipped). Bytes not covered by any segment (padding, gaps) are zeros.
 */
export function planRead(
  map: PieceMap,
  piece: number,
  begin: number,
  length: number,
  fromPart: (span: FileSpan) => boolean,
): ReadSegment[] {
  const spans = map.blockSpans(piece, begin, length);
  const rangeStart = piece * map.pieceLength + begin;
  return spans.map((s) =>
    fromPart(s)
      ? { target: PART_TARGET, position: rangeStart + s.rangeOffset, length: s.length, rangeOffset: s.rangeOffset }
      : { target: s.fileIndex, position: s.fileOffset, length: s.length, rangeOffset: s.rangeOffset },
  );
}
