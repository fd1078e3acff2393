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
// (bucket number, bytes) pairs: two heap objects, where two Float64Arrays were six (each a view,
// an ArrayBuffer and memory outside the heap): about 0.8 KiB more per connection, and more
// dependent loads per call, in the swarm simulator's runs of thousands of peers.
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
   * Slot i is ring[2i], the bucket number (floor(time / bucketMs)) it currently holds, and
   * ring[2i + 1], its bytes. Doubles only, so V8 keeps them unboxed.
   */
  private readonly ring: number[] = [];
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
    const n = (this.slots = Math.ceil(windowMs / this.bucketMs));
    for (let i = 0; i < n; i++) this.ring.push(-Infinity, 0);
    this.startedAt = now;
    this.latest = now;
  }

  /** Records `bytes` transferred at time `now` (ms). A clock that goes back counts as "no time passed". */
  add(bytes: number, now: number): void {
    if (now > this.latest) this.latest = now;
    const e = Math.floor(this.latest / this.bucketMs);
    const i = 2 * (e % this.slots);
    const ring = this.ring;
    if (ring[i] !== e) {
      ring[i] = e;
      ring[i + 1] = 0;
    }
    ring[i + 1] = (ring[i + 1] as number) + bytes;
    this.total += bytes;
  }

  /** Bytes per second over the window ending at `now`. */
  rate(now: number): number {
    if (now > this.latest) this.latest = now;
    const t = this.latest;
    const n = this.slots;
    const cur = Math.floor(t / this.bucketMs);
    const ring = this.ring;
    let sum = 0;
    for (let i = 0; i < 2 * n; i += 2) {
      const e = ring[i] as number;
      if (e > cur - n && e <= cur) sum += ring[i + 1] as number;
    }
    const windowStart = (cur - n + 1) * this.bucketMs;
    const span = Math.max(t - Math.max(windowStart, this.startedAt), this.bucketMs);
    return (sum * 1000) / span;
  }
}
