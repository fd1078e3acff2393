import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortedError } from '../../src/errors.js';
import { FaultyStorage, MemoryStorage, RecordingStorage, StorageError } from '../../src/storage/index.js';
import { buildLayout, content, pieceOf, pieceSpace } from './helpers.js';

const injected = (e: unknown): boolean => e instanceof StorageError && e.code === 'STORAGE_INJECTED_FAULT';

test('FaultyStorage fails chosen writes and reads, and leaves the rest intact', async () => {
  const layout = buildLayout(16, [64]);
  const space = pieceSpace(layout, () => content(64, 2));
  const mem = new MemoryStorage(layout);
  const s = new FaultyStorage(mem, { failWrite: (_p, nth) => nth === 1 });
  await s.writePiece(0, pieceOf(space, layout, 0));
  await assert.rejects(s.writePiece(1, pieceOf(space, layout, 1)), injected);
  // In a batch, the failing piece rejects the call; the others are still written.
  s.rules = { failWrite: (p) => p === 3 };
  await assert.rejects(s.writePieces([2, 3].map((p) => ({ piece: p, data: pieceOf(space, layout, p) }))), injected);
  s.rules = { failRead: (p) => p === 0 };
  await assert.rejects(s.readPiece(0), injected);
  assert.deepEqual(Buffer.from(await s.readBlock(2, 0, 16)), Buffer.from(pieceOf(space, layout, 2)));
  assert.deepEqual([...(await mem.readBlock(1, 0, 4))], [0, 0, 0, 0], 'failed write left no bytes (sparse zeros)');
  s.rules = { corruptRead: () => true };
  const bad = await s.readPiece(2);
  assert.notEqual(bad[0], pieceOf(space, layout, 2)[0]);
  assert.equal(s.faults, 3);
});

test('FaultyStorage delays operations, and a delayed operation can be aborted', async () => {
  const layout = buildLayout(16, [32]);
  const s = new FaultyStorage(new MemoryStorage(layout), { delayMs: (op) => (op === 'write' ? 30 : 0) });
  const t = performance.now();
  await s.writePiece(0, content(16, 1));
  assert.ok(performance.now() - t >= 25);
  const ac = new AbortController();
  const w = s.writePiece(1, content(16, 1), { signal: ac.signal });
  ac.abort();
  await assert.rejects(w, AbortedError);
  assert.deepEqual([...(await s.readBlock(1, 0, 2))], [0, 0], 'aborted write never reached the storage');
});

test('RecordingStorage records every write in order, with data when asked', async () => {
  const layout = buildLayout(16, [40]);
  const rec = new RecordingStorage(new MemoryStorage(layout), { keepData: true });
  await rec.writePieces([{ piece: 2, data: content(8, 3) }, { piece: 0, data: [content(10, 1), content(6, 2)] }]);
  await rec.writePiece(2, content(8, 3));
  assert.deepEqual(rec.writes.map((w) => [w.seq, w.piece, w.length]), [[0, 2, 8], [1, 0, 16], [2, 2, 8]]);
  assert.deepEqual(Buffer.from(rec.writes[1]?.data ?? []), Buffer.concat([content(10, 1), content(6, 2)]));
  assert.deepEqual(rec.duplicates(), [2]);
  await rec.readPiece(0);
  assert.equal(rec.reads, 1);
  // A veto in onWrite keeps the bytes from the inner storage.
  const inner = new MemoryStorage(layout);
  const strict = new RecordingStorage(inner, { onWrite: (r) => { if (r.piece === 1) throw new Error('unverified'); } });
  await assert.rejects(strict.writePiece(1, content(16, 1)), /unverified/);
  assert.equal(inner.fileData(0), undefined);
});
