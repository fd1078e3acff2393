import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionIds } from '../../src/tracker/connection-id.js';

test('ids verify for the same client within the window and the next, not after', () => {
  let now = 1_000_000;
  const ids = new ConnectionIds({ now: () => now, windowMs: 120_000 });
  const id = new Uint8Array(8);
  ids.issue('127.0.0.1', 5000, id, 0);
  assert.ok(ids.verify('127.0.0.1', 5000, id, 0));
  assert.ok(!ids.verify('127.0.0.2', 5000, id, 0), 'other address');
  assert.ok(!ids.verify('127.0.0.1', 5001, id, 0), 'other port');
  const flipped = id.slice();
  flipped[7] = (flipped[7] as number) ^ 1;
  assert.ok(!ids.verify('127.0.0.1', 5000, flipped, 0));
  now += 120_000; // next window: still valid (rotated secret, previous kept)
  assert.ok(ids.verify('127.0.0.1', 5000, id, 0));
  now += 120_000; // two windows later: expired
  assert.ok(!ids.verify('127.0.0.1', 5000, id, 0));
});

test('ids last at least two minutes (BEP 15) and secrets differ per instance', () => {
  let now = 119_999; // issued at the very end of a window
  const ids = new ConnectionIds({ now: () => now });
  const id = new Uint8Array(8);
  ids.issue('::1', 1, id, 0);
  now += 120_000;
  assert.ok(ids.verify('::1', 1, id, 0));
  const other = new ConnectionIds({ now: () => now });
  assert.ok(!other.verify('::1', 1, id, 0));
  assert.ok(!ids.verify('::1', 1, id.subarray(0, 4), 0), 'short buffer');
});
