// Metainfo interop (issue 2): torrents written by mktorrent, transmission-create and libtorrent
// (v1, v2, hybrid) parse in shoal to the same info hashes, file lists and piece counts that
// libtorrent reads; torrents written by shoal's createTorrent load in libtorrent with the same
// info hashes, and libtorrent's own check of the original data finds every piece.
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseMetainfo } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/index.js';
import { createTorrent } from '../../src/create/index.js';
import { libtorrent, mktorrent, transmissionCreate } from './harness/clients.js';
import type { LtTorrentInfo, TorrentFormat } from './harness/clients.js';
import { makeRandomFile, requireLibtorrent, requireTool } from './harness/tools.js';

const base = mkdtempSync(join(tmpdir(), 'shoal-interop-metainfo-'));
/** Holds the fixtures: `single ✓.bin` and the folder `tree ü`. */
const data = join(base, 'data');
const SINGLE = join(data, 'single ✓.bin');
const TREE = join(data, 'tree ü');
const torrents = join(base, 'torrents');

/** Relative path → content: [size, seed] for random bytes, or literal bytes. */
const TREE_FILES: [string, [number, string] | Buffer][] = [
  ['a.txt', Buffer.from('hello, swarm\n')],
  ['.hidden', [1000, 'hidden']],
  ['empty', Buffer.alloc(0)],
  ['nul.bin', Buffer.concat([Buffer.from('before\0after'), Buffer.alloc(3, 0), Buffer.from('end')])],
  ['dir/b.bin', [40_000, 'b']],
  ['dir/sub/deep/ünïcödé ☃.bin', [100_000, 'deep']],
  ['日本語/ファイル.txt', [33_333, 'jp']],
  ['z-last.bin', [16384 * 2, 'aligned']],
];

before(async () => {
  await mkdir(torrents, { recursive: true });
  for (const [rel, content] of TREE_FILES) {
    const p = join(TREE, rel);
    await mkdir(dirname(p), { recursive: true });
    if (Buffer.isBuffer(content)) await writeFile(p, content);
    else await makeRandomFile(p, content[0], content[1]);
  }
  await makeRandomFile(SINGLE, 1_000_123, 'single');
});
after(() => rm(base, { recursive: true, force: true }));

const hex = (b: Uint8Array | undefined): string | null => (b === undefined ? null : Buffer.from(b).toString('hex'));

/** The real (non-padding) files as [path with name, length, offset in the piece space], in the torrent's order. */
const shoalFiles = (m: Metainfo): [string, number, number][] =>
  m.files.filter((f) => !f.pad).map((f) => [f.rawPath.join('/'), f.length, f.offset]);
const ltFiles = (i: LtTorrentInfo): [string, number, number][] => i.files.filter((f) => !f.padFile).map((f) => [f.path, f.size, f.offset]);

/** Asserts that shoal's parse of `file` agrees with libtorrent's reading of it. */
async function assertSameAsLibtorrent(file: string): Promise<{ m: Metainfo; lt: LtTorrentInfo }> {
  const m = parseMetainfo(new Uint8Array(await readFile(file)));
  const lt = await libtorrent.info(file);
  assert.equal(hex(m.infoHashV1), lt.infoHashV1, 'v1 info hash');
  assert.equal(hex(m.infoHashV2), lt.infoHashV2, 'v2 info hash');
  assert.equal(m.name, lt.name, 'name');
  assert.equal(m.pieceLength, lt.pieceLength, 'piece length');
  assert.equal(m.pieceCount, lt.numPieces, 'piece count');
  assert.deepEqual(shoalFiles(m), ltFiles(lt), 'files (without padding): path, length, offset');
  assert.equal(m.length, ltFiles(lt).reduce((n, [, size]) => n + size, 0), 'total length');
  return { m, lt };
}

async function needAll(t: TestContext, tools: string[]): Promise<boolean> {
  if (!(await requireLibtorrent(t))) return false;
  for (const tool of tools) if (!(await requireTool(tool, t))) return false;
  return true;
}

const FORMATS: TorrentFormat[] = ['v1', 'v2', 'hybrid'];
const SOURCES = [
  ['single file', SINGLE],
  ['folder', TREE],
] as const;

test('torrents from mktorrent parse in shoal as libtorrent reads them', { timeout: 30_000 }, async (t) => {
  if (!(await needAll(t, ['mktorrent']))) return;
  for (const [what, src] of SOURCES) {
    const out = join(torrents, `mktorrent-${what}.torrent`);
    await mktorrent.create(src, out, { pieceLengthLog2: 15, announce: [['http://127.0.0.1:6969/announce', 'http://127.0.0.2:6969/announce'], ['udp://127.0.0.1:6969']] });
    const { m } = await assertSameAsLibtorrent(out);
    assert.equal(m.version, 'v1');
    assert.deepEqual(m.announce, [['http://127.0.0.1:6969/announce', 'http://127.0.0.2:6969/announce'], ['udp://127.0.0.1:6969']]);
    if (src === TREE) assert.equal(shoalFiles(m).length, TREE_FILES.length, 'mktorrent keeps hidden and empty files');
  }
});

test('torrents from transmission-create parse in shoal as libtorrent reads them', { timeout: 30_000 }, async (t) => {
  if (!(await needAll(t, ['transmission-create']))) return;
  for (const [what, src] of SOURCES) {
    const out = join(torrents, `transmission-${what}.torrent`);
    await transmissionCreate(src, out, { pieceSizeKiB: 16, trackers: ['http://127.0.0.1:6969/announce'], private: true });
    const { m } = await assertSameAsLibtorrent(out);
    assert.equal(m.version, 'v1');
    assert.equal(m.private, true);
  }
});

for (const format of FORMATS) {
  test(`${format} torrents from libtorrent parse in shoal as libtorrent reads them`, { timeout: 30_000 }, async (t) => {
    if (!(await needAll(t, []))) return;
    for (const [what, src] of SOURCES) {
      for (const pieceLength of [16384, 65536]) {
        const out = join(torrents, `lt-${format}-${what}-${pieceLength}.torrent`);
        const made = await libtorrent.create(src, out, { format, pieceLength, trackers: ['http://127.0.0.1:6969/announce'] });
        const { m } = await assertSameAsLibtorrent(out);
        assert.equal(m.version, format);
        assert.equal(hex(m.infoHashV1), made.infoHashV1);
        assert.equal(hex(m.infoHashV2), made.infoHashV2);
        if (src === TREE) assert.equal(shoalFiles(m).length, TREE_FILES.length, `${what}: every file, hidden and empty included`);
      }
    }
  });
}

for (const format of FORMATS) {
  test(`${format} torrents from shoal's createTorrent load in libtorrent and check complete`, { timeout: 30_000 }, async (t) => {
    if (!(await needAll(t, []))) return;
    for (const [what, src] of SOURCES) {
      const announce = [['http://127.0.0.1:6969/announce'], ['udp://127.0.0.1:6969/announce']];
      const { torrent, metainfo } = await createTorrent({ path: src, format, pieceLength: 16384, announce, threads: 2 });
      const out = join(torrents, `shoal-${format}-${what}.torrent`);
      await writeFile(out, torrent);
      const { lt } = await assertSameAsLibtorrent(out);
      assert.equal(lt.infoHashV1, hex(metainfo.infoHashV1), `${what}: libtorrent's v1 hash is shoal's`);
      assert.equal(lt.infoHashV2, hex(metainfo.infoHashV2), `${what}: libtorrent's v2 hash is shoal's`);
      assert.deepEqual(lt.trackers, announce.flat());
      const check = await libtorrent.check(out, data);
      assert.deepEqual(check, { numPieces: metainfo.pieceCount, havePieces: metainfo.pieceCount, complete: true }, `${what}: libtorrent check`);
    }
  });
}

test('libtorrent finds missing pieces in data that differs from a shoal torrent', { timeout: 30_000 }, async (t) => {
  if (!(await needAll(t, []))) return;
  // A control for the check above: libtorrent's check must be able to say "incomplete".
  const { torrent, metainfo } = await createTorrent({ path: SINGLE, format: 'hybrid', pieceLength: 16384, threads: 2 });
  const out = join(torrents, 'shoal-control.torrent');
  await writeFile(out, torrent);
  const other = join(base, 'other');
  await mkdir(other, { recursive: true });
  await makeRandomFile(join(other, 'single ✓.bin'), 1_000_123, 'not-the-same');
  const check = await libtorrent.check(out, other);
  assert.equal(check.numPieces, metainfo.pieceCount);
  assert.equal(check.havePieces, 0);
  assert.equal(check.complete, false);
});
