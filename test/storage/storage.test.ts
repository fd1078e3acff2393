import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, readFile, truncate, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStorage, MemoryStorage, StorageError, resolveInside, type StorageLayout } from '../../src/storage/index.js';
import { complianceSuite } from './compliance.js';
import { buildLayout, content, pieceOf, pieceSpace, withTmp } from './helpers.js';

const code = (c: string) => (e: unknown): boolean => e instanceof StorageError && e.code === c;

complianceSuite('MemoryStorage', async (layout, wanted) => {
  const storage = new MemoryStorage(layout, wanted ? { wanted } : {});
  // Memory does not persist: "reopening" hands back the same instance's data in a fresh wrapper.
  let current = storage;
  return {
    storage,
    reopen: async () => {
      const next = new MemoryStorage(layout, wanted ? { wanted } : {});
      const internals = current as unknown as { data: unknown; parts: unknown; mtimes: unknown };
      Object.assign(next as unknown as object, { data: internals.data, parts: internals.parts, mtimes: internals.mtimes });
      current = next;
      return next;
    },
    done: async () => undefined,
  };
});

complianceSuite('FileStorage', async (layout, wanted) => {
  const root = await mkdtemp(join(tmpdir(), 'shoal-storage-'));
  const open = () => FileStorage.open(layout, { root, maxOpenFiles: 2, ...(wanted ? { wanted } : {}) });
  return { storage: await open(), reopen: open, done: () => rm(root, { recursive: true, force: true }) };
});

test('FileStorage: files hold exactly their bytes; padding and gaps never reach the disk', async () => {
  await withTmp(async (root) => {
    const layout = buildLayout(16, [10, 0, 20, 5], 'hybrid');
    const space = pieceSpace(layout, (i) => content(layout.files[i]?.length ?? 0, i));
    const s = await FileStorage.open(layout, { root });
    for (let p = 0; p < layout.pieceCount; p++) await s.writePiece(p, pieceOf(space, layout, p));
    await s.sync();
    await s.close();
    assert.deepEqual((await readdir(root)).sort(), ['dir']);
    assert.deepEqual((await readdir(join(root, 'dir'))).sort(), ['f0.bin', 'f1.bin', 'f2.bin', 'f3.bin']);
    for (const i of [0, 1, 2, 3]) {
      const f = layout.files.find((x) => x.path[1] === `f${i}.bin`);
      assert.ok(f);
      assert.deepEqual(await readFile(join(root, 'dir', `f${i}.bin`)), Buffer.from(space.subarray(f.offset, f.offset + f.length)));
    }
  });
});

test('FileStorage: files are created sparse at full length on first write', async () => {
  await withTmp(async (root) => {
    const pl = 1 << 16;
    const layout = buildLayout(pl, [64 * pl]);
    const s = await FileStorage.open(layout, { root });
    await s.writePiece(63, content(pl, 3));
    await s.close();
    const st = await stat(join(root, 'dir', 'f0.bin'));
    assert.equal(st.size, 64 * pl);
    assert.ok(st.blocks * 512 < 8 * pl, `allocated ${st.blocks * 512} bytes for one written piece`);
  });
});

test('FileStorage: more files than handles; the cache stays bounded and data stays right', async () => {
  await withTmp(async (root) => {
    const specs = Array.from({ length: 40 }, (_, i) => 5 + (i % 9));
    const layout = buildLayout(8, specs);
    const space = pieceSpace(layout, (i) => content(specs[i] ?? 0, i));
    const s = await FileStorage.open(layout, { root, maxOpenFiles: 3 });
    await Promise.all(Array.from({ length: layout.pieceCount }, (_, p) => s.writePiece(p, pieceOf(space, layout, p))));
    assert.ok(s.handleStats.cached <= 3, `cached ${s.handleStats.cached}`);
    for (let p = layout.pieceCount - 1; p >= 0; p--) {
      assert.deepEqual(Buffer.from(await s.readPiece(p)), Buffer.from(pieceOf(space, layout, p)));
    }
    const reads = await Promise.all(Array.from({ length: layout.pieceCount }, (_, p) => s.readPiece(p)));
    reads.forEach((r, p) => assert.deepEqual(Buffer.from(r), Buffer.from(pieceOf(space, layout, p))));
    assert.ok(s.handleStats.cached <= 3);
    assert.ok(s.handleStats.opened > 40, 'handles were evicted and reopened');
    await s.close();
  });
});

test('FileStorage: missing, truncated and foreign files', async () => {
  await withTmp(async (root) => {
    const layout = buildLayout(16, [40]);
    const s = await FileStorage.open(layout, { root });
    await s.writePiece(0, content(16, 1));
    await s.close();
    await truncate(join(root, 'dir', 'f0.bin'), 20);
    const s2 = await FileStorage.open(layout, { root });
    assert.deepEqual(Buffer.from(await s2.readPiece(0)), Buffer.from(content(16, 1)));
    await assert.rejects(s2.readPiece(1), code('STORAGE_SHORT_READ'));
    const present = await s2.presentPieces();
    assert.equal(present[0], 0, 'short file: no piece counted present');
    await s2.close();
  });
});

test('FileStorage: executable attribute applied when the file is finished; empty files made at sync', async () => {
  await withTmp(async (root) => {
    const layout = buildLayout(16, [{ len: 20, attr: 'x' }, 0, { len: 4 }]);
    const s = await FileStorage.open(layout, { root });
    const space = pieceSpace(layout, (i) => content(layout.files[i]?.length ?? 0, i));
    await s.writePieces([0, 1].map((p) => ({ piece: p, data: pieceOf(space, layout, p) })));
    await s.finishFile(0);
    await s.finishFile(2);
    await s.sync();
    await s.close();
    assert.ok(((await stat(join(root, 'dir', 'f0.bin'))).mode & 0o111) !== 0);
    assert.equal((await stat(join(root, 'dir', 'f2.bin'))).mode & 0o111, 0);
    assert.equal((await stat(join(root, 'dir', 'f1.bin'))).size, 0);
  });
});

test('FileStorage: a path that climbs out of the root is refused before anything is written', async () => {
  await withTmp(async (root) => {
    const bad = (path: string[]): StorageLayout => ({ pieceLength: 16, pieceCount: 1, files: [{ path, length: 4, offset: 0, pad: false }] });
    for (const p of [['..', 'x'], ['a', '..', '..', 'x'], ['a/../../x'], [''], ['.'], [], ['a\0b']]) {
      await assert.rejects(FileStorage.open(bad(p), { root }), code('STORAGE_PATH_ESCAPE'), JSON.stringify(p));
    }
    await assert.rejects(FileStorage.open(buildLayout(16, [4]), { root, partFileName: '../p' }), code('STORAGE_PATH_ESCAPE'));
    assert.throws(() => resolveInside(root, ['..']), code('STORAGE_PATH_ESCAPE'));
    assert.equal(resolveInside(root, ['a', 'b..c']), join(root, 'a', 'b..c'));
    assert.deepEqual(await readdir(root), []);
  });
});

test('FileStorage: a damaged part file is discarded with a warning', async () => {
  await withTmp(async (root) => {
    const layout = buildLayout(16, [10, 24, 10]);
    await writeFile(join(root, '.shoal.parts'), 'garbage');
    const warnings: StorageError[] = [];
    const s = await FileStorage.open(layout, { root, wanted: [true, false, true], onWarning: (w) => warnings.push(w) });
    assert.equal(warnings.length, 1);
    assert.deepEqual(s.partPieces, []);
    const space = pieceSpace(layout, (i) => content(layout.files[i]?.length ?? 0, i));
    await s.writePiece(0, pieceOf(space, layout, 0));
    assert.deepEqual(s.partPieces, [0]);
    assert.deepEqual(Buffer.from(await s.readPiece(0)), Buffer.from(pieceOf(space, layout, 0)));
    await s.close();
    // Same part file, different layout: also discarded.
    const other = buildLayout(32, [10, 24, 10]);
    const w2: StorageError[] = [];
    const s2 = await FileStorage.open(other, { root, wanted: [true, false, true], onWarning: (w) => w2.push(w) });
    assert.equal(w2.length, 1);
    await s2.close();
  });
});

test('group commit: pieces handed over together reach the backend as few coalesced writes', async () => {
  let calls = 0;
  class Counting extends MemoryStorage {
    protected override ioWrite(target: number, position: number, buffers: readonly Uint8Array[], piece: number): Promise<void> {
      calls++;
      return super.ioWrite(target, position, buffers, piece);
    }
  }
  const layout = buildLayout(16, [160, 160]);
  const s = new Counting(layout);
  const space = pieceSpace(layout, (i) => content(160, i));
  const writes = Array.from({ length: 20 }, (_, p) => s.writePiece(p, pieceOf(space, layout, p)));
  assert.equal(s.pendingWriteBytes, 320, 'accepted bytes are visible to the engine as back-pressure');
  await Promise.all(writes);
  assert.equal(s.pendingWriteBytes, 0);
  assert.equal(calls, 2, 'one write per file');
  assert.deepEqual(Buffer.from(s.fileData(1) ?? []), Buffer.from(space.subarray(160)));
});

test('block reads are answered from a piece cache, invalidated by writes', async () => {
  await withTmp(async (root) => {
    const layout = buildLayout(64, [256]);
    const s = await FileStorage.open(layout, { root, readCacheBytes: 128 });
    const space = pieceSpace(layout, () => content(256, 5));
    await s.writePieces([0, 1, 2, 3].map((p) => ({ piece: p, data: pieceOf(space, layout, p) })));
    const got = await Promise.all([0, 16, 32, 48].map((b) => s.readBlock(1, b, 16)));
    assert.deepEqual(Buffer.concat(got), Buffer.from(pieceOf(space, layout, 1)));
    assert.deepEqual(s.readCacheStats, { hits: 3, misses: 1 });
    got[0]?.fill(0); // a caller scribbling on its copy does not reach the cache
    assert.deepEqual(Buffer.from(await s.readBlock(1, 0, 16)), Buffer.from(pieceOf(space, layout, 1).subarray(0, 16)));
    // Capacity of two pieces: reading pieces 2 and 3 evicts piece 1.
    await s.readBlock(2, 0, 8);
    await s.readBlock(3, 0, 8);
    await s.readBlock(1, 0, 8);
    assert.equal(s.readCacheStats.misses, 4);
    // A rewrite (same piece, new bytes: only possible in tests) is never hidden by the cache.
    await s.writePiece(1, new Uint8Array(64).fill(7));
    assert.deepEqual([...(await s.readBlock(1, 8, 4))], [7, 7, 7, 7]);
    await s.close();
  });
});
