import { test } from 'node:test';
import assert from 'node:assert/strict';
import { truncate, unlink, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError } from '../../src/errors.js';
import { FileStorage, MemoryStorage, FaultyStorage, StorageError, checkExisting, countPieces, hasPiece, type CheckProgress } from '../../src/storage/index.js';
import { FakeVerifier, buildLayout, content, pieceOf, pieceSpace, withTmp } from './helpers.js';

test('checkExisting verifies what is on disk and skips missing and short files without reading', async () => {
  await withTmp(async (root) => {
    const layout = buildLayout(16, [40, 30, 25, 8]);
    const space = pieceSpace(layout, (i) => content(layout.files[i]?.length ?? 0, i));
    const s = await FileStorage.open(layout, { root });
    for (let p = 0; p < layout.pieceCount; p++) await s.writePiece(p, pieceOf(space, layout, p));
    await s.close();
    // f1 corrupted in its middle (piece 3), f2 shortened, f3 removed.
    const h = await open(join(root, 'dir', 'f1.bin'), 'r+');
    await h.write(Buffer.from([0xff, 0xff]), 0, 2, 10);
    await h.close();
    await truncate(join(root, 'dir', 'f2.bin'), 24);
    await unlink(join(root, 'dir', 'f3.bin'));

    const s2 = await FileStorage.open(layout, { root });
    const verifier = new FakeVerifier(space, layout);
    const progress: CheckProgress[] = [];
    const bf = await checkExisting(s2, verifier, { onProgress: (p) => progress.push(p), window: 3 });
    // pieces: 0,1 = f0; 2 = f0+f1; 3 = f1 (corrupt); 4 = f1+f2; 5 = f2; 6 = f2+f3
    assert.deepEqual(Array.from({ length: layout.pieceCount }, (_, p) => hasPiece(bf, p)), [true, true, true, false, false, false, false]);
    assert.deepEqual([...verifier.calls].sort(), [0, 1, 2, 3], 'pieces of short or missing files are not read');
    assert.deepEqual(progress.at(-1), { checked: 4, total: 4, verified: 3, bytes: 64 });
    await s2.close();
  });
});

test('checkExisting: read failures count as missing pieces and are reported as warnings', async () => {
  const layout = buildLayout(16, [64]);
  const space = pieceSpace(layout, () => content(64, 9));
  const mem = new MemoryStorage(layout);
  await mem.writePieces([0, 1, 2, 3].map((p) => ({ piece: p, data: pieceOf(space, layout, p) })));
  const faulty = new FaultyStorage(mem, { failRead: (p) => p === 2 });
  const warnings: StorageError[] = [];
  const bf = await checkExisting(faulty, new FakeVerifier(space, layout), { onWarning: (w) => warnings.push(w) });
  assert.equal(countPieces(bf), 3);
  assert.equal(hasPiece(bf, 2), false);
  assert.equal(warnings[0]?.code, 'STORAGE_INJECTED_FAULT');
});

test('checkExisting overlaps reads and verification, and can be aborted', async () => {
  const layout = buildLayout(16, Array.from({ length: 20 }, () => 16));
  const space = pieceSpace(layout, (i) => content(16, i));
  const mem = new MemoryStorage(layout);
  await mem.writePieces(Array.from({ length: 20 }, (_, p) => ({ piece: p, data: pieceOf(space, layout, p) })));
  let inVerify = 0;
  let maxInVerify = 0;
  let readsDuringVerify = 0;
  const slow = new FaultyStorage(mem, { delayMs: 2 });
  const origRead = slow.readPiece.bind(slow);
  slow.readPiece = (p, o) => {
    if (inVerify > 0) readsDuringVerify++;
    return origRead(p, o);
  };
  const verifier = {
    verify: async (piece: number, data: Uint8Array) => {
      inVerify++;
      maxInVerify = Math.max(maxInVerify, inVerify);
      await new Promise((r) => setTimeout(r, 3));
      inVerify--;
      return Buffer.from(data).equals(Buffer.from(pieceOf(space, layout, piece)));
    },
  };
  const bf = await checkExisting(slow, verifier, { window: 4 });
  assert.equal(countPieces(bf), 20);
  assert.ok(readsDuringVerify > 0, 'reads continued while pieces were being verified');
  assert.ok(maxInVerify > 1);

  const ac = new AbortController();
  const run = checkExisting(slow, verifier, { window: 4, signal: ac.signal, onProgress: (p) => p.checked === 3 && ac.abort() });
  await assert.rejects(run, AbortedError);
});

test('checkExisting of an empty folder reads nothing', async () => {
  await withTmp(async (root) => {
    const layout = buildLayout(16, [40, 30]);
    await writeFile(join(root, 'unrelated'), 'x');
    const s = await FileStorage.open(layout, { root });
    const verifier = new FakeVerifier(new Uint8Array(70), layout);
    const bf = await checkExisting(s, verifier);
    assert.equal(countPieces(bf), 0);
    assert.equal(verifier.calls.length, 0);
    await s.close();
  });
});
