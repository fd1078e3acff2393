import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileHandle } from 'node:fs/promises';
import { MAX_WRITE_BYTES, writevAll } from '../../src/storage/part-file.js';

/** A FileHandle stand-in over memory that records each writev and may write only part of it. */
function fakeHandle(size: number, partial: boolean): { h: FileHandle; mem: Uint8Array; calls: number[] } {
  const mem = new Uint8Array(size);
  const calls: number[] = [];
  let turn = 0;
  const h = {
    writev(buffers: Uint8Array[], position: number): Promise<{ bytesWritten: number }> {
      const total = buffers.reduce((n, b) => n + b.length, 0);
      calls.push(total);
      // Every other call writes only part of what it was given, as a real writev may.
      const allowed = partial && turn++ % 2 === 1 ? Math.max(1, Math.floor(total / 3)) : total;
      let at = position;
      let left = allowed;
      for (const b of buffers) {
        const n = Math.min(left, b.length);
        mem.set(b.subarray(0, n), at);
        at += n;
        left -= n;
        if (left === 0) break;
      }
      return Promise.resolve({ bytesWritten: allowed });
    },
  } as unknown as FileHandle;
  return { h, mem, calls };
}

test('writevAll writes everything, in calls of at most MAX_WRITE_BYTES, also across partial writes', async () => {
  const sizes = [100_000, 700_000, 1, 300_000, 1 << 20, 5];
  const buffers = sizes.map((n, i) => new Uint8Array(n).map((_, j) => (i * 41 + j * 7) & 0xff));
  const total = sizes.reduce((a, b) => a + b, 0);
  const expected = new Uint8Array(total + 1000);
  let at = 1000;
  for (const b of buffers) {
    expected.set(b, at);
    at += b.length;
  }
  for (const partial of [false, true]) {
    const { h, mem, calls } = fakeHandle(total + 1000, partial);
    await writevAll(h, buffers, 1000, '/x');
    assert.deepEqual(mem, expected, `partial=${partial}`);
    assert.ok(calls.every((n) => n <= MAX_WRITE_BYTES), `call sizes ${calls.join(',')}`);
    if (!partial) assert.equal(calls.length, Math.ceil(total / MAX_WRITE_BYTES));
  }
  // A small write is one call with the caller's own buffers.
  const small = fakeHandle(10, false);
  await writevAll(small.h, [new Uint8Array([1, 2]), new Uint8Array([3])], 0, '/x');
  assert.deepEqual(small.calls, [3]);
});
