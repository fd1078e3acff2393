// Behaviour every Storage backend must show, run against MemoryStorage and FileStorage alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortedError } from '../../src/errors.js';
import { StorageError, hasPiece, type Storage, type StorageLayout } from '../../src/storage/index.js';
import { blocks, buildLayout, content, pieceOf, pieceSpace } from './helpers.js';

export type MakeStorage = (layout: StorageLayout, wanted?: boolean[]) => Promise<{ storage: Storage; reopen: () => Promise<Storage>; done: () => Promise<void> }>;

const code = (c: string) => (e: unknown): boolean => e instanceof StorageError && e.code === c;

async function writeAll(s: Storage, layout: StorageLayout, space: Uint8Array, batch: boolean, skip: (p: number) => boolean = () => false): Promise<void> {
  const writes = [];
  for (let p = 0; p < layout.pieceCount; p++) if (!skip(p)) writes.push({ piece: p, data: blocks(pieceOf(space, layout, p), 5) });
  if (batch) await s.writePieces(writes);
  else for (const w of writes) await s.writePiece(w.piece, w.data);
}

async function readBack(s: Storage, layout: StorageLayout, space: Uint8Array, pieces?: number[]): Promise<void> {
  for (const p of pieces ?? Array.from({ length: layout.pieceCount }, (_, i) => i)) {
    assert.deepEqual(Buffer.from(await s.readPiece(p)), Buffer.from(pieceOf(space, layout, p)), `piece ${p}`);
  }
}

export function complianceSuite(name: string, make: MakeStorage): void {
  const cases: [string, StorageLayout][] = [
    ['v1 multi-file with empty and one-byte files', buildLayout(16, [10, 0, 1, 3, 37, 1, 0, 16])],
    ['hybrid with padding files', buildLayout(16, [10, 20, 1, 33], 'hybrid')],
    ['v2 with virtual gaps', buildLayout(16, [1, 17, 16, 5], 'v2')],
    ['single file, short last piece', buildLayout(32, [100])],
  ];
  for (const [label, layout] of cases) {
    for (const batch of [false, true]) {
      test(`${name}: round trip, ${label}${batch ? ' (batched)' : ''}`, async () => {
        const { storage, reopen, done } = await make(layout);
        try {
          const space = pieceSpace(layout, (i) => content(layout.files[i]?.length ?? 0, i + 1));
          await writeAll(storage, layout, space, batch);
          assert.equal(storage.pendingWriteBytes, 0);
          await readBack(storage, layout, space);
          // Blocks, including ones that cross files, gaps and padding.
          for (let p = 0; p < layout.pieceCount; p++) {
            const size = storage.layout.pieceSize(p);
            for (let b = 0; b < size; b += 3) {
              const len = Math.min(7, size - b);
              const got = await storage.readBlock(p, b, len);
              assert.deepEqual(Buffer.from(got), Buffer.from(pieceOf(space, layout, p).subarray(b, b + len)));
            }
          }
          const present = await storage.presentPieces();
          for (let p = 0; p < layout.pieceCount; p++) assert.ok(hasPiece(present, p), `present ${p}`);
          await storage.sync();
          const fp = await storage.fingerprint();
          layout.files.forEach((f, i) => {
            if (f.pad) assert.equal(fp.files[i], null, 'padding never stored');
            else assert.equal(fp.files[i]?.size, f.length, `file ${i} size`);
          });
          await storage.close();
          const again = await reopen();
          await readBack(again, layout, space);
          await again.close();
        } finally {
          await done();
        }
      });
    }
  }

  test(`${name}: skipped file in straddling pieces is kept aside and can be wanted again`, async () => {
    // pieces of 16: piece 0 = f0[0,10) f1[0,6); piece 1 = f1[6,22) ; piece 2 = f1[22,24) f2[0,10) ; f3 alone in pieces 2..3
    const layout = buildLayout(16, [10, 24, 10, 20]);
    const space = pieceSpace(layout, (i) => content(layout.files[i]?.length ?? 0, i + 7));
    const { storage, reopen, done } = await make(layout, [true, false, true, true]);
    try {
      assert.equal(storage.isFileWanted(1), false);
      assert.equal(storage.isPieceWanted(1), false);
      assert.equal(storage.isPieceWanted(0), true);
      await assert.rejects(storage.writePiece(1, pieceOf(space, layout, 1)), code('STORAGE_PIECE_NOT_WANTED'));
      await writeAll(storage, layout, space, true, (p) => p === 1);
      const fp = await storage.fingerprint();
      assert.equal(fp.files[1], null, 'skipped file never created');
      assert.notEqual(fp.part, null, 'part file in use');
      await readBack(storage, layout, space, [0, 2, 3]);
      const present = await storage.presentPieces();
      assert.deepEqual([0, 1, 2, 3].map((p) => hasPiece(present, p)), [true, false, true, true]);
      await storage.close();

      const s2 = await reopen();
      await s2.setFileWanted(1, false);
      await readBack(s2, layout, space, [0, 2, 3]);
      await s2.setFileWanted(1, true);
      await s2.writePiece(1, pieceOf(space, layout, 1));
      await readBack(s2, layout, space);
      const fp2 = await s2.fingerprint();
      assert.equal(fp2.files[1]?.size, 24);
      assert.equal(fp2.part, null, 'part file gone once nothing is skipped');
      await s2.close();
    } finally {
      await done();
    }
  });

  test(`${name}: skipping then wanting a file that was written before keeps every piece right`, async () => {
    // piece 0 = f0[0,10) f1[0,6); f1 is wanted when piece 0 is written, f0 is skipped.
    const layout = buildLayout(16, [10, 22]);
    const space = pieceSpace(layout, (i) => content(layout.files[i]?.length ?? 0, i + 11));
    const { storage, done } = await make(layout, [false, true]);
    try {
      await storage.writePieces([0, 1].map((p) => ({ piece: p, data: pieceOf(space, layout, p) })));
      await storage.setFileWanted(1, false);
      await readBack(storage, layout, space, [0, 1]);
      await storage.setFileWanted(1, true);
      await readBack(storage, layout, space, [0, 1]);
      await storage.setFileWanted(0, true);
      await readBack(storage, layout, space, [0, 1]);
      assert.equal((await storage.fingerprint()).part, null);
      await storage.close();
    } finally {
      await done();
    }
  });

  test(`${name}: argument errors, abort and close`, async () => {
    const layout = buildLayout(16, [40]);
    const { storage, done } = await make(layout);
    try {
      await assert.rejects(storage.writePiece(0, content(15, 1)), code('STORAGE_BAD_PIECE_SIZE'));
      await assert.rejects(storage.writePiece(3, content(16, 1)), code('STORAGE_OUT_OF_RANGE'));
      await assert.rejects(storage.readBlock(2, 4, 8), code('STORAGE_OUT_OF_RANGE'));
      await assert.rejects(storage.readPiece(0), code('STORAGE_FILE_MISSING'));
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(storage.writePiece(0, content(16, 1), { signal: ac.signal }), AbortedError);
      // A write still queued behind another can be withdrawn.
      const ac2 = new AbortController();
      const first = storage.writePiece(0, content(16, 1));
      await Promise.resolve();
      await Promise.resolve();
      const second = storage.writePiece(1, content(16, 2), { signal: ac2.signal }).then(
        () => 'written',
        (e: unknown) => (e instanceof AbortedError ? 'aborted' : e),
      );
      ac2.abort();
      await first;
      assert.ok(['written', 'aborted'].includes((await second) as string));
      await storage.close();
      await storage.close();
      await assert.rejects(storage.readPiece(0), code('STORAGE_CLOSED'));
      await assert.rejects(storage.writePiece(0, content(16, 1)), code('STORAGE_CLOSED'));
    } finally {
      await done();
    }
  });
}
