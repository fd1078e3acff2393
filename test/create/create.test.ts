import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTorrent, choosePieceLength, type CreateTorrentOptions } from '../../src/create/index.js';
import { HashPool, sha256Blocks } from '../../src/hashing/index.js';
import { fileTreeFromBlockHashes, type Metainfo } from '../../src/metainfo/index.js';
import { libtorrentOr, libtorrentView } from './lt.js';
import { bytes, hex } from '../helpers/bytes.js';


const base = mkdtempSync(join(tmpdir(), 'shoal-create-'));
const tree = join(base, 'tree');
const single = join(base, 'single ✓.bin');
const withNul = Buffer.concat([Buffer.from('before\0after'), Buffer.from(bytes(20_000, 4))]);
const FILES: [string, Uint8Array][] = [
  ['a.txt', bytes(50_000, 1)],
  ['.hidden', bytes(1000, 2)],
  ['empty.dat', new Uint8Array(0)],
  ['nul.bin', withNul],
  ['sub/deeper/ünïcødé 文件.txt', bytes(70_000, 5)],
  ['sub/🎉 emoji.bin', bytes(40_000, 6)],
  ['sub/z.bin', bytes(16384 * 3, 7)],
];
for (const [p, data] of FILES) {
  mkdirSync(dirname(join(tree, p)), { recursive: true });
  writeFileSync(join(tree, p), data);
}
symlinkSync('a.txt', join(tree, 'link'));
writeFileSync(single, bytes(300_001, 9));
const pool = new HashPool({ size: 2 });
after(async () => {
  rmSync(base, { recursive: true, force: true });
  await pool.close();
});

const SORTED = ['.hidden', 'a.txt', 'empty.dat', 'nul.bin', 'sub/deeper/ünïcødé 文件.txt', 'sub/z.bin', 'sub/🎉 emoji.bin'];
const FORMATS = ['v1', 'v2', 'hybrid'] as const;

function create(opts: Partial<CreateTorrentOptions> & Pick<CreateTorrentOptions, 'path' | 'format'>) {
  return createTorrent({ creationDate: 1_700_000_000, pool, ...opts });
}

/** Checks every hash of `m` against the data on disk under `root` (the folder holding the torrent's name). */
function verifyAgainstDisk(m: Metainfo, root: string): void {
  const contents = m.files.map((f) => (f.pad ? new Uint8Array(f.length) : new Uint8Array(readFileSync(join(root, ...f.rawPath)))));
  if (m.pieces) {
    const space = new Uint8Array(m.spaceLength);
    m.files.forEach((f, i) => space.set(contents[i] as Uint8Array, f.offset));
    const want: Buffer[] = [];
    for (let o = 0; o < space.length; o += m.pieceLength) {
      want.push(createHash('sha1').update(space.subarray(o, o + m.pieceLength)).digest());
    }
    assert.equal(hex(m.pieces), hex(Buffer.concat(want)), 'v1 pieces');
  }
  if (m.version !== 'v1') {
    m.files.forEach((f, i) => {
      if (f.pad || f.length === 0) return assert.equal(f.piecesRoot, undefined);
      const t = fileTreeFromBlockHashes(sha256Blocks(contents[i] as Uint8Array), m.pieceLength);
      assert.equal(hex(f.piecesRoot), hex(t.root), `pieces root of ${f.rawPath.join('/')}`);
      if (f.length > m.pieceLength) assert.equal(hex(m.pieceLayers?.get(Buffer.from(t.root).toString('latin1'))), hex(t.pieceLayer));
    });
  }
}

for (const format of FORMATS) {
  test(`${format}: a folder with hidden, empty, NUL-holding and non-ASCII files`, async () => {
    const notes: string[] = [];
    const { metainfo: m } = await create({ path: tree, format, pieceLength: 16384, onNote: (n) => notes.push(n) });
    assert.equal(m.version, format);
    assert.equal(m.name, 'tree');
    assert.equal(m.multiFile || format === 'v2', true);
    const real = m.files.filter((f) => !f.pad);
    assert.deepEqual(real.map((f) => f.rawPath.slice(1).join('/')), SORTED);
    assert.deepEqual(
      real.map((f) => f.length),
      SORTED.map((p) => (FILES.find(([q]) => q === p) as [string, Uint8Array])[1].length),
    );
    assert.equal(m.files.some((f) => f.pad), format === 'hybrid');
    assert.equal(m.length, FILES.reduce((n, [, d]) => n + d.length, 0));
    assert.ok(notes.some((n) => n.includes('symlink') && n.includes('link')), notes.join('\n'));
    verifyAgainstDisk(m, base);
  });

  test(`${format}: a single file`, async () => {
    const { metainfo: m } = await create({ path: single, format });
    assert.equal(m.name, 'single ✓.bin');
    assert.equal(m.pieceLength, 16384, 'auto piece length for a small file');
    assert.equal(m.files.length, 1);
    assert.equal(m.multiFile, false);
    verifyAgainstDisk(m, base);
  });

  test(`${format}: the same bytes with 1 and 2 threads and any read size`, async () => {
    const one = await createTorrent({ path: tree, format, pieceLength: 16384, creationDate: 1, threads: 1 });
    const two = await createTorrent({ path: tree, format, pieceLength: 16384, creationDate: 1, threads: 2, chunkSize: 16384 });
    assert.equal(hex(one.torrent), hex(two.torrent));
    const main = await createTorrent({ path: tree, format, pieceLength: 16384, creationDate: 1, threads: 2, mainThread: true });
    assert.equal(hex(main.torrent), hex(one.torrent), 'hashing on the main thread too');
  });

  test(`${format}: libtorrent reads the same info hashes and finds every piece`, async (t) => {
    if (!libtorrentOr(t)) return;
    for (const [path, opts] of [
      [tree, { pieceLength: 16384 }],
      [single, {}],
    ] as const) {
      const { torrent, metainfo: m } = await create({ path, format, ...opts });
      const file = join(base, `check-${format}.torrent`);
      writeFileSync(file, torrent);
      const lt = libtorrentView(file, base);
      assert.equal(lt.v1, m.infoHashV1 ? hex(m.infoHashV1) : null, 'v1 info hash');
      assert.equal(lt.v2, m.infoHashV2 ? hex(m.infoHashV2) : null, 'v2 info hash');
      assert.equal(lt.pieces, m.pieceCount);
      assert.deepEqual(lt.files, m.files.filter((f) => !f.pad).map((f) => f.rawPath.join('/')));
      assert.equal(lt.error, undefined);
      assert.equal(lt.have, m.pieceCount, `libtorrent has ${lt.have}/${m.pieceCount} pieces (${lt.state})`);
    }
  });
}

test('metadata options land in the torrent', async () => {
  const { metainfo: m } = await create({
    path: single,
    format: 'hybrid',
    announce: [['http://127.0.0.1:1/announce', 'udp://127.0.0.1:2'], ['http://127.0.0.1:3/announce']],
    webSeeds: ['http://127.0.0.1:4/files/'],
    private: true,
    comment: 'hello ✓',
    source: 'SRC',
    name: 'renamed.bin',
    createdBy: 'tester',
  });
  assert.deepEqual(m.announce, [['http://127.0.0.1:1/announce', 'udp://127.0.0.1:2'], ['http://127.0.0.1:3/announce']]);
  assert.deepEqual(m.webSeeds, ['http://127.0.0.1:4/files/']);
  assert.equal(m.private, true);
  assert.equal(m.comment, 'hello ✓');
  assert.equal(m.source, 'SRC');
  assert.equal(m.name, 'renamed.bin');
  assert.equal(m.createdBy, 'tester');
  assert.equal(m.creationDate, 1_700_000_000);
  const none = await create({ path: single, format: 'v1', creationDate: null });
  assert.equal(none.metainfo.creationDate, undefined);
  assert.equal(none.metainfo.createdBy, 'shoal/0.1.0');
  const source = await create({ path: single, format: 'v1', creationDate: null, source: 'other' });
  assert.notEqual(hex(source.metainfo.infoHash), hex(none.metainfo.infoHash), 'source changes the info hash');
});

test('errors: missing path, empty folder, folder of empty files, bad options', async () => {
  await assert.rejects(create({ path: join(base, 'nope'), format: 'v1' }), { code: 'CREATE_PATH_NOT_FOUND' });
  const empty = join(base, 'empty-folder');
  mkdirSync(join(empty, 'inner'), { recursive: true });
  await assert.rejects(create({ path: empty, format: 'v1' }), { code: 'CREATE_EMPTY' });
  writeFileSync(join(empty, 'zero'), '');
  await assert.rejects(create({ path: empty, format: 'hybrid' }), { code: 'CREATE_EMPTY' });
  await assert.rejects(create({ path: single, format: 'v1', pieceLength: 20000 }), { code: 'CREATE_BAD_PIECE_LENGTH' });
  await assert.rejects(create({ path: single, format: 'v2', pieceLength: 8192 }), { code: 'CREATE_BAD_PIECE_LENGTH' });
  await assert.rejects(create({ path: single, format: 'v1', announce: [['not a url']] }), { code: 'CREATE_BAD_OPTION' });
  await assert.rejects(create({ path: single, format: 'v1', threads: 0 }), { code: 'CREATE_BAD_OPTION' });
  await assert.rejects(create({ path: single, format: 'v1', signal: AbortSignal.abort() }), { code: 'ABORTED' });
});

test('automatic piece length: ~1000-2000 pieces, power of two, 16 KiB to 16 MiB', () => {
  assert.equal(choosePieceLength(1), 16384);
  assert.equal(choosePieceLength(2000 * 16384), 16384);
  assert.equal(choosePieceLength(2000 * 16384 + 1), 32768);
  assert.equal(choosePieceLength(2 ** 30), 2 ** 20);
  assert.equal(choosePieceLength(2 ** 50), 16 * 2 ** 20);
  for (let size = 1; size < 2 ** 40; size = size * 3 + 7) {
    const p = choosePieceLength(size);
    assert.equal(p & (p - 1), 0);
    const n = Math.ceil(size / p);
    assert.ok(p === 16384 || n > 1000, `${size}: ${n} pieces of ${p}`);
    assert.ok(n <= 2000 || p === 16 * 2 ** 20, `${size}: ${n} pieces of ${p}`);
  }
});
