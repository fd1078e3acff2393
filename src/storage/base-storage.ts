// Shared engine of the storage backends: argument checks, wanted/skipped files, read planning, and
// the write queue. Writes are group-committed: while one batch is on its way to the disk, newly
// accepted pieces queue up, and the next batch coalesces all of them into as few positional
// writevs as the file layout allows. Backends only implement a handful of byte-level primitives.
import { AbortedError } from '../errors.js';
import { createBitfield, setPiece } from './bitfield.js';
import { StorageError } from './errors.js';
import { PieceMap, type StorageLayout } from './layout.js';
import { Limiter, mapLimited } from './limiter.js';
import { PieceCache } from './read-cache.js';
import { PART_TARGET, coalesceRuns, dataLength, pieceBuffers, planPieceWrite, planRead, type WriteRun } from './plan.js';
import type { FileStat, IoOptions, PieceData, PieceWrite, Storage, StorageFingerprint } from './types.js';

export interface BaseStorageOptions {
  /** Wanted flag per file (default: all wanted). */
  readonly wanted?: readonly boolean[];
  /** Positional writes in flight at once (default 4, the size of libuv's pool). */
  readonly maxConcurrentIo?: number;
  /** Upper bound of one coalesced batch, in bytes (default 64 MiB). */
  readonly maxBatchBytes?: number;
  /** Whole pieces kept to answer block reads (default 16 MiB; 0 disables). */
  readonly readCacheBytes?: number;
}

type Job =
  | { kind: 'write'; piece: number; buffers: readonly Uint8Array[]; bytes: number; done: Settle; signal?: AbortSignal }
  | { kind: 'task'; run: () => Promise<void>; done: Settle };

interface Settle {
  resolve(): void;
  reject(e: unknown): void;
}

function abortedError(signal: AbortSignal): AbortedError {
  return new AbortedError('storage: operation aborted', { cause: signal.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

export abstract class BaseStorage implements Storage {
  readonly layout: PieceMap;
  protected readonly wanted: boolean[];
  private readonly queue: Job[] = [];
  private pump: Promise<void> | undefined;
  private queuedBytes = 0;
  private readonly ioLimit: Limiter;
  private readonly maxBatchBytes: number;
  private closing: Promise<void> | undefined;
  private readonly reads = new Set<Promise<unknown>>();
  private readonly cache: PieceCache | undefined;

  constructor(layout: StorageLayout | PieceMap, opts: BaseStorageOptions = {}) {
    this.layout = PieceMap.of(layout);
    const n = this.layout.files.length;
    if (opts.wanted !== undefined && opts.wanted.length !== n) {
      throw new StorageError('STORAGE_BAD_LAYOUT', `storage: ${opts.wanted.length} wanted flags for ${n} files`);
    }
    this.wanted = this.layout.files.map((_, i) => opts.wanted?.[i] ?? true);
    this.ioLimit = new Limiter(opts.maxConcurrentIo ?? 4);
    this.maxBatchBytes = opts.maxBatchBytes ?? 64 * 1024 * 1024;
    const cacheBytes = opts.readCacheBytes ?? 16 * 1024 * 1024;
    this.cache = cacheBytes > 0 ? new PieceCache(cacheBytes) : undefined;
  }

  /** Block reads answered from the piece cache, and pieces read to fill it. */
  get readCacheStats(): { hits: number; misses: number } {
    return { hits: this.cache?.hits ?? 0, misses: this.cache?.misses ?? 0 };
  }

  // ---- backend primitives ----------------------------------------------------------------------

  /** Writes `buffers` back to back at `position` of a file (or, for PART_TARGET, of piece `piece`'s part slot, piece-space addressed). */
  protected abstract ioWrite(target: number, position: number, buffers: readonly Uint8Array[], piece: number): Promise<void>;
  /** Fills `dest` exactly from `position` of a file or the part file; short data is STORAGE_SHORT_READ. */
  protected abstract ioRead(target: number, position: number, dest: Uint8Array): Promise<void>;
  /** Whether the part file holds skipped-file bytes of `piece`. */
  protected abstract partHas(piece: number): boolean;
  /** Forgets a piece's part slot (its bytes have moved to their files). */
  protected abstract partRelease(piece: number): Promise<void>;
  protected abstract fileStat(fileIndex: number): Promise<FileStat | null>;
  protected abstract partStat(): Promise<FileStat | null>;
  protected abstract ioSync(): Promise<void>;
  protected abstract ioFinishFile(fileIndex: number): Promise<void>;
  protected abstract ioClose(): Promise<void>;

  // ---- reads -----------------------------------------------------------------------------------

  readBlock(piece: number, begin: number, length: number, opts: IoOptions = {}): Promise<Uint8Array> {
    try {
      this.assertOpen();
      throwIfAborted(opts.signal);
      const size = this.layout.pieceSize(piece);
      this.layout.blockSpans(piece, begin, length); // range check before touching the cache
      if (this.cache && length < size) {
        return this.cache.block(piece, size, begin, length, () => this.readRange(piece, 0, size));
      }
      return this.readRange(piece, begin, length);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private readRange(piece: number, begin: number, length: number): Promise<Uint8Array> {
    const segments = planRead(this.layout, piece, begin, length, (s) => !this.wanted[s.fileIndex] && this.partHas(piece));
    // Not from Node's shared pool: a caller may transfer the buffer to a hashing worker.
    const dest = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
    let covered = 0;
    for (const s of segments) {
      if (s.rangeOffset > covered) dest.fill(0, covered, s.rangeOffset);
      covered = s.rangeOffset + s.length;
    }
    if (covered < length) dest.fill(0, covered, length);
    const p = Promise.all(
      segments.map((s) => this.ioRead(s.target, s.position, dest.subarray(s.rangeOffset, s.rangeOffset + s.length))),
    ).then(() => dest);
    this.reads.add(p);
    const untrack = (): void => void this.reads.delete(p);
    p.then(untrack, untrack);
    return p;
  }

  readPiece(piece: number, opts: IoOptions = {}): Promise<Uint8Array> {
    try {
      return this.readBlock(piece, 0, this.layout.pieceSize(piece), opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // ---- writes ----------------------------------------------------------------------------------

  get pendingWriteBytes(): number {
    return this.queuedBytes;
  }

  writePiece(piece: number, data: PieceData, opts: IoOptions = {}): Promise<void> {
    return this.writePieces([{ piece, data }], opts);
  }

  writePieces(writes: readonly PieceWrite[], opts: IoOptions = {}): Promise<void> {
    try {
      this.assertOpen();
      throwIfAborted(opts.signal);
      const jobs = writes.map((w) => {
        const buffers = pieceBuffers(w.data);
        const bytes = dataLength(buffers);
        const size = this.layout.pieceSize(w.piece);
        if (bytes !== size) throw new StorageError('STORAGE_BAD_PIECE_SIZE', `storage: piece ${w.piece} is ${size} bytes, got ${bytes}`);
        return { piece: w.piece, buffers, bytes };
      });
      return Promise.all(jobs.map((j) => this.enqueueWrite(j.piece, j.buffers, j.bytes, opts.signal))).then(() => undefined);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private enqueueWrite(piece: number, buffers: readonly Uint8Array[], bytes: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // No abort listener per write (an engine passes one signal to thousands): the signal is
      // checked when the write leaves the queue; one already on its way to disk completes.
      const job: Job = signal ? { kind: 'write', piece, buffers, bytes, done: { resolve, reject }, signal } : { kind: 'write', piece, buffers, bytes, done: { resolve, reject } };
      this.queuedBytes += bytes;
      this.enqueue(job);
    });
  }

  /** Runs `task` alone, after every write queued before it. */
  protected exclusive(task: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => this.enqueue({ kind: 'task', run: task, done: { resolve, reject } }));
  }

  private enqueue(job: Job): void {
    this.queue.push(job);
    this.startPump();
  }

  private startPump(): void {
    if (this.pump) return;
    // Started on a microtask so that pieces handed over in the same tick share the first batch.
    this.pump = Promise.resolve()
      .then(() => this.drain())
      .catch(() => undefined) // drain settles every job itself; nothing may escape unhandled
      .finally(() => {
        this.pump = undefined;
        if (this.queue.length > 0) this.startPump();
      });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0] as Job;
      if (head.kind === 'task') {
        this.queue.shift();
        await head.run().then(head.done.resolve, head.done.reject);
        continue;
      }
      const batch: Extract<Job, { kind: 'write' }>[] = [];
      let bytes = 0;
      while (this.queue.length > 0) {
        const j = this.queue[0] as Job;
        if (j.kind !== 'write' || (batch.length > 0 && bytes + j.bytes > this.maxBatchBytes)) break;
        this.queue.shift();
        bytes += j.bytes;
        if (j.signal?.aborted) j.done.reject(abortedError(j.signal));
        else batch.push(j);
      }
      try {
        await this.writeBatch(batch);
      } finally {
        this.queuedBytes -= bytes;
      }
    }
  }

  private async writeBatch(batch: readonly Extract<Job, { kind: 'write' }>[]): Promise<void> {
    const failed = new Map<number, unknown>();
    for (const j of batch) this.cache?.invalidate(j.piece);
    const runs: WriteRun[] = [];
    batch.forEach((j, i) => {
      try {
        runs.push(...planPieceWrite(this.layout, j.piece, j.buffers, i, (f) => this.wanted[f] === true));
      } catch (e) {
        failed.set(i, e);
      }
    });
    await Promise.all(
      coalesceRuns(runs).map((r) =>
        this.ioLimit.run(() => this.ioWrite(r.target, r.position, r.buffers, r.piece)).catch((e: unknown) => {
          for (const o of r.owners) if (!failed.has(o)) failed.set(o, e);
        }),
      ),
    );
    // Again after the write: a block read racing the write must not leave the old bytes cached.
    for (const j of batch) this.cache?.invalidate(j.piece);
    batch.forEach((j, i) => (failed.has(i) ? j.done.reject(failed.get(i)) : j.done.resolve()));
  }

  async flush(opts: IoOptions = {}): Promise<void> {
    throwIfAborted(opts.signal);
    while (this.pump) await this.pump;
  }

  // ---- wanted files ----------------------------------------------------------------------------

  isFileWanted(fileIndex: number): boolean {
    this.layout.file(fileIndex);
    return this.wanted[fileIndex] === true;
  }

  isPieceWanted(piece: number): boolean {
    return this.layout.pieceSpans(piece).some((s) => this.wanted[s.fileIndex] === true);
  }

  async setFileWanted(fileIndex: number, wanted: boolean, opts: IoOptions = {}): Promise<void> {
    this.assertOpen();
    throwIfAborted(opts.signal);
    this.layout.file(fileIndex);
    if (this.wanted[fileIndex] === wanted) return;
    if (!wanted) {
      // Bytes already in the file stay there and are still read from it.
      this.wanted[fileIndex] = false;
      return;
    }
    await this.exclusive(async () => {
      const { first, end } = this.layout.filePieces(fileIndex);
      const released: number[] = [];
      for (let p = first; p < end; p++) {
        if (!this.partHas(p)) continue;
        const spans = this.layout.pieceSpans(p);
        for (const s of spans) {
          if (s.fileIndex !== fileIndex) continue;
          const buf = new Uint8Array(s.length);
          await this.ioRead(PART_TARGET, p * this.layout.pieceLength + s.rangeOffset, buf);
          await this.ioWrite(fileIndex, s.fileOffset, [buf], p);
        }
        if (!spans.some((s) => s.fileIndex !== fileIndex && !this.wanted[s.fileIndex])) released.push(p);
      }
      // Only now do reads switch to the file, whose bytes are all in place.
      this.wanted[fileIndex] = true;
      this.cache?.clear();
      // A read routed to the part file just before the switch may still be running: let it finish
      // before its slot can be freed and reused.
      if (released.length > 0) await Promise.allSettled([...this.reads]);
      for (const p of released) await this.partRelease(p);
    });
  }

  // ---- inventory -------------------------------------------------------------------------------

  async presentPieces(opts: IoOptions = {}): Promise<Uint8Array> {
    this.assertOpen();
    const stats = await this.statFiles(opts);
    const full = stats.map((s, i) => s !== null && s.size >= (this.layout.files[i]?.length ?? 0));
    const bf = createBitfield(this.layout.pieceCount);
    for (let p = 0; p < this.layout.pieceCount; p++) {
      const ok = this.layout.pieceSpans(p).every((s) => full[s.fileIndex] || (!this.wanted[s.fileIndex] && this.partHas(p)));
      if (ok) setPiece(bf, p);
    }
    return bf;
  }

  async fingerprint(opts: IoOptions = {}): Promise<StorageFingerprint> {
    this.assertOpen();
    const files = await this.statFiles(opts);
    throwIfAborted(opts.signal);
    return { files, part: await this.partStat() };
  }

  private statFiles(opts: IoOptions): Promise<(FileStat | null)[]> {
    return mapLimited(this.layout.files, 16, async (f, i) => {
      throwIfAborted(opts.signal);
      return f.pad ? null : this.fileStat(i);
    });
  }

  // ---- durability and lifecycle ----------------------------------------------------------------

  async sync(opts: IoOptions = {}): Promise<void> {
    this.assertOpen();
    await this.flush(opts);
    await this.ioSync();
  }

  async finishFile(fileIndex: number, opts: IoOptions = {}): Promise<void> {
    this.assertOpen();
    this.layout.file(fileIndex);
    await this.flush(opts);
    await this.ioFinishFile(fileIndex);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flush();
      await Promise.allSettled([...this.reads]);
      await this.ioClose();
    })();
    return this.closing;
  }

  protected get isClosed(): boolean {
    return this.closing !== undefined;
  }

  protected assertOpen(): void {
    if (this.closing) throw new StorageError('STORAGE_CLOSED', 'storage: already closed');
  }
}
