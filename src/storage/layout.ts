// Piece <-> file mapping over a torrent's "piece space" (BEP 3 multi-file concatenation, BEP 47
// padding files, BEP 52 per-file piece alignment).
//
// Files lie end to end at their `offset`; pieces of `pieceLength` bytes cover the space and the
// last one may be short. Bytes that belong to no data file (BEP 47 padding files, the virtual
// alignment gaps of pure v2 torrents) are zeros and never touch the disk, so the mapping only ever
// yields spans of real, non-empty files. Lookups binary-search the sorted data-file offsets.
import { StorageError } from './errors.js';

/** One file of the piece space; a TorrentFile from src/metainfo fits this shape. */
export interface StorageFile {
  /** Path components, already made safe for the disk by the metainfo layer. */
  readonly path: readonly string[];
  readonly length: number;
  /** Byte offset of the file in the piece space. */
  readonly offset: number;
  /** BEP 47 padding file: never stored, reads as zeros. */
  readonly pad: boolean;
  /** BEP 47 attributes ('x' executable, 'h' hidden, 'l' symlink, 'p' padding); optional. */
  readonly attr?: string;
}

export interface StorageLayout {
  readonly pieceLength: number;
  readonly pieceCount: number;
  readonly files: readonly StorageFile[];
}

/** A stretch of one file inside a queried byte range. */
export interface FileSpan {
  readonly fileIndex: number;
  /** Where the span starts inside the file. */
  readonly fileOffset: number;
  readonly length: number;
  /** Where the span starts relative to the start of the queried range. */
  readonly rangeOffset: number;
}

/** Pieces [first, end) that a file touches; empty (first === end) for empty and padding files. */
export interface PieceRange {
  readonly first: number;
  readonly end: number;
}

/** Largest piece we accept: every piece is held in memory whole at some point. */
export const STORAGE_MAX_PIECE_LENGTH = 2 ** 30;
const MAX_PIECES = 2 ** 31 - 1;

function bad(message: string): never {
  throw new StorageError('STORAGE_BAD_LAYOUT', `storage layout: ${message}`);
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** A validated layout with fast piece/file lookups. Construct once per torrent. */
export class PieceMap implements StorageLayout {
  readonly pieceLength: number;
  readonly pieceCount: number;
  readonly files: readonly StorageFile[];
  /** End of the piece space (end of the last file, padding included). */
  readonly spaceLength: number;
  // Data files (non-padding, non-empty) in piece-space order, as parallel arrays.
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly index: Int32Array;
  private multiFile: number[] | undefined;

  constructor(layout: StorageLayout) {
    const { pieceLength, pieceCount, files } = layout;
    if (!isCount(pieceLength) || pieceLength === 0 || pieceLength > STORAGE_MAX_PIECE_LENGTH) {
      bad(`piece length ${pieceLength} is not an integer in 1..${STORAGE_MAX_PIECE_LENGTH}`);
    }
    if (!isCount(pieceCount) || pieceCount > MAX_PIECES) bad(`piece count ${pieceCount} is invalid`);
    let space = 0;
    let prevEnd = 0;
    const data: number[] = [];
    files.forEach((f, i) => {
      if (!isCount(f.length) || !isCount(f.offset) || !Number.isSafeInteger(f.offset + f.length)) {
        bad(`file ${i} has an invalid offset ${f.offset} or length ${f.length}`);
      }
      if (!Array.isArray(f.path)) bad(`file ${i} has no path`);
      if (f.length === 0) return;
      if (f.offset < prevEnd) bad(`file ${i} at offset ${f.offset} overlaps the previous file ending at ${prevEnd}`);
      prevEnd = f.offset + f.length;
      space = prevEnd;
      if (!f.pad) data.push(i);
    });
    // Empty files hold no bytes, so where they sit (even past the last alignment gap) does not matter.
    const expected = Math.ceil(space / pieceLength);
    if (pieceCount !== expected) {
      bad(`piece count ${pieceCount} does not cover ${space} bytes in pieces of ${pieceLength} (expected ${expected})`);
    }
    this.pieceLength = pieceLength;
    this.pieceCount = pieceCount;
    this.files = files;
    this.spaceLength = space;
    this.starts = new Float64Array(data.length);
    this.ends = new Float64Array(data.length);
    this.index = new Int32Array(data.length);
    data.forEach((fi, k) => {
      const f = files[fi] as StorageFile;
      this.starts[k] = f.offset;
      this.ends[k] = f.offset + f.length;
      this.index[k] = fi;
    });
  }

  static of(layout: StorageLayout | PieceMap): PieceMap {
    return layout instanceof PieceMap ? layout : new PieceMap(layout);
  }

  /** Number of real (non-padding, non-empty) files. */
  get dataFileCount(): number {
    return this.index.length;
  }

  /** Length of `piece` (the last piece may be short). */
  pieceSize(piece: number): number {
    this.checkPiece(piece);
    return Math.min(this.pieceLength, this.spaceLength - piece * this.pieceLength);
  }

  /** Length of the last piece (0 for an empty torrent). */
  get lastPieceSize(): number {
    return this.pieceCount === 0 ? 0 : this.pieceSize(this.pieceCount - 1);
  }

  /** File spans covering [offset, offset + length) of the piece space; gaps and padding are skipped. */
  spans(offset: number, length: number): FileSpan[] {
    if (!isCount(offset) || !isCount(length) || offset + length > this.spaceLength) {
      throw new StorageError('STORAGE_OUT_OF_RANGE', `storage: range ${offset}+${length} lies outside the piece space of ${this.spaceLength} bytes`);
    }
    const out: FileSpan[] = [];
    if (length === 0) return out;
    const end = offset + length;
    for (let k = this.firstEndingAfter(offset); k < this.index.length; k++) {
      const s = this.starts[k] as number;
      if (s >= end) break;
      const from = Math.max(s, offset);
      const to = Math.min(this.ends[k] as number, end);
      out.push({ fileIndex: this.index[k] as number, fileOffset: from - s, length: to - from, rangeOffset: from - offset });
    }
    return out;
  }

  /** File spans of a whole piece. */
  pieceSpans(piece: number): FileSpan[] {
    return this.spans(piece * this.pieceLength, this.pieceSize(piece));
  }

  /** File spans of a block (begin/length relative to the piece), as asked for in a `request`. */
  blockSpans(piece: number, begin: number, length: number): FileSpan[] {
    const size = this.pieceSize(piece);
    if (!isCount(begin) || !isCount(length) || begin + length > size) {
      throw new StorageError('STORAGE_OUT_OF_RANGE', `storage: block ${begin}+${length} lies outside piece ${piece} of ${size} bytes`);
    }
    return this.spans(piece * this.pieceLength + begin, length);
  }

  /** Pieces a file touches; an empty range for empty and padding files. */
  filePieces(fileIndex: number): PieceRange {
    const f = this.file(fileIndex);
    if (f.length === 0 || f.pad) {
      const p = Math.min(Math.floor(f.offset / this.pieceLength), this.pieceCount);
      return { first: p, end: p };
    }
    return {
      first: Math.floor(f.offset / this.pieceLength),
      end: Math.ceil((f.offset + f.length) / this.pieceLength),
    };
  }

  /**
   * End of the last real file byte within a piece (0 when it holds none). For BEP 52 pieces this is
   * the length to hash: a v2 piece layer covers a file's bytes only, not the alignment gap after it.
   */
  pieceDataEnd(piece: number): number {
    const spans = this.pieceSpans(piece);
    const last = spans[spans.length - 1];
    return last === undefined ? 0 : last.rangeOffset + last.length;
  }

  /** Indices of the data files a piece touches, in order. */
  filesOfPiece(piece: number): number[] {
    return this.pieceSpans(piece).map((s) => s.fileIndex);
  }

  /** True when every piece the file touches is set in `bitfield` (empty files are always complete). */
  isFileComplete(fileIndex: number, bitfield: Uint8Array): boolean {
    const { first, end } = this.filePieces(fileIndex);
    for (let p = first; p < end; p++) {
      const byte = bitfield[p >>> 3];
      if (byte === undefined || (byte & (0x80 >>> (p & 7))) === 0) return false;
    }
    return true;
  }

  /**
   * Pieces that hold bytes of two or more data files, ascending. Only these can straddle a skipped
   * and a wanted file, so they bound the size of the part file.
   */
  multiFilePieces(): readonly number[] {
    if (this.multiFile) return this.multiFile;
    const out: number[] = [];
    const pl = this.pieceLength;
    for (let k = 1; k < this.index.length; k++) {
      // Data file k shares a piece with file k-1 when k-1's last piece is k's first piece.
      const prevLast = Math.floor(((this.ends[k - 1] as number) - 1) / pl);
      const first = Math.floor((this.starts[k] as number) / pl);
      if (prevLast === first && out[out.length - 1] !== first) out.push(first);
    }
    this.multiFile = out;
    return out;
  }

  file(fileIndex: number): StorageFile {
    const f = this.files[fileIndex];
    if (f === undefined) throw new StorageError('STORAGE_OUT_OF_RANGE', `storage: no file ${fileIndex}`);
    return f;
  }

  private checkPiece(piece: number): void {
    if (!isCount(piece) || piece >= this.pieceCount) {
      throw new StorageError('STORAGE_OUT_OF_RANGE', `storage: piece ${piece} out of range (0..${this.pieceCount - 1})`);
    }
  }

  /** Index (into the data-file arrays) of the first data file whose end is past `offset`. */
  private firstEndingAfter(offset: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ends[mid] as number) <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
