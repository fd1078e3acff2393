// The report's arithmetic: quantiles, tied ranks, Spearman, the Kumar & Ross bounds, chart ticks,
// and the simulated tracker's sampling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distributionBounds, median, quantile, ranks, spearman } from '../../sim/swarm/stats.js';
import { ticks } from '../../sim/swarm/svg.js';
import { SimTracker } from '../../sim/swarm/tracker.js';
import { xoshiro128ss } from '../../src/swarm/random.js';

test('quantiles interpolate; ranks average ties; Spearman is 1 for any increasing relation', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(quantile([0, 10], 0.25), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.deepEqual(ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
  assert.equal(spearman([1, 2, 3, 4], [1, 8, 27, 64]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
});

test('Kumar & Ross: the largest of the seed, slowest-download and aggregate-upload terms', () => {
  const F = 1000;
  const peers = [{ upload: 10, download: 100 }, { upload: 10, download: 50 }];
  const b = distributionBounds(F, 20, peers);
  // F/u_s = 50, F/d_min = 20, N*F/(u_s + sum u) = 2000/40 = 50.
  assert.equal(b.p2p, 50);
  assert.equal(b.clientServer, 100);
  assert.equal(distributionBounds(F, 1000, peers).p2p, 20);
});

test('chart ticks are round numbers covering the range', () => {
  const unit = ticks(0, 1);
  assert.equal(unit.length, 6);
  unit.forEach((v, i) => assert.ok(Math.abs(v - i * 0.2) < 1e-9, `${v}`));
  assert.deepEqual(ticks(0, 95), [0, 20, 40, 60, 80]);
  assert.deepEqual(ticks(5, 5), [5]);
});

test('the tracker hands out distinct other members, and forgets those who left', () => {
  const t = new SimTracker<{ index: number }>(xoshiro128ss(1));
  const members = Array.from({ length: 200 }, (_, index) => ({ index }));
  for (const m of members) t.join(m);
  const self = members[5] as { index: number };
  for (const n of [10, 150, 500]) {
    const got = t.announce(self, n);
    assert.equal(got.length, Math.min(n, 199));
    assert.equal(new Set(got.map((g) => g.index)).size, got.length);
    assert.ok(!got.includes(self));
  }
  for (const m of members.slice(0, 190)) t.leave(m);
  assert.equal(t.size, 10);
  assert.ok(t.announce(members[195] as { index: number }, 50).every((g) => g.index >= 190 && g.index !== 195));
});
