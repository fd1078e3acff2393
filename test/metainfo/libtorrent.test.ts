// Cross-check against libtorrent 2.0.8: torrents it made (test/fixtures/metainfo, see generate.py)
// must parse to the info hashes, file paths, offsets and Merkle roots it reports, and shoal's own
// hashing and builder must reproduce them from the same data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesKey } from '../../src/bencode/index.js';
import { BLOCK_SIZE, fileTreeFromBlockHashes, parseMetainfo, sha256, type TorrentVersion } from '../../src/metainfo/index.js';
import { hex, makeTorrent } from './helpers.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'metainfo');

interface Expected {
  version: TorrentVersion;
  pieceLength: number;
  infoHashV1: string | null;
  infoHashV2: string | null;
  name: string;
  pieceCount: number;
  totalSize: number;
  files: { path: string; length: number; offset: number; root: string | null; dataIndex: number }[];
  trackers: [string, number][];
}
const expected = (JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as { torrents: Record<string, Expected> }).torrents;

/** The generator's content formula (generate.py `data`). */
function data(index: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + index * 7 + (i >> 8)) & 0xff;
  return out;
}

function blockHashes(d: Uint8Array): Uint8Array {
  const n = Math.ceil(d.length / BLOCK_SIZE);
  const out = new Uint8Array(n * 32);
  for (let b = 0; b < n; b++) out.set(sha256(d.subarray(b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE)), b * 32);
  return out;
}

for (const [name, exp] of Object.entries(expected)) {
  test(`libtorrent fixture ${name}: same hashes, paths, offsets and roots`, () => {
    const m = parseMetainfo(readFileSync(join(DIR, `${name}.torrent`)));
    assert.equal(m.version, exp.version);
    assert.equal(hex(m.infoHashV1) ?? null, exp.infoHashV1);
    assert.equal(hex(m.infoHashV2) ?? null, exp.infoHashV2);
    assert.equal(m.pieceCount, exp.pieceCount);
    assert.equal(m.length, exp.totalSize);
    const real = m.files.filter((f) => !f.pad);
    assert.deepEqual(
      real.map((f) => ({ path: f.rawPath.join('/'), length: f.length, root: hex(f.piecesRoot) ?? null })),
      exp.files.map((f) => ({ path: f.path, length: f.length, root: f.root })),
    );
    real.forEach((f, i) => {
      if (f.length > 0) assert.equal(f.offset, exp.files[i]?.offset, f.rawPath.join('/'));
    });
    const tiers: string[][] = [];
    for (const [url, tier] of exp.trackers) (tiers[tier] ??= []).push(url);
    assert.deepEqual(m.announce, tiers);
  });

  test(`libtorrent fixture ${name}: shoal's hashing reproduces the pieces, roots and layers`, () => {
    const m = parseMetainfo(readFileSync(join(DIR, `${name}.torrent`)));
    const real = m.files.filter((f) => !f.pad);
    const contents = exp.files.map((f) => data(f.dataIndex, f.length));
    real.forEach((f, i) => {
      const content = contents[i] as Uint8Array;
      if (m.version === 'v1' || f.length === 0) return;
      const t = fileTreeFromBlockHashes(blockHashes(content), m.pieceLength);
      assert.equal(hex(t.root), hex(f.piecesRoot), `root of ${f.rawPath.join('/')}`);
      if (f.length > m.pieceLength) assert.equal(hex(m.pieceLayers?.get(bytesKey(t.root))), hex(t.pieceLayer));
    });
    if (m.version !== 'v2') {
      const space = new Uint8Array(m.spaceLength);
      real.forEach((f, i) => space.set(contents[i] as Uint8Array, f.offset));
      for (let p = 0; p < m.pieceCount; p++) {
        const h = createHash('sha1').update(space.subarray(p * m.pieceLength, (p + 1) * m.pieceLength)).digest('hex');
        assert.equal(h, hex(m.pieces?.subarray(p * 20, p * 20 + 20)), `piece ${p}`);
      }
    }
  });
}

test('shoal builds byte-identical info dictionaries for the libtorrent v1 and v2 fixtures', () => {
  for (const name of ['multi-v1', 'multi-v2', 'single-v2']) {
    const exp = expected[name] as Expected;
    const single = !exp.files[0]?.path.includes('/');
    const files = exp.files.map((f) => ({
      path: single ? [f.path] : f.path.split('/').slice(1),
      data: data(f.dataIndex, f.length),
    }));
    const { metainfo } = makeTorrent(exp.name, files, exp.version, exp.pieceLength, { singleFile: single });
    assert.equal(hex(metainfo.infoHashV1) ?? null, exp.infoHashV1, name);
    assert.equal(hex(metainfo.infoHashV2) ?? null, exp.infoHashV2, name);
  }
});

test('a shoal hybrid of the same content has the same v2 roots as libtorrent, and libtorrent-style trailing padding parses', () => {
  const exp = expected['multi-hybrid'] as Expected;
  const files = exp.files.map((f) => ({ path: f.path.split('/').slice(1), data: data(f.dataIndex, f.length) }));
  const ours = makeTorrent(exp.name, files, 'hybrid', exp.pieceLength).metainfo;
  const theirs = parseMetainfo(readFileSync(join(DIR, 'multi-hybrid.torrent')));
  const roots = (files: typeof ours.files) => files.filter((f) => !f.pad).map((f) => hex(f.piecesRoot));
  assert.deepEqual(roots(ours.files), roots(theirs.files));
  assert.deepEqual(ours.files.filter((f) => !f.pad).map((f) => f.offset), theirs.files.filter((f) => !f.pad).map((f) => f.offset));
  // libtorrent pads the last file too; shoal does not, so only the v1 piece space end differs.
  assert.ok(theirs.spaceLength > ours.spaceLength);
  assert.equal(theirs.pieceCount, ours.pieceCount);
});
