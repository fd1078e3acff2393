// Request pipelining for one peer: how many block requests to keep outstanding, and when to give
// up on one.
//
// BEP 3 transfers data only in answer to 'request' messages. Asking for one 16 KiB block at a time
// would leave the link idle for a round trip after every block, so clients keep a queue of
// requests outstanding. Too short a queue wastes bandwidth on fast peers; too long a queue ties
// blocks to a slow peer that others could fetch sooner (and the peer may drop requests beyond its
// own limit, the BEP 10 'reqq', 250 by default in libtorrent). The policy here follows libtorrent:
//
//   desired = rate * queueTime / blockSize, clamped to [minRequests, reqq]
//
// i.e. enough requests to keep the peer busy for `queueTime` (3 s) at its measured rate, so the
// queue never runs dry between our reactions. A new peer has no rate yet, so it starts in slow
// start (like TCP): the queue starts at `minRequests` and grows by one per block received, which
// doubles it every round trip, until the rate stops growing (less than 10 KiB/s more than a
// second earlier); from then on the rate formula decides.
//
// Timeouts. Peers answer requests in order, so the oldest outstanding request is the one that
// should arrive next. If it has not arrived within a few block-times at the peer's rate (bounded
// to [minTimeoutMs, maxTimeoutMs]; `firstBlockTimeoutMs` before the peer ever sent anything),
// tick() times it out: the caller cancels it and gives the block back to the picker, so another
// peer can fetch it. A peer with requests outstanding that sent nothing for `snubAfterMs` (60 s)
// is snubbed: all but its oldest request are timed out, its queue shrinks to 1, and the choker
// stops reciprocating to it; the next block it sends clears the snub.
//
// Pure: the caller passes `now` (ms) on every call.
import type { BlockRequest } from './geometry.js';
import { RateEstimator, type RateEstimatorOptions } from './rate.js';
import { SwarmError } from './errors.js';
import { Deque } from './deque.js';

export interface RequestQueueOptions {
  /** Time the peer connected (ms). */
  now: number;
  blockSize?: number;
  /** Keep this much transfer time requested. Default 3000 ms. */
  queueTimeMs?: number;
  /** Default 4. */
  minRequests?: number;
  /** The peer's BEP 10 'reqq' (most requests it queues). Default 250. */
  reqq?: number;
  /** Default 60000 ms. */
  snubAfterMs?: number;
  /** Timeout of the first request before the peer ever sent a block. Default 20000 ms. */
  firstBlockTimeoutMs?: number;
  /** Bounds of the rate-based timeout. Defaults 5000 and 60000 ms. */
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** The rate-based timeout is this many block-times. Default 6. */
  timeoutBlocks?: number;
  rate?: RateEstimatorOptions;
}

export interface TickResult {
  /** Requests given up on: cancel them and return them to the picker. */
  readonly timedOut: readonly BlockRequest[];
  /** True exactly when this tick made the peer snubbed. */
  readonly becameSnubbed: boolean;
}

/** What almost every tick returns (one per peer per second): shared. */
const QUIET: TickResult = Object.freeze({ timedOut: Object.freeze([]), becameSnubbed: false });

/** Slow start ends when the rate grew by less than this in a second. */
const SLOW_START_MIN_GROWTH = 10 * 1024;

export class RequestQueue {
  readonly rate: RateEstimator;
  private readonly blockSize: number;
  private readonly queueTimeMs: number;
  private readonly minRequests: number;
  private reqq: number;
  private readonly snubAfterMs: number;
  private readonly firstBlockTimeoutMs: number;
  private readonly minTimeoutMs: number;
  private readonly maxTimeoutMs: number;
  private readonly timeoutBlocks: number;
  /**
   * Outstanding requests, oldest first, and when each was sent (same positions). Two queues
   * rather than a (request, time) object per request: a fast peer has hundreds outstanding.
   */
  private readonly queue = new Deque<BlockRequest>();
  private readonly sentAt = new Deque<number>();
  private slowStart = true;
  private slowStartSize: number;
  private lastRateCheckAt: number;
  private lastRate = 0;
  private lastBlockAt = -Infinity;
  /** Last time the peer made progress, or started owing us data. */
  private waitingSince: number;
  private isSnubbed = false;
  private everReceived = false;
  /** The rate measured when the last block arrived: a stalled peer's rate decays, its timeout must not. */
  private activeRate = 0;

  constructor(opts: RequestQueueOptions) {
    this.blockSize = opts.blockSize ?? 16384;
    this.queueTimeMs = opts.queueTimeMs ?? 3000;
    this.minRequests = opts.minRequests ?? 4;
    this.reqq = opts.reqq ?? 250;
    this.snubAfterMs = opts.snubAfterMs ?? 60_000;
    this.firstBlockTimeoutMs = opts.firstBlockTimeoutMs ?? 20_000;
    this.minTimeoutMs = opts.minTimeoutMs ?? 5000;
    this.maxTimeoutMs = opts.maxTimeoutMs ?? 60_000;
    this.timeoutBlocks = opts.timeoutBlocks ?? 6;
    if (!(this.minRequests >= 1) || !(this.reqq >= 1)) {
      throw new SwarmError('SWARM_BAD_ARGUMENT', 'minRequests and reqq must be >= 1');
    }
    this.rate = new RateEstimator(opts.now, opts.rate);
    this.slowStartSize = this.minRequests;
    this.lastRateCheckAt = opts.now;
    this.waitingSince = opts.now;
  }

  get outstanding(): number {
    return this.queue.length;
  }

  get snubbed(): boolean {
    return this.isSnubbed;
  }

  get inSlowStart(): boolean {
    return this.slowStart;
  }

  /** Outstanding requests, oldest first. */
  pending(): BlockRequest[] {
    return this.queue.toArray();
  }

  /** The peer's BEP 10 'reqq' (from its extended handshake). Non-positive or absurd values are ignored. */
  setReqq(n: number): void {
    if (Number.isSafeInteger(n) && n >= 1) this.reqq = Math.min(n, 10_000);
  }

  /** How many requests we want outstanding. */
  desired(now: number): number {
    if (this.isSnubbed) return 1;
    const floor = Math.min(this.minRequests, this.reqq);
    let n: number;
    if (this.slowStart) n = this.slowStartSize;
    else n = Math.ceil((this.rate.rate(now) * this.queueTimeMs) / 1000 / this.blockSize);
    return Math.max(floor, Math.min(n, this.reqq));
  }

  /** How many more requests to send now (desired - outstanding, at least 0). */
  room(now: number): number {
    return Math.max(0, this.desired(now) - this.queue.length);
  }

  /**
   * The peer unchoked us. If nothing is outstanding the queue has been idle, and the rate the
   * estimator remembers is stale (it decays over its window): like TCP after an idle period,
   * start again in slow start from the larger of the floor and what the old rate asks for, so
   * the pipeline reaches the peer's real rate within a few round trips rather than a window.
   */
  unchoked(now: number): void {
    if (this.queue.length > 0 || this.isSnubbed) return;
    const fromRate = this.slowStart ? this.slowStartSize : this.desired(now);
    this.slowStartSize = Math.max(this.minRequests, Math.min(fromRate, this.reqq));
    this.slowStart = true;
    this.lastRate = this.rate.rate(now);
    this.lastRateCheckAt = now;
  }

  /** We sent these requests. */
  sent(reqs: readonly BlockRequest[], now: number): void {
    if (reqs.length === 0) return;
    if (this.queue.length === 0) this.waitingSince = now;
    for (const req of reqs) {
      this.queue.push(req);
      this.sentAt.push(now);
    }
  }

  /**
   * A block arrived. Returns true if it answered one of our outstanding requests; its bytes count
   * toward the rate either way.
   */
  received(block: BlockRequest, now: number): boolean {
    const found = this.remove(block);
    this.rate.add(block.length, now);
    this.lastBlockAt = now;
    this.waitingSince = now;
    this.everReceived = true;
    this.activeRate = this.rate.rate(now);
    this.isSnubbed = false;
    if (this.slowStart) {
      this.slowStartSize = Math.min(this.slowStartSize + 1, this.reqq);
      this.checkSlowStart(now);
    }
    return found;
  }

  /** A request was rejected (BEP 6) or cancelled by us. Returns true if it was outstanding. */
  removed(block: BlockRequest): boolean {
    return this.remove(block);
  }

  /** Choked (without the fast extension) or disconnected: every request is void. Returns them. */
  clear(): BlockRequest[] {
    const all = this.pending();
    this.queue.clear();
    this.sentAt.clear();
    return all;
  }

  /**
   * Periodic check (call about once a second): times out the overdue oldest request and detects
   * a snub.
   */
  tick(now: number): TickResult {
    if (this.slowStart) this.checkSlowStart(now);
    const head = this.queue.at(0);
    if (head === undefined) return QUIET;
    if (!this.isSnubbed && now - this.waitingSince >= this.snubAfterMs) {
      this.isSnubbed = true;
      this.slowStart = false;
      // Keep the oldest request (the peer may be sending it right now); free the rest.
      this.sentAt.splice(1);
      return { timedOut: this.queue.splice(1), becameSnubbed: true };
    }
    const since = Math.max(this.sentAt.at(0) as number, this.lastBlockAt);
    if (now - since > this.timeoutMs()) {
      this.queue.shift();
      this.sentAt.shift();
      this.slowStart = false;
      // The next request gets a full timeout of its own from now.
      this.lastBlockAt = now;
      return { timedOut: [head], becameSnubbed: false };
    }
    return QUIET;
  }

  /** Current timeout for the oldest request, from the rate the peer had when it last sent. */
  timeoutMs(): number {
    const r = this.activeRate;
    if (!this.everReceived || r <= 0) return this.firstBlockTimeoutMs;
    const t = (this.timeoutBlocks * this.blockSize * 1000) / r;
    return Math.min(this.maxTimeoutMs, Math.max(this.minTimeoutMs, t));
  }

  private checkSlowStart(now: number): void {
    if (now - this.lastRateCheckAt < 1000) return;
    const r = this.rate.rate(now);
    if (this.everReceived && r - this.lastRate < SLOW_START_MIN_GROWTH) this.slowStart = false;
    this.lastRate = r;
    this.lastRateCheckAt = now;
  }

  private remove(block: BlockRequest): boolean {
    // Answers come in request order, so the match is almost always at the front.
    const q = this.queue;
    for (let i = 0; i < q.length; i++) {
      const r = q.at(i) as BlockRequest;
      if (r.piece === block.piece && r.begin === block.begin && r.length === block.length) {
        q.removeAt(i);
        this.sentAt.removeAt(i);
        return true;
      }
    }
    return false;
  }
}
