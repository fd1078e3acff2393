// Streams a torrent's piece space from disk through the hash pool (BEP 3 SHA-1 pieces, BEP 47
// zero padding, BEP 52 per-file Merkle trees).
//
// The piece space is read in large chunks (a multiple of the piece length) into a small ring of
// SharedArrayBuffers: the workers hash a chunk in place while the next one is read, and a buffer
// is reused as soon as its job is done, so memory stays at `buffers * chunkSize` whatever the
// size of the files. Results land at fixed positions (piece index, file piece index), so the
// output does not depend on the number of threads or on the order jobs finish in.
import { open, type FileHandle } from 'node:fs/promises';
import { AbortedError } from '../errors.js';
import type { HashPool, V2Segment } from '../hashing/index.js';
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
  /** Bytes read per job (rounded up to a multiple of the piece length). Default 4 MiB. */
  readonly chunkSize?: number;
  /** Read buffers in the ring. Default: the pool's capacity for running jobs plus two. */
  readonly buffers?: number;
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

class Ring {
  private readonly free: Uint8Array[] = [];
  private readonly waiters: ((b: Uint8Array) => void)[] = [];
  private allocated = 0;

  constructor(
    private readonly count: number,
    private readonly size: number,
  ) {}

  acquire(): Promise<Uint8Array> {
    const b = this.free.pop();
    if (b) return Promise.resolve(b);
    if (this.allocated < this.count) {
      this.allocated++;
      return Promise.resolve(new Uint8Array(new SharedArrayBuffer(this.size)));
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(b: Uint8Array): void {
    const w = this.waiters.shift();
    if (w) w(b);
    else this.free.push(b);
  }
}

/** Sequential reader over the files of the space: keeps the current file open. */
class Reader {
  private fh: FileHandle | undefined;
  private current = -1;

  constructor(private readonly files: readonly SpaceFile[]) {}

  async read(index: number, into: Uint8Array, position: number): Promise<void> {
    const f = this.files[index] as SpaceFile;
    if (this.current !== index) {
      await this.close();
      this.fh = await open(f.source as string, 'r');
      this.current = index;
    }
    const fh = this.fh as FileHandle;
    let done = 0;
    while (done < into.length) {
      const { bytesRead } = await fh.read(into, done, into.length - done, position + done);
      if (bytesRead === 0) throw changed(f);
      done += bytesRead;
    }
    if (position + into.length === f.length) {
      const st = await fh.stat();
      if (st.size !== f.length) throw changed(f);
    }
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    this.current = -1;
    await fh?.close();
  }
}

function changed(f: SpaceFile): CreateError {
  return new CreateError('CREATE_FILE_CHANGED', `${f.source ?? 'padding'} changed size while it was being hashed`);
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
  const chunks = Math.ceil(spaceEnd / chunkSize);
  const ring = new Ring(Math.min(o.buffers ?? pool.size * pool.perWorker + 2, Math.max(chunks, 1)), chunkSize);
  const reader = new Reader(files);
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  let done = 0;
  let next = 0; // first file that may still overlap the next chunk
  o.onProgress?.(0, total);

  try {
    for (let start = 0; start < spaceEnd && failure === undefined; start += chunkSize) {
      if (signal?.aborted) throw new AbortedError('torrent creation aborted', { cause: signal.reason });
      const end = Math.min(start + chunkSize, spaceEnd);
      const buf = await ring.acquire();
      const view = buf.subarray(0, end - start);
      const segments: Segment[] = [];
      let realBytes = 0;
      let cursor = start;
      try {
        for (let i = next; i < files.length; i++) {
          const f = files[i] as SpaceFile;
          const fEnd = f.offset + f.length;
          if (f.offset >= end && f.length > 0) break;
          const from = Math.max(f.offset, start);
          const to = Math.min(fEnd, end);
          if (to > from) {
            if (o.v1 && from > cursor) view.fill(0, cursor - start, from - start);
            const into = view.subarray(from - start, to - start);
            if (f.source === null) {
              if (o.v1) into.fill(0);
            } else {
              await reader.read(i, into, from - f.offset);
              realBytes += to - from;
              const file = realIndex.get(i) as number;
              const firstPiece = (from - f.offset) / pieceLength;
              if (o.v2) segments.push({ start: from - start, end: to - start, onePiece: f.length <= pieceLength, file, firstPiece });
            }
            cursor = to;
          }
          if (fEnd <= end) next = i + 1;
        }
        if (o.v1 && cursor < end) view.fill(0, cursor - start, end - start);
      } catch (e) {
        ring.release(buf);
        throw e;
      }
      if (!o.v1 && segments.length === 0) {
        ring.release(buf);
        continue;
      }
      const job = pool
        .hashPieces(
          view,
          {
            ...(o.v1 ? { sha1PieceLength: pieceLength } : {}),
            ...(o.v2 ? { v2: { pieceLength, segments: segments.map(({ start: s, end: e, onePiece }) => ({ start: s, end: e, onePiece })) } } : {}),
          },
          signal ? { signal } : {},
        )
        .then((r) => {
          if (pieces && r.sha1) pieces.set(r.sha1, (start / pieceLength) * 20);
          segments.forEach((s, k) => {
            const hashes = r.v2?.[k];
            if (hashes) (layers[s.file] as Uint8Array).set(hashes, s.firstPiece * HASH_SIZE);
          });
          done += realBytes;
          o.onProgress?.(done, total);
        })
        .catch((e: unknown) => {
          failure ??= e;
        })
        .finally(() => {
          ring.release(buf);
          inflight.delete(job);
        });
      inflight.add(job);
    }
  } catch (e) {
    failure ??= e;
  } finally {
    await Promise.all(inflight);
    await reader.close();
  }
  if (failure !== undefined) throw failure;

  const result: { pieces?: Uint8Array; v2Files?: FileTree[] } = {};
  if (pieces) result.pieces = pieces;
  if (o.v2) result.v2Files = layers.map((layer) => treeFromLayer(layer, pieceLength));
  return result;
}

/** The file's root from its piece layer, as merkle.ts fileTreeFromBlockHashes computes it. */
function treeFromLayer(layer: Uint8Array, pieceLength: number): FileTree {
  const count = layer.length / HASH_SIZE;
  if (count === 1) return { root: layer.slice(), pieceLayer: layer };
  return { root: rootFromLayer(layer, nextPowerOfTwo(count), zeroRoot(pieceLength / BLOCK_SIZE)), pieceLayer: layer };
}
