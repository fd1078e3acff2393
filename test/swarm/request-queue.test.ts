import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateEstimator } from '../../src/swarm/rate.js';
import { RequestQueue } from '../../src/swarm/request-queue.js';
import type { BlockRequest } from '../../src/swarm/geometry.js';

const B = 16384;
const blk = (i: number): BlockRequest => ({ piece: i >> 4, begin: (i & 15) * B, length: B });
const blocks = (from: number, n: number): BlockRequest[] => Array.from({ length: n }, (_, k) => blk(from + k));

test('rate: bytes over the sliding window', () => {
  const r = new RateEstimator(0, { windowMs: 5000, bucketMs: 250 });
  assert.equal(r.rate(0), 0);
  // 100 KB/s for 10 s.
  for (let t = 0; t < 10_000; t += 100) r.add(10_000, t);
  const v = r.rate(10_000);
  assert.ok(Math.abs(v - 100_000) < 6000, `rate ${v}`);
  assert.equal(r.total, 1_000_000);
  // Silence: the rate decays to zero once the window has passed.
  assert.ok(r.rate(12_500) < 60_000);
  assert.equal(r.rate(16_000), 0);
});

test('rate: a young estimator divides by its age', () => {
  const r = new RateEstimator(1000);
  r.add(50_000, 1500);
  r.add(50_000, 2000);
  const v = r.rate(2000);
  assert.ok(Math.abs(v - 100_000) < 1, `rate ${v}`);
  // A clock that goes back does not break it.
  r.add(1000, 1900);
  assert.ok(r.rate(1800) > 0);
});

test('slow start: the queue grows by one per block, then follows the rate', () => {
  const q = new RequestQueue({ now: 0 });
  assert.equal(q.inSlowStart, true);
  assert.equal(q.desired(0), 4);
  q.sent(blocks(0, 4), 0);
  assert.equal(q.room(0), 0);
  assert.equal(q.received(blk(0), 100), true);
  assert.equal(q.desired(100), 5);
  assert.equal(q.room(100), 2);
  // A steady 1 MiB/s (64 blocks/s) for a few seconds: growth stops, slow start ends.
  let t = 100;
  let i = 1;
  while (q.inSlowStart && t < 20_000) {
    t += 1000 / 64;
    q.received(blk(i++), t);
  }
  assert.equal(q.inSlowStart, false);
  // 3 s of 1 MiB/s = 192 blocks.
  const d = q.desired(t);
  assert.ok(d > 170 && d <= 200, `desired ${d}`);
});

test('desired is clamped to [min, reqq]; a snubbed peer gets one', () => {
  const q = new RequestQueue({ now: 0, reqq: 50 });
  let t = 0;
  for (let i = 0; i < 2000; i++) {
    t += 2; // 8 MiB/s
    q.received(blk(i), t);
  }
  assert.equal(q.desired(t), 50);
  q.setReqq(500);
  assert.ok(q.desired(t) > 250);
  q.setReqq(-3); // ignored
  assert.ok(q.desired(t) > 250);
  const slow = new RequestQueue({ now: 0 });
  slow.received(blk(0), 10_000);
  slow.tick(12_000);
  assert.equal(slow.inSlowStart, false);
  assert.equal(slow.desired(30_000), 4, 'rate gone: the minimum');
  const tiny = new RequestQueue({ now: 0, reqq: 2 });
  assert.equal(tiny.desired(0), 2);
});

test('timeouts: the oldest request, first-block timeout, then rate-based', () => {
  const q = new RequestQueue({ now: 0 });
  q.sent(blocks(0, 4), 1000);
  assert.deepEqual(q.tick(20_000).timedOut, []);
  const r = q.tick(21_001);
  assert.deepEqual(r.timedOut, [blk(0)]);
  assert.equal(q.outstanding, 3);
  assert.equal(q.inSlowStart, false);
  // The next one gets a fresh timeout.
  assert.deepEqual(q.tick(22_000).timedOut, []);

  // A peer at 160 KiB/s: 6 block-times = 0.6 s, bounded below by 5 s.
  const f = new RequestQueue({ now: 0 });
  let t = 0;
  for (let i = 0; i < 50; i++) {
    f.sent([blk(i)], t);
    t += 100;
    f.received(blk(i), t);
  }
  assert.equal(f.timeoutMs(), 5000);
  f.sent(blocks(100, 3), t);
  assert.deepEqual(f.tick(t + 4000).timedOut, []);
  assert.deepEqual(f.tick(t + 5001).timedOut, [blk(100)]);
});

test('snub: 60 s without a block while requests are outstanding', () => {
  const q = new RequestQueue({ now: 0, firstBlockTimeoutMs: 1e9 });
  q.sent(blocks(0, 10), 0);
  assert.equal(q.tick(59_000).becameSnubbed, false);
  const r = q.tick(60_000);
  assert.equal(r.becameSnubbed, true);
  assert.deepEqual(r.timedOut, blocks(1, 9), 'all but the oldest are freed');
  assert.equal(q.snubbed, true);
  assert.equal(q.desired(60_000), 1);
  assert.equal(q.tick(61_000).becameSnubbed, false);
  q.received(blk(0), 62_000);
  assert.equal(q.snubbed, false);
  assert.ok(q.desired(62_000) >= 4);
});

test('idle time without requests does not count toward a snub', () => {
  const q = new RequestQueue({ now: 0 });
  assert.equal(q.tick(100_000).becameSnubbed, false);
  q.sent([blk(0)], 100_000);
  assert.equal(q.tick(150_000).becameSnubbed, false);
});

test('removed / clear / unsolicited', () => {
  const q = new RequestQueue({ now: 0 });
  q.sent(blocks(0, 3), 0);
  assert.equal(q.removed(blk(1)), true);
  assert.equal(q.removed(blk(1)), false);
  assert.equal(q.received(blk(7), 10), false, 'unsolicited, but counted');
  assert.equal(q.rate.total, B);
  assert.deepEqual(q.clear(), [blk(0), blk(2)]);
  assert.equal(q.outstanding, 0);
});
