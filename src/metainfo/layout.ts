// Piece-space planning for torrent creation (BEP 3 v1, BEP 52 v2, hybrid with BEP 47 padding).
//
// Given the files to publish, decides their order and their offsets in the piece space:
//   v1      the caller's order, files end to end.
//   v2      the order of the BEP 52 file tree: paths sorted component by component on the UTF-8
//           bytes of each name (the order bencoded dictionary keys take), which is a depth-first
//           walk of the tree. Each non-empty file starts on a piece boundary; the gaps are virtual.
//   hybrid  the v2 order and alignment, made explicit for v1 readers with padding files
//           (path ['.pad', '<n>'], attr 'p').
// The creator must hash the files in the order returned here (padding reads as zeros).
// Alignment rule, shared with the parser: after a non-empty file whose end is not on a piece
// boundary, the next offset is rounded up only if a non-empty file follows somewhere later. So
// zero-length files take no space and get no padding, and nothing pads the end of the torrent.
import { MetainfoError } from './errors.js';
import { MAX_PATH_DEPTH, checkComponent, checkUniquePaths } from './paths.js';
import type { TorrentVersion } from './types.js';

export const MIN_V2_PIECE_LENGTH = 16384;
/** Largest piece length shoal reads or writes (1 GiB). */
export const MAX_PIECE_LENGTH = 2 ** 30;

export interface LayoutInputFile {
  /** Path inside the torrent (without the torrent name), one element per component. */
  readonly path: readonly string[];
  readonly length: number;
  /** BEP 47 attributes ('x', 'h', ...). */
  readonly attr?: string;
  /** Modification time in seconds, written to the torrent when present. */
  readonly mtime?: number;
}

export interface PlannedFile {
  readonly path: readonly string[];
  readonly length: number;
  /** Offset in the piece space. */
  readonly offset: number;
  /** A BEP 47 padding file (hybrid only): reads as zeros, never on disk. */
  readonly pad: boolean;
  readonly attr: string;
  readonly mtime?: number;
}

const utf8 = new TextEncoder();

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Orders two paths as BEP 52 file trees do: component by component, on UTF-8 bytes. */
export function comparePaths(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = compareBytes(utf8.encode(a[i] as string), utf8.encode(b[i] as string));
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Sorts files into BEP 52 file-tree order (stable, does not modify the input). */
export function sortByTreeOrder<T extends { readonly path: readonly string[] }>(files: readonly T[]): T[] {
  const keyed = files.map((f) => ({ f, k: f.path.map((c) => utf8.encode(c)) }));
  keyed.sort((x, y) => {
    const n = Math.min(x.k.length, y.k.length);
    for (let i = 0; i < n; i++) {
      const d = compareBytes(x.k[i] as Uint8Array, y.k[i] as Uint8Array);
      if (d !== 0) return d;
    }
    return x.k.length - y.k.length;
  });
  return keyed.map((x) => x.f);
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** Throws METAINFO_BAD_PIECE_LENGTH unless `pieceLength` is valid for `version`. */
export function checkPieceLength(pieceLength: number, version: TorrentVersion, field = 'info.piece length'): void {
  if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0) {
    throw new MetainfoError('METAINFO_BAD_PIECE_LENGTH', `must be a positive integer, found ${pieceLength}`, field);
  }
  if (pieceLength > MAX_PIECE_LENGTH) {
    throw new MetainfoError('METAINFO_BAD_PIECE_LENGTH', `${pieceLength} is larger than ${MAX_PIECE_LENGTH}`, field);
  }
  if (version !== 'v1' && (pieceLength < MIN_V2_PIECE_LENGTH || !isPowerOfTwo(pieceLength))) {
    throw new MetainfoError(
      'METAINFO_BAD_PIECE_LENGTH',
      `a v2 piece length must be a power of two of at least 16 KiB, found ${pieceLength}`,
      field,
    );
  }
}

/**
 * Offsets under the shared alignment rule (see module comment). `aligned` false gives v1's
 * contiguous layout. Returns one offset per file and the end of the piece space.
 */
export function alignedOffsets(lengths: readonly number[], pieceLength: number, aligned: boolean): { offsets: number[]; end: number } {
  const offsets: number[] = [];
  let lastNonEmpty = -1;
  lengths.forEach((l, i) => {
    if (l > 0) lastNonEmpty = i;
  });
  let cursor = 0;
  let end = 0;
  lengths.forEach((l, i) => {
    offsets.push(cursor);
    cursor += l;
    end = Math.max(end, cursor);
    if (aligned && l > 0 && i < lastNonEmpty) cursor = Math.ceil(cursor / pieceLength) * pieceLength;
  });
  return { offsets, end };
}

function badInput(message: string, field: string): never {
  throw new MetainfoError('METAINFO_BAD_BUILD_INPUT', message, field);
}

/**
 * Lays out `files` in the piece space of a torrent of `version` (see module comment).
 * Throws MetainfoError for unsafe or duplicate paths, bad lengths or a bad piece length.
 */
export function planPieceSpace(files: readonly LayoutInputFile[], pieceLength: number, version: TorrentVersion): PlannedFile[] {
  checkPieceLength(pieceLength, version, 'pieceLength');
  if (files.length === 0) throw new MetainfoError('METAINFO_NO_FILES', 'no files to lay out', 'files');
  let total = 0;
  files.forEach((f, i) => {
    if (f.path.length === 0) badInput('empty path', `files[${i}].path`);
    if (f.path.length > MAX_PATH_DEPTH - 1) badInput(`path deeper than ${MAX_PATH_DEPTH - 1} components`, `files[${i}].path`);
    f.path.forEach((c, j) => checkComponent(c, `files[${i}].path[${j}]`));
    if (!Number.isSafeInteger(f.length) || f.length < 0) badInput(`bad length ${f.length}`, `files[${i}].length`);
    total += f.length;
    if (!Number.isSafeInteger(total)) badInput('total length out of range', `files[${i}].length`);
  });
  checkUniquePaths(files.map((f) => ({ path: f.path, pad: false })), 'files');

  const ordered = version === 'v1' ? [...files] : sortByTreeOrder(files);
  const { offsets } = alignedOffsets(ordered.map((f) => f.length), pieceLength, version !== 'v1');
  const out: PlannedFile[] = [];
  let cursor = 0;
  ordered.forEach((f, i) => {
    const offset = offsets[i] as number;
    if (version === 'hybrid' && offset > cursor) {
      const n = offset - cursor;
      out.push({ path: ['.pad', String(n)], length: n, offset: cursor, pad: true, attr: 'p' });
    }
    out.push({ path: [...f.path], length: f.length, offset, pad: false, attr: f.attr ?? '', ...(f.mtime !== undefined ? { mtime: f.mtime } : {}) });
    cursor = offset + f.length;
  });
  if (!Number.isSafeInteger(cursor)) badInput('piece space too large', 'files');
  return out;
}
