// Per-source-IP rate limit for incoming DHT queries: a token bucket per IP, kept in a bounded
// map (when full, buckets that have refilled are forgotten first, then the oldest). Pure.

export interface RateLimit {
  /** Sustained queries per second per IP. */
  readonly perSecond: number;
  /** Burst size. */
  readonly burst: number;
  /** Most IPs tracked at once (default 10,000). */
  readonly maxTracked?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxTracked: number;
  dropped = 0;

  constructor(private readonly limit: RateLimit) {
    this.maxTracked = limit.maxTracked ?? 10_000;
  }

  allow(key: string, now: number): boolean {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxTracked) this.sweep(now, true);
      b = { tokens: this.limit.burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.perSecond);
      b.at = now;
    }
    if (b.tokens < 1) {
      this.dropped++;
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  /** Forgets IPs whose bucket has refilled; with `force`, also the oldest until there is room. */
  sweep(now: number, force = false): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.limit.perSecond >= this.limit.burst) this.buckets.delete(k);
    }
    if (force) {
      for (const k of this.buckets.keys()) {
        if (this.buckets.size < this.maxTracked) break;
        this.buckets.delete(k);
      }
    }
  }

  get tracked(): number {
    return this.buckets.size;
  }
}
