// A pool of worker threads that hashes pieces off the main thread (BEP 3 SHA-1, BEP 52 SHA-256).
//
// Used by torrent creation and by the download engine to verify pieces. Data reaches a worker
// without a copy when it can:
//   - a view over a SharedArrayBuffer is shared: the caller must not change it until the job settles;
//   - `{ transfer: true }` hands ownership of the view's whole ArrayBuffer to the pool: it is moved
//     (detached in the caller) and, for `hashPieces`, handed back in the result as `data`;
//   - anything else is copied once (just the view's bytes, never the whole backing buffer);
//   - `hashFiles` sends no data at all: the worker reads the file ranges itself.
// With `mainThread`, the calling thread is one of the executors (for processes that only hash).
// Workers start on demand: another one only when every running worker already holds `perWorker`
// jobs, so a download (which hashes a piece every few milliseconds) keeps one worker and its
// memory, while a bulk check or `create` fills them all at once.
// Jobs past `maxPending` (running + queued) wait before they are queued, and `waitForCapacity()`
// lets a producer pause before it reads more. Idle workers are unref'd, so a pool that is never
// closed does not keep the process alive; `close()` is idempotent and rejects unfinished jobs.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { AbortedError } from '../errors.js';
import { HashPoolClosedError, HashReadError, HashWorkerError } from './errors.js';
import { InlineExecutor } from './inline.js';
import { workerEntry, workerExecArgv } from './spawn.js';
import type { JobReply, JobResult, JobSpec, PiecesResult, PiecesSpec, StreamRange } from './protocol.js';

export interface HashPoolOptions {
  /** Worker threads; default os.availableParallelism(). */
  readonly size?: number;
  /** Jobs posted to one worker at once; 2 hides the message round trip. Default 2. */
  readonly perWorker?: number;
  /** Jobs accepted (running + queued) before new ones wait. Default size * perWorker * 2. */
  readonly maxPending?: number;
  /**
   * Count the calling thread as one of the `size` executors (so `size - 1` workers). For processes
   * that only hash, like `shoal create`: saves a worker start-up; each job blocks the event loop
   * while it runs. Default false.
   */
  readonly mainThread?: boolean;
}

export interface HashJobOptions {
  readonly signal?: AbortSignal;
  /** Give the pool ownership of `data`'s whole ArrayBuffer: moved to the worker, not copied. */
  readonly transfer?: boolean;
}

export interface HashPoolStats {
  /** Executors started: worker threads, plus the main thread with `mainThread`. */
  readonly workers: number;
  /** Jobs posted to workers whose reply has not come back. */
  readonly running: number;
  /** Jobs accepted, not yet posted. */
  readonly queued: number;
  /** Jobs waiting for room in the queue (back-pressure). */
  readonly waiting: number;
}

interface Outcome {
  readonly result: JobResult;
  readonly data?: Uint8Array;
}

interface Job {
  readonly id: number;
  readonly spec: JobSpec;
  readonly data: Uint8Array;
  readonly transfer: boolean;
  readonly signal: AbortSignal | undefined;
  settled: boolean;
  resolve(o: Outcome): void;
  reject(e: unknown): void;
  onAbort?: () => void;
}

/** What the pool needs of a worker thread; InlineExecutor provides it on the main thread. */
interface Executor {
  postMessage(value: unknown, transferList?: readonly ArrayBuffer[]): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

interface Slot {
  readonly worker: Executor;
  readonly inflight: Map<number, Job>;
  dead: boolean;
  /** Its thread is running (a job posted before waits for the start-up). */
  online: boolean;
}

export class HashPool {
  readonly size: number;
  readonly perWorker: number;
  readonly maxPending: number;
  readonly mainThread: boolean;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly waiting: Job[] = [];
  private capacityWaiters: { resolve(): void; reject(e: unknown): void }[] = [];
  private running = 0;
  private nextId = 1;
  private closing: Promise<void> | undefined;

  constructor(opts: HashPoolOptions = {}) {
    const size = opts.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1 || size > 256) throw new RangeError(`hash pool: bad size ${size}`);
    this.size = size;
    this.perWorker = opts.perWorker ?? 2;
    this.maxPending = opts.maxPending ?? size * this.perWorker * 2;
    this.mainThread = opts.mainThread === true;
    if (this.perWorker < 1 || this.maxPending < 1) throw new RangeError('hash pool: bad limits');
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  get stats(): HashPoolStats {
    return {
      workers: this.slots.length,
      running: this.running,
      queued: this.queue.length,
      waiting: this.waiting.length,
    };
  }

  /** SHA-1 of `data` (20 bytes). */
  async sha1(data: Uint8Array, opts?: HashJobOptions): Promise<Uint8Array> {
    return digestOf(await this.submit({ kind: 'sha1' }, data, opts));
  }

  /** SHA-1 of each item, spread over the workers; same order as `items`. */
  sha1Many(items: readonly Uint8Array[], opts?: HashJobOptions): Promise<Uint8Array[]> {
    return Promise.all(items.map((d) => this.sha1(d, opts)));
  }

  /** BEP 52: SHA-256 of each 16 KiB block of `data` (the last may be short), concatenated. */
  async v2Piece(data: Uint8Array, opts?: HashJobOptions): Promise<Uint8Array> {
    return digestOf(await this.submit({ kind: 'sha256Blocks' }, data, opts));
  }

  /**
   * Several pieces in one job: v1 SHA-1 per piece and/or v2 piece-layer hashes per file segment.
   * With `transfer`, the data's buffer comes back as `data` once the job is done.
   */
  async hashPieces(data: Uint8Array, spec: PiecesSpec, opts?: HashJobOptions): Promise<PiecesResult & { data?: Uint8Array }> {
    const o = await this.submit({ kind: 'pieces', spec }, data, opts);
    if (o.result.kind !== 'pieces') throw new HashWorkerError('unexpected reply');
    return o.data ? { ...o.result.pieces, data: o.data } : o.result.pieces;
  }

  /**
   * Like `hashPieces` over a stream of file ranges and zero runs that the worker reads itself, a
   * cache-sized slice at a time: data on disk is hashed without passing through the main thread.
   * v2 segments must start on 16 KiB boundaries of the stream.
   */
  async hashFiles(ranges: readonly StreamRange[], spec: PiecesSpec, opts?: Omit<HashJobOptions, 'transfer'>): Promise<PiecesResult> {
    const o = await this.submit({ kind: 'filePieces', ranges, spec }, EMPTY, opts);
    if (o.result.kind !== 'pieces') throw new HashWorkerError('unexpected reply');
    return o.result.pieces;
  }

  /** Whether `data` hashes to the 20-byte v1 piece hash `expected`. */
  async verifyV1(data: Uint8Array, expected: Uint8Array, opts?: HashJobOptions): Promise<boolean> {
    return matchOf(await this.submit({ kind: 'verifyV1', expected: expected.slice() }, data, opts));
  }

  /**
   * Whether one v2 piece hashes to its piece-layer hash `expected` (or, for a file of one piece,
   * to the file's pieces root: pass `onePiece: true`).
   */
  async verifyV2(
    data: Uint8Array,
    expected: Uint8Array,
    layout: { pieceLength: number; onePiece: boolean },
    opts?: HashJobOptions,
  ): Promise<boolean> {
    const spec: JobSpec = { kind: 'verifyV2', expected: expected.slice(), ...layout };
    return matchOf(await this.submit(spec, data, opts));
  }

  /**
   * Starts `count` executors (default: all of them) now rather than on first use, so their
   * start-up (tens of milliseconds each, hundreds on a busy machine) overlaps with the caller's
   * own preparation instead of holding up the first jobs.
   */
  warm(count = this.size): void {
    const n = Math.min(this.size, count);
    while (!this.closing && this.slots.length < n) this.spawn();
  }

  /** Resolves once a new job would be queued without waiting. */
  waitForCapacity(signal?: AbortSignal): Promise<void> {
    if (this.closing) return Promise.reject(new HashPoolClosedError());
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.hasRoom()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const entry = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (e: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = (): void => {
        this.capacityWaiters = this.capacityWaiters.filter((w) => w !== entry);
        reject(abortError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.capacityWaiters.push(entry);
    });
  }

  /** Stops the workers; unfinished jobs reject with HASH_POOL_CLOSED. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const err = new HashPoolClosedError();
    const all = [...this.waiting, ...this.queue];
    this.waiting.length = 0;
    this.queue.length = 0;
    for (const slot of this.slots) {
      all.push(...slot.inflight.values());
      slot.inflight.clear();
      slot.dead = true;
    }
    this.running = 0;
    for (const job of all) this.settle(job, undefined, err);
    for (const w of this.capacityWaiters) w.reject(err);
    this.capacityWaiters = [];
    const slots = this.slots.splice(0);
    this.closing = Promise.all(slots.map((s) => s.worker.terminate())).then(() => undefined);
    return this.closing;
  }

  private hasRoom(): boolean {
    return this.waiting.length === 0 && this.queue.length + this.running < this.maxPending;
  }

  private submit(spec: JobSpec, data: Uint8Array, opts: HashJobOptions = {}): Promise<Outcome> {
    if (this.closing) return Promise.reject(new HashPoolClosedError());
    const signal = opts.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<Outcome>((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        spec,
        data,
        transfer: opts.transfer === true,
        signal,
        settled: false,
        resolve,
        reject,
      };
      if (signal) {
        job.onAbort = () => this.abort(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      if (this.hasRoom()) this.queue.push(job);
      else this.waiting.push(job);
      this.pump();
    });
  }

  private abort(job: Job): void {
    if (job.settled) return;
    removeFrom(this.waiting, job);
    removeFrom(this.queue, job);
    // A job already in a worker keeps that worker busy until it replies; its reply is dropped.
    this.settle(job, undefined, abortError(job.signal));
    this.pump();
  }

  private settle(job: Job, outcome: Outcome | undefined, error?: unknown): void {
    if (job.settled) return;
    job.settled = true;
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    if (outcome) job.resolve(outcome);
    else job.reject(error);
  }

  private pump(): void {
    if (this.closing) return;
    while (this.waiting.length > 0 && this.queue.length + this.running < this.maxPending) {
      this.queue.push(this.waiting.shift() as Job);
    }
    while (this.queue.length > 0) {
      const slot = this.pickSlot();
      if (!slot) break;
      this.post(slot, this.queue.shift() as Job);
    }
    while (this.capacityWaiters.length > 0 && this.hasRoom()) this.capacityWaiters.shift()?.resolve();
  }

  private pickSlot(): Slot | undefined {
    let best: Slot | undefined;
    let online = false;
    for (const s of this.slots) {
      online ||= s.online;
      if (s.inflight.size >= this.perWorker) continue;
      if (!best || (s.online && !best.online) || (s.online === best.online && s.inflight.size < best.inflight.size)) best = s;
    }
    if (best?.online) return best;
    if (online) {
      // Every running worker is full: start one more (one at a time), but leave the job queued
      // for whichever worker is free first; a running one's next turn comes long before a new
      // thread's start-up (tens to hundreds of milliseconds) is over.
      if (!this.slots.some((s) => !s.online) && this.slots.length < this.size) this.spawn();
      return undefined;
    }
    // Nothing is running yet: starting workers take jobs, and a backlog beyond what they hold (a
    // bulk job on a cold pool) starts more; a few pieces of a starting download do not.
    if (best) return best;
    const backlog = this.slots.length === 0 || this.queue.length > this.perWorker;
    return backlog && this.slots.length < this.size ? this.spawn() : undefined;
  }

  private spawn(): Slot {
    if (this.mainThread && !this.slots.some((s) => s.worker instanceof InlineExecutor)) {
      const inline = new InlineExecutor();
      const slot: Slot = { worker: inline, inflight: new Map(), dead: false, online: true };
      inline.on('message', (reply) => this.onReply(slot, reply));
      this.slots.push(slot);
      return slot;
    }
    const worker = new Worker(workerEntry(), { execArgv: workerExecArgv() });
    worker.unref();
    const slot: Slot = { worker, inflight: new Map(), dead: false, online: false };
    worker.once('online', () => {
      slot.online = true;
      this.pump();
    });
    worker.on('message', (reply: JobReply) => this.onReply(slot, reply));
    worker.on('error', (e) => this.onWorkerDeath(slot, new HashWorkerError(`worker failed: ${e.message}`, { cause: e })));
    worker.on('exit', (code) => this.onWorkerDeath(slot, new HashWorkerError(`worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private post(slot: Slot, job: Job): void {
    let data = job.data;
    const transferList: ArrayBuffer[] = [];
    let returnData = false;
    if (data.buffer instanceof SharedArrayBuffer) {
      // Shared memory: the worker reads the caller's bytes in place.
    } else if (job.transfer) {
      transferList.push(data.buffer as ArrayBuffer);
      returnData = true;
    } else {
      data = data.slice();
      transferList.push(data.buffer as ArrayBuffer);
    }
    if (slot.inflight.size === 0) slot.worker.ref();
    slot.inflight.set(job.id, job);
    this.running++;
    try {
      slot.worker.postMessage({ ...job.spec, id: job.id, data, returnData }, transferList);
    } catch (e) {
      slot.inflight.delete(job.id);
      this.running--;
      this.settle(job, undefined, new HashWorkerError('could not send a job to a worker', { cause: e }));
    }
  }

  private onReply(slot: Slot, reply: JobReply): void {
    const job = slot.inflight.get(reply.id);
    if (!job) return;
    slot.inflight.delete(reply.id);
    this.running--;
    if (slot.inflight.size === 0) slot.worker.unref();
    if (reply.ok) this.settle(job, reply.data ? { result: reply.result, data: reply.data } : { result: reply.result });
    else if (reply.code === 'HASH_FILE_CHANGED' || reply.code === 'HASH_READ_FAILED') {
      this.settle(job, undefined, new HashReadError(reply.code, reply.message));
    } else this.settle(job, undefined, new HashWorkerError(reply.message));
    this.pump();
  }

  private onWorkerDeath(slot: Slot, error: HashWorkerError): void {
    if (slot.dead) return;
    slot.dead = true;
    removeFrom(this.slots, slot);
    this.running -= slot.inflight.size;
    for (const job of slot.inflight.values()) this.settle(job, undefined, error);
    slot.inflight.clear();
    void slot.worker.terminate();
    this.pump();
  }
}

const EMPTY = new Uint8Array(0);

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

function abortError(signal: AbortSignal | undefined): AbortedError {
  const reason: unknown = signal?.reason;
  return new AbortedError('hash job aborted', reason === undefined ? undefined : { cause: reason });
}

function digestOf(o: Outcome): Uint8Array {
  if (o.result.kind !== 'digest') throw new HashWorkerError('unexpected reply');
  return o.result.digest;
}

function matchOf(o: Outcome): boolean {
  if (o.result.kind !== 'match') throw new HashWorkerError('unexpected reply');
  return o.result.match;
}
