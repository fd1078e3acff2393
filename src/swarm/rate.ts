// A rolling transfer-rate estimator over a sliding window, on an injected clock.
//
// The request pipeline sizes its queue from the rate a peer sends at, and the choker ranks peers
// by rate (BEP 3: "unchoking the four peers which it has the best download rates from"). BEP 3
// leaves the measurement open; the classic choice, used here, is bytes over the last few seconds:
// long enough to smooth TCP bursts, short enough that a peer that stops sending drops in the
// ranking within one 10 s choking round.
//
// The window is a ring of small time buckets, so adding bytes and reading the rate are O(buckets)
// at most, with no per-transfer allocation. A young estimator divides by its age rather than the
// full window, so a new peer's rate is not underestimated during its first seconds.
//
// Every connection has two of these (download and upload), so the ring is one plain array of
// per-bucket byte counts, allocated at its final size (about 180 bytes), plus the number of the
// newest bucket. Keeping each slot's bucket number beside its bytes, in an array grown by push,
// took 384 bytes: a fifth of the swarm simulator's live heap at 1,000 peers was these rings.
// Float64Arrays would cost a view, an ArrayBuffer and memory outside the heap each.
import { SwarmError } from './errors.js';

export interface RateEstimatorOptions {
  /** Length of the sliding window. Default 5000 ms. */
  windowMs?: number;
  /** Granularity of the window. Default 250 ms. */
  bucketMs?: number;
}

export class RateEstimator {
  private readonly bucketMs: number;
  /** Slots in the ring. */
  private readonly slots: number;
  /**
   * Bytes of bucket b (floor(time / bucketMs)) are in ring[b % slots], for the buckets in
   * (head - slots, head]. Older slots are zeroed as head passes them.
   */
  private readonly ring: number[];
  private head: number;
  private readonly startedAt: number;
  private latest: number;
  /** All bytes ever added. */
  total = 0;

  constructor(now: number, opts: RateEstimatorOptions = {}) {
    const windowMs = opts.windowMs ?? 5000;
    this.bucketMs = opts.bucketMs ?? 250;
    if (!(this.bucketMs > 0) || !(windowMs >= this.bucketMs)) {
      throw new SwarmError('SWARM_BAD_ARGUMENT', `rate window ${windowMs} ms with buckets of ${this.bucketMs} ms`);
    }
    this.slots = Math.ceil(windowMs / this.bucketMs);
    this.ring = new Array<number>(this.slots).fill(0);
    this.startedAt = now;
    this.latest = now;
    this.head = Math.floor(now / this.bucketMs);
  }

  /** Moves the ring's head to the bucket of `latest`, zeroing the slots it passes. */
  private advance(): number {
    const cur = Math.floor(this.latest / this.bucketMs);
    let h = this.head;
    if (cur > h) {
      const ring = this.ring;
      const n = this.slots;
      // At most one lap: beyond it every slot is zero already.
      for (const stop = Math.min(cur, h + n); h < stop; ) ring[++h % n] = 0;
      this.head = cur;
    }
    return cur;
  }

  /** Records `bytes` transferred at time `now` (ms). A clock that goes back counts as "no time passed". */
  add(bytes: number, now: number): void {
    if (now > this.latest) this.latest = now;
    const i = this.advance() % this.slots;
    this.ring[i] = (this.ring[i] as number) + bytes;
    this.total += bytes;
  }

  /** Bytes per second over the window ending at `now`. */
  rate(now: number): number {
    if (now > this.latest) this.latest = now;
    const t = this.latest;
    const n = this.slots;
    const cur = this.advance();
    const ring = this.ring;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += ring[i] as number;
    const windowStart = (cur - n + 1) * this.bucketMs;
    const span = Math.max(t - Math.max(windowStart, this.startedAt), this.bucketMs);
    return (sum * 1000) / span;
  }
}
