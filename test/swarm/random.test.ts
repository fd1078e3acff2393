import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt, shuffle, xoshiro128ss } from '../../src/swarm/random.js';

test('xoshiro128**: reproducible, seed-dependent, uniform enough', () => {
  const a = xoshiro128ss(7);
  const b = xoshiro128ss(7);
  const c = xoshiro128ss(8);
  const xs = Array.from({ length: 5 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c()));
  const r = xoshiro128ss(0); // a zero seed still works
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const v = r();
    assert.ok(v >= 0 && v < 1);
    const k = Math.floor(v * 10);
    counts[k] = (counts[k] as number) + 1;
  }
  for (const n of counts) assert.ok(n > 9500 && n < 10_500, `bucket ${n}`);
});

test('randomInt and shuffle', () => {
  assert.equal(randomInt(() => 0.9999999999, 3), 2);
  assert.equal(randomInt(() => 1, 3), 2, 'a stub returning 1 stays in range');
  const s1 = shuffle(xoshiro128ss(3), [1, 2, 3, 4, 5, 6]);
  const s2 = shuffle(xoshiro128ss(3), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(s1, s2);
  assert.deepEqual([...s1].sort(), [1, 2, 3, 4, 5, 6]);
});
