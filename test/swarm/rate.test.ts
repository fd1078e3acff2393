import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RateEstimator } from '../../src/swarm/rate.js';

/**
 * The definition, by brute force: every add is stamped with the bucket of the latest time seen so
 * far (reads included, so a clock that goes back counts as no time passed); a read sums the
 * buckets (cur - n, cur] over the window's span.
 */
class Reference {
  private latest: number;
  private readonly added: { bytes: number; bucket: number }[] = [];
  private readonly n: number;
  constructor(private readonly startedAt: number, private readonly windowMs: number, private readonly bucketMs: number) {
    this.latest = startedAt;
    this.n = Math.ceil(windowMs / bucketMs);
  }
  add(bytes: number, at: number): void {
    this.latest = Math.max(this.latest, at);
    this.added.push({ bytes, bucket: Math.floor(this.latest / this.bucketMs) });
  }
  rate(now: number): number {
    this.latest = Math.max(this.latest, now);
    const cur = Math.floor(this.latest / this.bucketMs);
    const sum = this.added.filter((e) => e.bucket > cur - this.n && e.bucket <= cur).reduce((s, e) => s + e.bytes, 0);
    const span = Math.max(this.latest - Math.max((cur - this.n + 1) * this.bucketMs, this.startedAt), this.bucketMs);
    return (sum * 1000) / span;
  }
}

test('rate: matches the sliding-window definition for any add/read sequence, clocks going back included', () => {
  const op = fc.record({ read: fc.boolean(), dt: fc.integer({ min: -300, max: 4000 }), bytes: fc.integer({ min: 0, max: 1 << 20 }) });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom([5000, 250], [1000, 100], [700, 250], [250, 250]), fc.array(op, { maxLength: 60 }), (start, [windowMs, bucketMs], ops) => {
      const r = new RateEstimator(start, { windowMs, bucketMs });
      const ref = new Reference(start, windowMs, bucketMs);
      let t = start;
      let total = 0;
      for (const o of ops) {
        t = Math.max(0, t + o.dt);
        if (o.read) assert.equal(r.rate(t), ref.rate(t));
        else {
          r.add(o.bytes, t);
          ref.add(o.bytes, t);
          total += o.bytes;
        }
      }
      assert.equal(r.total, total);
    }),
    { numRuns: 500 },
  );
});
