import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PieceMap, StorageError, createBitfield, setPiece } from '../../src/storage/index.js';
import { buildLayout } from './helpers.js';

const layoutError = (e: unknown): boolean => e instanceof StorageError && e.code === 'STORAGE_BAD_LAYOUT';

test('single file: piece sizes and a short last piece', () => {
  const m = new PieceMap(buildLayout(16, [40]));
  assert.equal(m.pieceCount, 3);
  assert.equal(m.pieceSize(0), 16);
  assert.equal(m.pieceSize(2), 8);
  assert.equal(m.lastPieceSize, 8);
  assert.deepEqual(m.pieceSpans(2), [{ fileIndex: 0, fileOffset: 32, length: 8, rangeOffset: 0 }]);
  assert.deepEqual(m.filePieces(0), { first: 0, end: 3 });
});

test('multi-file v1: a piece straddling three files, zero-length and one-byte files', () => {
  // files: 10 bytes, empty, 1 byte, 3 bytes, 20 bytes; pieces of 16
  const m = new PieceMap(buildLayout(16, [10, 0, 1, 3, 20]));
  assert.equal(m.spaceLength, 34);
  assert.equal(m.pieceCount, 3);
  assert.deepEqual(m.pieceSpans(0), [
    { fileIndex: 0, fileOffset: 0, length: 10, rangeOffset: 0 },
    { fileIndex: 2, fileOffset: 0, length: 1, rangeOffset: 10 },
    { fileIndex: 3, fileOffset: 0, length: 3, rangeOffset: 11 },
    { fileIndex: 4, fileOffset: 0, length: 2, rangeOffset: 14 },
  ]);
  assert.deepEqual(m.pieceSpans(1), [{ fileIndex: 4, fileOffset: 2, length: 16, rangeOffset: 0 }]);
  assert.deepEqual(m.pieceSpans(2), [{ fileIndex: 4, fileOffset: 18, length: 2, rangeOffset: 0 }]);
  assert.deepEqual(m.filePieces(1), { first: 0, end: 0 }, 'empty file touches no piece');
  assert.deepEqual(m.filePieces(2), { first: 0, end: 1 });
  assert.deepEqual(m.filePieces(4), { first: 0, end: 3 });
  assert.deepEqual(m.filesOfPiece(0), [0, 2, 3, 4]);
  assert.deepEqual(m.multiFilePieces(), [0]);
  assert.equal(m.dataFileCount, 4);
});

test('block spans inside a piece, and range errors', () => {
  const m = new PieceMap(buildLayout(16, [10, 30]));
  assert.deepEqual(m.blockSpans(0, 8, 4), [
    { fileIndex: 0, fileOffset: 8, length: 2, rangeOffset: 0 },
    { fileIndex: 1, fileOffset: 0, length: 2, rangeOffset: 2 },
  ]);
  const oor = (e: unknown): boolean => e instanceof StorageError && e.code === 'STORAGE_OUT_OF_RANGE';
  assert.throws(() => m.blockSpans(2, 0, 16), oor, 'last piece is 8 bytes');
  assert.throws(() => m.blockSpans(0, -1, 2), oor);
  assert.throws(() => m.pieceSpans(3), oor);
  assert.throws(() => m.pieceSize(1.5), oor);
  assert.throws(() => m.spans(39, 2), oor);
  assert.deepEqual(m.blockSpans(0, 3, 0), []);
});

test('hybrid: BEP 47 padding files are skipped and align every file', () => {
  const layout = buildLayout(16, [10, 20, 5], 'hybrid');
  assert.deepEqual(layout.files.map((f) => [f.offset, f.length, f.pad]), [
    [0, 10, false], [10, 6, true], [16, 20, false], [36, 12, true], [48, 5, false],
  ]);
  const m = new PieceMap(layout);
  assert.equal(m.pieceCount, 4);
  assert.deepEqual(m.pieceSpans(0), [{ fileIndex: 0, fileOffset: 0, length: 10, rangeOffset: 0 }]);
  assert.deepEqual(m.pieceSpans(2), [{ fileIndex: 2, fileOffset: 16, length: 4, rangeOffset: 0 }]);
  assert.deepEqual(m.pieceSpans(3), [{ fileIndex: 4, fileOffset: 0, length: 5, rangeOffset: 0 }]);
  assert.equal(m.pieceSize(3), 5);
  assert.deepEqual(m.filePieces(1), { first: 0, end: 0 }, 'padding touches no piece');
  assert.deepEqual(m.filePieces(4), { first: 3, end: 4 });
  assert.deepEqual(m.multiFilePieces(), []);
});

test('v2: virtual alignment gaps without padding entries', () => {
  const layout = buildLayout(16, [1, 17, 16], 'v2');
  assert.deepEqual(layout.files.map((f) => f.offset), [0, 16, 48]);
  const m = new PieceMap(layout);
  assert.equal(m.pieceCount, 4);
  assert.deepEqual(m.pieceSpans(0), [{ fileIndex: 0, fileOffset: 0, length: 1, rangeOffset: 0 }]);
  assert.deepEqual(m.pieceSpans(2), [{ fileIndex: 1, fileOffset: 16, length: 1, rangeOffset: 0 }]);
  assert.deepEqual(m.spans(0, 64), [
    { fileIndex: 0, fileOffset: 0, length: 1, rangeOffset: 0 },
    { fileIndex: 1, fileOffset: 0, length: 17, rangeOffset: 16 },
    { fileIndex: 2, fileOffset: 0, length: 16, rangeOffset: 48 },
  ]);
  assert.deepEqual(m.spans(20, 20), [{ fileIndex: 1, fileOffset: 4, length: 13, rangeOffset: 0 }]);
  assert.deepEqual([0, 1, 2, 3].map((p) => m.pieceDataEnd(p)), [1, 16, 1, 16], 'bytes a v2 piece hash covers');
});

test('isFileComplete follows the bitfield', () => {
  const m = new PieceMap(buildLayout(16, [10, 30, 0]));
  const bf = createBitfield(m.pieceCount);
  setPiece(bf, 0);
  assert.equal(m.isFileComplete(0, bf), true);
  assert.equal(m.isFileComplete(1, bf), false);
  assert.equal(m.isFileComplete(2, bf), true, 'empty file');
  setPiece(bf, 1);
  setPiece(bf, 2);
  assert.equal(m.isFileComplete(1, bf), true);
});

test('empty torrent and all-empty files', () => {
  const m = new PieceMap({ pieceLength: 16, pieceCount: 0, files: [{ path: ['a'], length: 0, offset: 0, pad: false }] });
  assert.equal(m.pieceCount, 0);
  assert.equal(m.lastPieceSize, 0);
  assert.deepEqual(m.spans(0, 0), []);
});

test('rejects inconsistent layouts', () => {
  const f = (offset: number, length: number, pad = false) => ({ path: ['x'], offset, length, pad });
  assert.throws(() => new PieceMap({ pieceLength: 0, pieceCount: 0, files: [] }), layoutError);
  assert.throws(() => new PieceMap({ pieceLength: 16, pieceCount: 2, files: [f(0, 16)] }), layoutError, 'piece count');
  assert.throws(() => new PieceMap({ pieceLength: 16, pieceCount: 2, files: [f(0, 20), f(10, 10)] }), layoutError, 'overlap');
  assert.throws(() => new PieceMap({ pieceLength: 16, pieceCount: 1, files: [f(-1, 4)] }), layoutError);
  assert.throws(() => new PieceMap({ pieceLength: 16, pieceCount: 1, files: [f(0, 1.5)] }), layoutError);
  assert.doesNotThrow(() => new PieceMap({ pieceLength: 16, pieceCount: 1, files: [f(0, 4), f(16, 0)] }), 'trailing empty file after a v2 gap');
});

test('binary search scales: 100k files', () => {
  const specs = Array.from({ length: 100_000 }, (_, i) => (i % 7) + 1);
  const m = new PieceMap(buildLayout(1 << 14, specs));
  const t = performance.now();
  let n = 0;
  for (let p = 0; p < m.pieceCount; p++) n += m.pieceSpans(p).length;
  assert.ok(n >= 100_000);
  assert.ok(performance.now() - t < 2000);
});

test('the metainfo model is a StorageLayout (compile-time check)', () => {
  type Metainfo = import('../../src/metainfo/index.js').Metainfo;
  const accepts = (_l: import('../../src/storage/index.js').StorageLayout): void => undefined;
  const check = (m: Metainfo): void => accepts(m);
  assert.equal(typeof check, 'function');
});
