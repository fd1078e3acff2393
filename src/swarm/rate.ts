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
import { SwarmError } from './errors.js';

export interface RateEstimatorOptions {
  /** Length of the sliding window. Default 5000 ms. */
  windowMs?: number;
  /** Granularity of the window. Default 250 ms. */
  bucketMs?: number;
}

export class RateEstimator {
  private readonly bucketMs: number;
  private readonly bytes: Float64Array;
  /** Bucket number (floor(time / bucketMs)) each ring slot currently holds. */
  private readonly epoch: Float64Array;
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
    const n = Math.ceil(windowMs / this.bucketMs);
    this.bytes = new Float64Array(n);
    this.epoch = new Float64Array(n).fill(-Infinity);
    this.startedAt = now;
    this.latest = now;
  }

  /** Records `bytes` transferred at time `now` (ms). A clock that goes back counts as "no time passed". */
  add(bytes: number, now: number): void {
    if (now > this.latest) this.latest = now;
    const e = Math.floor(this.latest / this.bucketMs);
    const slot = e % this.bytes.length;
    if (this.epoch[slot] !== e) {
      this.epoch[slot] = e;
      this.bytes[slot] = 0;
    }
    this.bytes[slot] = (this.bytes[slot] as number) + bytes;
    this.total += bytes;
  }

  /** Bytes per second over the window ending at `now`. */
  rate(now: number): number {
    if (now > this.latest) this.latest = now;
    const t = this.latest;
    const n = this.bytes.length;
    const cur = Math.floor(t / this.bucketMs);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const e = this.epoch[i] as number;
      if (e > cur - n && e <= cur) sum += this.bytes[i] as number;
    }
    const windowStart = (cur - n + 1) * this.bucketMs;
    const span = Math.max(t - Math.max(windowStart, this.startedAt), this.bucketMs);
    return (sum * 1000) / span;
  }
}
