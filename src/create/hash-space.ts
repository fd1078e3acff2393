// Hashes a torrent's piece space straight from disk on the hash pool (BEP 3 SHA-1 pieces, BEP 47
// zero padding, BEP 52 per-file Merkle trees).
//
// The space is cut into jobs of about `chunkSize` bytes, each a list of file ranges and zero runs;
// the workers read and hash them themselves (hashing/read-hash.ts), so file data never crosses
// the main thread and memory does not grow with the files: a bounded number of jobs is in flight
// (the pool's back-pressure) and each worker reads through one cache-sized buffer. Results land
// at fixed positions (piece index, file piece index), so the output does not depend on the
// number of threads or on the order jobs finish in.
//
// v1 and hybrid jobs cover the piece space itself, gaps and padding as zeros. v2 jobs skip the
// alignment gaps (v2 does not hash them): they hold whole pieces of files, each run of a file
// padded with zeros only to the next 16 KiB block boundary.
import { AbortedError, isShoalError } from '../errors.js';
import type { HashPool, PiecesSpec, StreamRange, V2Segment } from '../hashing/index.js';
import { BLOCK_SIZE, HASH_SIZE, nextPowerOfTwo, rootFromLayer, zeroRoot, type FileTree } from '../metainfo/merkle.js';
import { CreateError } from './errors.js';

export interface SpaceFile {
  /** Where to read the file; null for a BEP 47 padding file (zeros). */
  readonly source: string | null;
  readonly length: number;
  /** Offset in the piece space (v2: non-empty files start on a piece boundary). */
  readonly offset: number;
}

export interface HashSpaceOptions {
  /** In piece-space order. */
  readonly files: readonly SpaceFile[];
  readonly pieceLength: number;
  /** Compute v1 SHA-1 piece hashes over the whole space, gaps and padding read as zeros. */
  readonly v1: boolean;
  /** Compute a BEP 52 tree for each non-empty real file. */
  readonly v2: boolean;
  readonly pool: HashPool;
  /** Bytes per job (rounded up to a multiple of the piece length). Default 4 MiB. */
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
  /** Bytes of real file data hashed so far, and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface HashSpaceResult {
  /** v1: concatenated 20-byte SHA-1 per piece. */
  readonly pieces?: Uint8Array;
  /** v2: one tree per real, non-empty file, in order. */
  readonly v2Files?: FileTree[];
}

export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

interface Segment extends V2Segment {
  /** Index among real non-empty files. */
  readonly file: number;
  /** Index of the segment's first piece within its file. */
  readonly firstPiece: number;
}

interface Job {
  readonly ranges: StreamRange[];
  /** v1: index of the job's first piece in the space. */
  readonly firstPiece: number;
  readonly segments: Segment[];
  readonly realBytes: number;
}

interface Plan {
  readonly files: readonly SpaceFile[];
  readonly pieceLength: number;
  readonly chunkSize: number;
  readonly spaceEnd: number;
  readonly v2: boolean;
  /** Space index -> index among real non-empty files. */
  readonly realIndex: ReadonlyMap<number, number>;
}

function fileRange(f: SpaceFile, position: number, length: number): StreamRange {
  return { path: f.source as string, position, length, fileLength: f.length };
}

/** v1 and hybrid: consecutive slices of the piece space, gaps and padding as zeros. */
function* spaceJobs(p: Plan): Generator<Job> {
  let next = 0;
  for (let start = 0; start < p.spaceEnd; start += p.chunkSize) {
    const end = Math.min(start + p.chunkSize, p.spaceEnd);
    const ranges: StreamRange[] = [];
    const segments: Segment[] = [];
    let realBytes = 0;
    let cursor = start;
    for (let i = next; i < p.files.length; i++) {
      const f = p.files[i] as SpaceFile;
      const fEnd = f.offset + f.length;
      if (f.offset >= end && f.length > 0) break;
      const from = Math.max(f.offset, start);
      const to = Math.min(fEnd, end);
      if (to > from) {
        if (from > cursor) ranges.push({ zeros: from - cursor });
        if (f.source === null) ranges.push({ zeros: to - from });
        else {
          ranges.push(fileRange(f, from - f.offset, to - from));
          realBytes += to - from;
          if (p.v2) {
            const file = p.realIndex.get(i) as number;
            const firstPiece = (from - f.offset) / p.pieceLength;
            segments.push({ start: from - start, end: to - start, onePiece: f.length <= p.pieceLength, file, firstPiece });
          }
        }
        cursor = to;
      }
      if (fEnd <= end) next = i + 1;
    }
    if (cursor < end) ranges.push({ zeros: end - cursor });
    yield { ranges, firstPiece: start / p.pieceLength, segments, realBytes };
  }
}

/** v2 only: whole pieces of the files back to back, each run padded to a 16 KiB block boundary. */
function* fileJobs(p: Plan): Generator<Job> {
  let job: { ranges: StreamRange[]; segments: Segment[]; length: number; realBytes: number } = {
    ranges: [],
    segments: [],
    length: 0,
    realBytes: 0,
  };
  const flush = (): Job => {
    const out = { ranges: job.ranges, firstPiece: 0, segments: job.segments, realBytes: job.realBytes };
    job = { ranges: [], segments: [], length: 0, realBytes: 0 };
    return out;
  };
  for (const [i, file] of p.realIndex) {
    const f = p.files[i] as SpaceFile;
    let pos = 0;
    while (pos < f.length) {
      const room = Math.floor((p.chunkSize - job.length) / p.pieceLength) * p.pieceLength;
      if (room <= 0) {
        yield flush();
        continue;
      }
      const take = Math.min(f.length - pos, room);
      job.ranges.push(fileRange(f, pos, take));
      const onePiece = f.length <= p.pieceLength;
      job.segments.push({ start: job.length, end: job.length + take, onePiece, file, firstPiece: pos / p.pieceLength });
      job.length += take;
      job.realBytes += take;
      const tail = take % BLOCK_SIZE;
      if (tail !== 0) {
        job.ranges.push({ zeros: BLOCK_SIZE - tail });
        job.length += BLOCK_SIZE - tail;
      }
      pos += take;
    }
  }
  if (job.ranges.length > 0) yield flush();
}

export async function hashPieceSpace(o: HashSpaceOptions): Promise<HashSpaceResult> {
  const { files, pieceLength, pool, signal } = o;
  let spaceEnd = 0;
  for (const f of files) spaceEnd = Math.max(spaceEnd, f.offset + f.length);
  const chunkSize = Math.ceil(Math.max(o.chunkSize ?? DEFAULT_CHUNK_SIZE, pieceLength) / pieceLength) * pieceLength;
  const realIndex = new Map<number, number>();
  const layers: Uint8Array[] = [];
  let total = 0;
  files.forEach((f, i) => {
    if (f.source === null || f.length === 0) return;
    total += f.length;
    if (o.v2 && f.offset % pieceLength !== 0) throw new RangeError(`v2 file at offset ${f.offset} is not piece-aligned`);
    realIndex.set(i, layers.length);
    layers.push(new Uint8Array(Math.ceil(f.length / pieceLength) * HASH_SIZE));
  });
  const pieces = o.v1 ? new Uint8Array(Math.ceil(spaceEnd / pieceLength) * 20) : undefined;
  const plan: Plan = { files, pieceLength, chunkSize, spaceEnd, v2: o.v2, realIndex };
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  let done = 0;
  o.onProgress?.(0, total);

  try {
    for (const job of o.v1 ? spaceJobs(plan) : fileJobs(plan)) {
      if (failure !== undefined) break;
      if (signal?.aborted) throw new AbortedError('torrent creation aborted', { cause: signal.reason });
      await pool.waitForCapacity(signal);
      const spec: PiecesSpec = {
        ...(o.v1 ? { sha1PieceLength: pieceLength } : {}),
        ...(o.v2 ? { v2: { pieceLength, segments: job.segments.map(({ start, end, onePiece }) => ({ start, end, onePiece })) } } : {}),
      };
      const p: Promise<void> = pool
        .hashFiles(job.ranges, spec, signal ? { signal } : {})
        .then((r) => {
          if (pieces && r.sha1) pieces.set(r.sha1, job.firstPiece * 20);
          job.segments.forEach((s, k) => {
            const hashes = r.v2?.[k];
            if (hashes) (layers[s.file] as Uint8Array).set(hashes, s.firstPiece * HASH_SIZE);
          });
          done += job.realBytes;
          o.onProgress?.(done, total);
        })
        .catch((e: unknown) => {
          failure ??= e;
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
  } catch (e) {
    failure ??= e;
  } finally {
    await Promise.all(inflight);
  }
  if (failure !== undefined) throw translate(failure);

  const result: { pieces?: Uint8Array; v2Files?: FileTree[] } = {};
  if (pieces) result.pieces = pieces;
  if (o.v2) result.v2Files = layers.map((layer) => treeFromLayer(layer, pieceLength));
  return result;
}

function translate(e: unknown): unknown {
  if (!isShoalError(e)) return e;
  const message = e.message.replace(/^hash pool: /, '');
  if (e.code === 'HASH_FILE_CHANGED') return new CreateError('CREATE_FILE_CHANGED', message, { cause: e });
  if (e.code === 'HASH_READ_FAILED') return new CreateError('CREATE_READ_FAILED', message, { cause: e });
  return e;
}

/** The file's root from its piece layer, as merkle.ts fileTreeFromBlockHashes computes it. */
function treeFromLayer(layer: Uint8Array, pieceLength: number): FileTree {
  const count = layer.length / HASH_SIZE;
  if (count === 1) return { root: layer.slice(), pieceLayer: layer };
  return { root: rootFromLayer(layer, nextPowerOfTwo(count), zeroRoot(pieceLength / BLOCK_SIZE)), pieceLayer: layer };
}
