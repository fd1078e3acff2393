import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FileStorage, MemoryStorage, PieceMap, type Storage, type StorageLayout } from '../../src/storage/index.js';
import { blocks, buildLayout, content, pieceOf, pieceSpace, withTmp } from './helpers.js';

const arbLayout = fc
  .record({
    pieceLength: fc.constantFrom(1, 2, 7, 16, 32),
    sizes: fc.array(fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 80 })), { minLength: 1, maxLength: 8 }),
    mode: fc.constantFrom('v1' as const, 'hybrid' as const, 'v2' as const),
  })
  .map(({ pieceLength, sizes, mode }) => buildLayout(pieceLength, sizes, mode))
  .filter((l) => l.pieceCount > 0);

/** Owner of each byte of the piece space (-1 for padding and gaps), by brute force. */
function owners(layout: StorageLayout): Int32Array {
  const end = layout.files.reduce((m, f) => (f.length > 0 ? Math.max(m, f.offset + f.length) : m), 0);
  const out = new Int32Array(end).fill(-1);
  layout.files.forEach((f, i) => {
    if (!f.pad) for (let b = f.offset; b < f.offset + f.length; b++) out[b] = i;
  });
  return out;
}

test('spans agree with a byte-by-byte model for any range', () => {
  fc.assert(
    fc.property(arbLayout, fc.nat(), fc.nat(), (layout, a, b) => {
      const m = new PieceMap(layout);
      const own = owners(layout);
      const start = a % (m.spaceLength + 1);
      const length = b % (m.spaceLength - start + 1);
      const seen = new Int32Array(length).fill(-1);
      for (const s of m.spans(start, length)) {
        assert.ok(s.length > 0);
        const f = layout.files[s.fileIndex];
        assert.ok(f && !f.pad);
        for (let k = 0; k < s.length; k++) {
          assert.equal(seen[s.rangeOffset + k], -1, 'no byte covered twice');
          seen[s.rangeOffset + k] = s.fileIndex;
          assert.equal(f.offset + s.fileOffset + k, start + s.rangeOffset + k);
        }
      }
      assert.deepEqual(seen, own.subarray(start, start + length));
    }),
    { numRuns: 300 },
  );
});

async function roundTrip(
  s: Storage, layout: StorageLayout, wanted: boolean[], order: number[], blockSize: number, batch: number, toggles: number[],
): Promise<void> {
  const space = pieceSpace(layout, (i) => content(layout.files[i]?.length ?? 0, i + 3));
  const m = s.layout;
  const writable = order.filter((p) => p < m.pieceCount && s.isPieceWanted(p));
  const unique = [...new Set(writable)];
  for (let i = 0; i < unique.length; i += batch) {
    const chunk = unique.slice(i, i + batch).map((p) => ({ piece: p, data: blocks(pieceOf(space, layout, p), blockSize) }));
    await s.writePieces(chunk);
  }
  for (const p of unique) {
    const size = m.pieceSize(p);
    assert.deepEqual(Buffer.from(await s.readPiece(p)), Buffer.from(pieceOf(space, layout, p)), `piece ${p}`);
    const begin = (p * 7) % size;
    const len = Math.min(size - begin, 1 + ((p * 13) % size));
    assert.deepEqual(Buffer.from(await s.readBlock(p, begin, len)), Buffer.from(pieceOf(space, layout, p).subarray(begin, begin + len)));
  }
  const fp = await s.fingerprint();
  layout.files.forEach((f, i) => {
    if (!wanted[i] && f.length > 0) assert.equal(fp.files[i], null, `skipped file ${i} created`);
  });
  // Skipping and wanting files again never changes what a stored piece reads as.
  for (const t of toggles) {
    const f = t % layout.files.length;
    await s.setFileWanted(f, !s.isFileWanted(f));
    for (const p of unique) {
      assert.deepEqual(Buffer.from(await s.readPiece(p)), Buffer.from(pieceOf(space, layout, p)), `piece ${p} after toggling file ${f}`);
    }
  }
  // Wanting everything moves kept-aside bytes into their files; then the rest can be written.
  for (let i = 0; i < layout.files.length; i++) await s.setFileWanted(i, true);
  const rest = Array.from({ length: m.pieceCount }, (_, p) => p).filter((p) => !unique.includes(p));
  await s.writePieces(rest.map((p) => ({ piece: p, data: pieceOf(space, layout, p) })));
  for (let p = 0; p < m.pieceCount; p++) {
    assert.deepEqual(Buffer.from(await s.readPiece(p)), Buffer.from(pieceOf(space, layout, p)), `piece ${p} after wanting all`);
  }
  const fp2 = await s.fingerprint();
  assert.equal(fp2.part, null, 'part file emptied');
  layout.files.forEach((f, i) => {
    if (!f.pad && f.length > 0) assert.equal(fp2.files[i]?.size, f.length);
  });
}

const arbCase = arbLayout.chain((layout) =>
  fc.record({
    layout: fc.constant(layout),
    wanted: fc.array(fc.boolean(), { minLength: layout.files.length, maxLength: layout.files.length }),
    order: fc.shuffledSubarray(Array.from({ length: layout.pieceCount }, (_, i) => i), { minLength: layout.pieceCount }),
    blockSize: fc.integer({ min: 1, max: 40 }),
    batch: fc.integer({ min: 1, max: 6 }),
    toggles: fc.array(fc.nat(), { maxLength: 6 }),
  }),
);

test('MemoryStorage: any layout, wanted set, write order, blocks and batching round-trips', async () => {
  await fc.assert(
    fc.asyncProperty(arbCase, async ({ layout, wanted, order, blockSize, batch, toggles }) => {
      const s = new MemoryStorage(layout, { wanted });
      await roundTrip(s, layout, wanted, order, blockSize, batch, toggles);
      await s.close();
    }),
    { numRuns: 200 },
  );
});

test('FileStorage: the same property on a real folder', async () => {
  await fc.assert(
    fc.asyncProperty(arbCase, async ({ layout, wanted, order, blockSize, batch, toggles }) => {
      await withTmp(async (root) => {
        const s = await FileStorage.open(layout, { root, wanted, maxOpenFiles: 2 });
        await roundTrip(s, layout, wanted, order, blockSize, batch, toggles);
        await s.close();
      });
    }),
    { numRuns: 25 },
  );
});

test('layouts planned by the metainfo layer are accepted and every file byte maps exactly once', async () => {
  const { planPieceSpace } = await import('../../src/metainfo/index.js');
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 70_000 })), { minLength: 1, maxLength: 6 }),
      fc.constantFrom('v1' as const, 'v2' as const, 'hybrid' as const),
      (lengths, version) => {
        const planned = planPieceSpace(lengths.map((length, i) => ({ path: [`file${i}`], length })), 16384, version);
        const end = planned.reduce((m, f) => (f.length > 0 ? Math.max(m, f.offset + f.length) : m), 0);
        const layout: StorageLayout = { pieceLength: 16384, pieceCount: Math.ceil(end / 16384), files: planned };
        const m = new PieceMap(layout);
        const covered = new Map<number, number>();
        for (let p = 0; p < m.pieceCount; p++) {
          for (const s of m.pieceSpans(p)) covered.set(s.fileIndex, (covered.get(s.fileIndex) ?? 0) + s.length);
        }
        planned.forEach((f, i) => assert.equal(covered.get(i) ?? 0, f.pad ? 0 : f.length));
        if (version !== 'v1') {
          planned.forEach((f, i) => {
            if (!f.pad && f.length > 0) assert.equal(m.filePieces(i).first * 16384, f.offset, 'aligned');
          });
        }
      },
    ),
    { numRuns: 200 },
  );
});
