import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PieceMap } from '../../src/storage/index.js';
import { PART_TARGET, coalesceRuns, planPieceWrite, planRead, sliceBuffers } from '../../src/storage/plan.js';
import { blocks, buildLayout, content } from './helpers.js';

test('sliceBuffers returns views across block boundaries without copying', () => {
  const data = content(40, 1);
  const bs = blocks(data, 16);
  const parts = sliceBuffers(bs, 10, 20);
  assert.equal(parts.length, 2);
  assert.equal(parts[0]?.buffer, data.buffer, 'a view, not a copy');
  assert.deepEqual(Buffer.concat(parts), Buffer.from(data.subarray(10, 30)));
  assert.strictEqual(sliceBuffers(bs, 16, 16)[0], bs[1], 'whole block passed as is');
  assert.deepEqual(sliceBuffers(bs, 40, 0), []);
});

test('a batch of consecutive pieces of one file coalesces into one write', () => {
  const m = new PieceMap(buildLayout(16, [100]));
  const runs = [3, 1, 0, 2].flatMap((p, i) => planPieceWrite(m, p, blocks(content(16, p), 4), i, () => true));
  const merged = coalesceRuns(runs);
  assert.equal(merged.length, 1);
  assert.equal(merged[0]?.position, 0);
  assert.equal(merged[0]?.length, 64);
  assert.equal(merged[0]?.buffers.length, 16);
  assert.deepEqual(merged[0]?.owners, [2, 1, 3, 0]);
});

test('non-adjacent pieces and the iovec limit split runs', () => {
  const m = new PieceMap(buildLayout(16, [100]));
  const runs = [0, 2].flatMap((p, i) => planPieceWrite(m, p, [content(16, p)], i, () => true));
  assert.equal(coalesceRuns(runs).length, 2);
  const many = [0, 1, 2, 3].flatMap((p, i) => planPieceWrite(m, p, blocks(content(16, p), 4), i, () => true));
  assert.equal(coalesceRuns(many, 8).length, 2);
});

test('skipped file bytes of a straddling piece go to the part file; a piece only in skipped files is refused', () => {
  const m = new PieceMap(buildLayout(16, [10, 12, 10]));
  const runs = planPieceWrite(m, 0, [content(16, 0)], 0, (f) => f !== 1);
  assert.deepEqual(runs.map((r) => [r.target, r.position, r.length]), [[0, 0, 10], [PART_TARGET, 0, 16]], 'part slot holds the whole piece');
  assert.throws(() => planPieceWrite(m, 0, [content(16, 0)], 0, () => false), /only in skipped files/);
  assert.throws(() => planPieceWrite(m, 0, [content(15, 0)], 0, () => true), /is 16 bytes, got 15/);
  // Part runs of different pieces never merge, even when adjacent in the piece space.
  const a = planPieceWrite(m, 0, [content(16, 0)], 0, (f) => f !== 1);
  const b = planPieceWrite(m, 1, [content(16, 1)], 1, (f) => f !== 1);
  assert.equal(coalesceRuns([...a, ...b]).filter((r) => r.target === PART_TARGET).length, 2);
});

test('read plans route skipped files to the part file only when it holds the piece', () => {
  const m = new PieceMap(buildLayout(16, [10, 12, 10]));
  assert.deepEqual(planRead(m, 0, 4, 10, (s) => s.fileIndex === 1), [
    { target: 0, position: 4, length: 6, rangeOffset: 0 },
    { target: PART_TARGET, position: 10, length: 4, rangeOffset: 6 },
  ]);
});
