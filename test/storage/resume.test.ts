import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile, utimes, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encode } from '../../src/bencode/index.js';
import {
  FileStorage, StorageError, createBitfield, decodeResume, encodeResume, readResume, restoreOrCheck, resumePath,
  saveResume, setPiece, writeResume, type ResumeData,
} from '../../src/storage/index.js';
import { FakeVerifier, buildLayout, content, pieceOf, pieceSpace, withTmp } from './helpers.js';

const IH = Uint8Array.from({ length: 20 }, (_, i) => i);
const corrupt = (e: unknown): boolean => e instanceof StorageError && e.code === 'STORAGE_RESUME_CORRUPT';

test('resume data round trip and validation', () => {
  const bitfield = createBitfield(11);
  setPiece(bitfield, 0);
  setPiece(bitfield, 10);
  const data: ResumeData = { bitfield, fingerprint: { files: [{ size: 5, mtimeMs: 1700000000123 }, null], part: null } };
  const bytes = encodeResume(data, IH);
  assert.deepEqual(decodeResume(bytes, { pieceCount: 11, fileCount: 2, infoHash: IH }), data);
  assert.throws(() => decodeResume(bytes, { pieceCount: 9, fileCount: 2 }), corrupt, 'wrong piece count');
  assert.throws(() => decodeResume(bytes, { pieceCount: 17, fileCount: 2 }), corrupt, 'bitfield length');
  assert.throws(() => decodeResume(bytes, { pieceCount: 11, fileCount: 3 }), corrupt, 'file count');
  assert.throws(() => decodeResume(bytes, { pieceCount: 11, fileCount: 2, infoHash: new Uint8Array(20) }), corrupt, 'other torrent');
  const spare = Uint8Array.from([0x80, 0x01]);
  assert.throws(() => decodeResume(encodeResume({ ...data, bitfield: spare }), { pieceCount: 11, fileCount: 2 }), corrupt, 'spare bit');
  assert.throws(() => decodeResume(encode({ version: 2, bitfield, files: [[], []], part: [] }), { pieceCount: 11, fileCount: 2 }), corrupt);
  assert.throws(() => decodeResume(encode({ version: 1, bitfield, files: [[1], []], part: [] }), { pieceCount: 11, fileCount: 2 }), corrupt);
  for (let cut = 0; cut < bytes.length; cut += 7) {
    assert.throws(() => decodeResume(bytes.subarray(0, cut), { pieceCount: 11, fileCount: 2 }), corrupt, `truncated at ${cut}`);
  }
});

test('resumePath places the file under .shoal by info hash', () => {
  assert.equal(resumePath('/d', IH), join('/d', '.shoal', '000102030405060708090a0b0c0d0e0f10111213.resume'));
  assert.throws(() => resumePath('/d', '../x'), StorageError);
});

test('writeResume is atomic and leaves no temp files; readResume of a missing file is undefined', async () => {
  await withTmp(async (dir) => {
    const path = join(dir, '.shoal', 'x.resume');
    assert.equal(await readResume(path, { pieceCount: 1, fileCount: 0 }), undefined);
    const data: ResumeData = { bitfield: Uint8Array.of(0x80), fingerprint: { files: [], part: null } };
    await writeResume(path, data);
    await writeResume(path, data);
    assert.deepEqual(await readdir(dirname(path)), ['x.resume']);
    assert.deepEqual(await readResume(path, { pieceCount: 1, fileCount: 0 }), data);
  });
});

async function seeded(root: string) {
  const layout = buildLayout(16, [40, 30]);
  const space = pieceSpace(layout, (i) => content(layout.files[i]?.length ?? 0, i));
  const s = await FileStorage.open(layout, { root });
  const bf = createBitfield(layout.pieceCount);
  for (let p = 0; p < layout.pieceCount; p++) {
    await s.writePiece(p, pieceOf(space, layout, p));
    setPiece(bf, p);
  }
  return { layout, space, s, bf };
}

test('restart with matching files trusts the resume file without reading', async () => {
  await withTmp(async (root) => {
    const { layout, space, s, bf } = await seeded(root);
    const path = resumePath(root, IH);
    await saveResume(s, path, bf, { infoHash: IH });
    await s.close();
    const s2 = await FileStorage.open(layout, { root });
    const verifier = new FakeVerifier(space, layout);
    const r = await restoreOrCheck({ storage: s2, verifier, path, infoHash: IH });
    assert.equal(r.source, 'resume');
    assert.deepEqual(r.bitfield, bf);
    assert.equal(verifier.calls.length, 0);
    const forced = await restoreOrCheck({ storage: s2, verifier, path, infoHash: IH, recheck: true });
    assert.equal(forced.source, 'check');
    assert.deepEqual(forced.bitfield, bf);
    assert.equal(verifier.calls.length, layout.pieceCount);
    await s2.close();
  });
});

test('a changed mtime or size forces a full check', async () => {
  await withTmp(async (root) => {
    const { layout, space, s, bf } = await seeded(root);
    const path = resumePath(root, IH);
    await saveResume(s, path, bf);
    await s.close();
    const f1 = join(root, 'dir', 'f1.bin');
    await utimes(f1, new Date(1_000_000), new Date(1_000_000));
    const s2 = await FileStorage.open(layout, { root });
    const r = await restoreOrCheck({ storage: s2, verifier: new FakeVerifier(space, layout), path });
    assert.equal(r.source, 'check');
    assert.match(r.reason, /changed/);
    assert.deepEqual(r.bitfield, bf);
    // Content changed behind our back is caught by the check.
    await writeFile(f1, Buffer.alloc(30, 1));
    const r2 = await restoreOrCheck({ storage: s2, verifier: new FakeVerifier(space, layout), path });
    assert.equal(r2.source, 'check');
    assert.deepEqual([...r2.bitfield], [0b11000000]);
    await s2.close();
  });
});

test('a corrupt resume file is a warning and a check, never a crash', async () => {
  await withTmp(async (root) => {
    const { layout, space, s, bf } = await seeded(root);
    const path = resumePath(root, IH);
    await mkdir(dirname(path), { recursive: true });
    for (const junk of [Buffer.from('d7:versioni1e'), Buffer.from('not bencode'), Buffer.alloc(0)]) {
      await writeFile(path, junk);
      const warnings: StorageError[] = [];
      const r = await restoreOrCheck({ storage: s, verifier: new FakeVerifier(space, layout), path, onWarning: (w) => warnings.push(w) });
      assert.equal(r.source, 'check');
      assert.deepEqual(r.bitfield, bf);
      assert.equal(warnings[0]?.code, 'STORAGE_RESUME_CORRUPT');
    }
    const none = await restoreOrCheck({ storage: s, verifier: new FakeVerifier(space, layout), path: join(root, 'nope') });
    assert.equal(none.reason, 'no resume file');
    assert.ok((await readFile(path)).length >= 0);
    await s.close();
  });
});
