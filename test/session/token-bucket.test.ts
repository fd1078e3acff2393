import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../src/session/token-bucket.js';

test('token bucket paces to its rate on an injected clock', () => {
  let now = 0;
  const clock = { now: () => now };
  const b = new TokenBucket(clock, 100_000, 0.5);
  let sent = 0;
  for (let t = 0; t < 10_000; t += 10) {
    now = t;
    while (b.tryTake(16384)) sent += 16384;
  }
  // 10 s at 100 kB/s, plus the initial burst and one block of debt.
  assert.ok(sent >= 1_000_000 && sent <= 1_000_000 + 65536 + 16384 * 2, `sent ${sent}`);
});

test('consume puts the bucket in debt and waitMs says for how long', () => {
  let now = 0;
  const b = new TokenBucket({ now: () => now }, 10_000, 0.5);
  b.consume(65536 + 10_000);
  assert.equal(b.waitMs(), 1001);
  now = 1001;
  assert.equal(b.waitMs(), 0);
});

test('a zero rate is unlimited', () => {
  const b = new TokenBucket({ now: () => 0 }, 0);
  assert.ok(b.unlimited);
  for (let i = 0; i < 1000; i++) assert.ok(b.tryTake(1 << 20));
  assert.equal(b.waitMs(), 0);
});
