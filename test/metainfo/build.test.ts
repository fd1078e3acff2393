import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from '../../src/bencode/index.js';
import { buildTorrent, parseMetainfo, planPieceSpace, type TorrentVersion } from '../../src/metainfo/index.js';
import { bytesOf, hashed, hex, makeTorrent, throwsCode, type MemFile } from './helpers.js';

const PL = 16384;
const VERSIONS: TorrentVersion[] = ['v1', 'v2', 'hybrid'];
const text = (s: string) => new TextEncoder().encode(s);

const tree: MemFile[] = [
  { path: ['readme.txt'], data: text('hello') },
  { path: ['empty'], data: new Uint8Array(0) },
  { path: ['deep', 'er', 'still', 'big.bin'], data: bytesOf(3 * PL + 123, 5) },
  { path: ['ünïcödé', '日本語.txt'], data: bytesOf(PL, 9), attr: 'x' },
  { path: ['exact'], data: bytesOf(2 * PL, 11) },
];

for (const version of VERSIONS) {
  test(`${version}: build -> parse round trip (nested, empty, non-ASCII, exact-piece files)`, () => {
    const extra = {
      announce: [['http://t1/announce', 'http://t2/announce'], ['udp://t3:80']],
      webSeeds: ['http://seed/a/', 'http://seed/b/'],
      private: true,
      comment: 'a comment ✓',
      createdBy: 'shoal test',
      creationDate: 1_700_000_000,
      source: 'SRC',
    };
    const { torrent, metainfo: m } = makeTorrent('tørrent', tree, version, PL, extra);
    // Canonical: the strict decoder accepts it and it parses to the same thing.
    decode(torrent);
    assert.deepEqual(parseMetainfo(torrent), m);
    assert.equal(m.version, version);
    assert.equal(m.name, 'tørrent');
    assert.equal(m.multiFile, true);
    const real = m.files.filter((f) => !f.pad);
    const planned = planPieceSpace(tree.map((f) => ({ path: f.path, length: f.data.length })), PL, version);
    assert.deepEqual(m.files.map((f) => f.rawPath.join('/')), planned.map((f) => ['tørrent', ...f.path].join('/')));
    assert.deepEqual(m.files.map((f) => f.offset), (version === 'v2' ? planned.filter((f) => !f.pad) : planned).map((f) => f.offset));
    assert.equal(m.length, tree.reduce((n, f) => n + f.data.length, 0));
    assert.deepEqual(m.announce, extra.announce);
    assert.deepEqual(m.webSeeds, extra.webSeeds);
    assert.deepEqual([m.private, m.comment, m.createdBy, m.creationDate, m.source], [true, extra.comment, extra.createdBy, extra.creationDate, 'SRC']);
    assert.equal(real.find((f) => f.rawPath.at(-1) === '日本語.txt')?.attr, 'x');
    if (version !== 'v1') {
      for (const f of real) assert.equal(f.piecesRoot !== undefined, f.length > 0, f.rawPath.join('/'));
      // Only files larger than one piece need a layer.
      assert.equal(m.pieceLayers?.size, real.filter((f) => f.length > PL).length);
    }
    if (version !== 'v2') assert.equal(m.pieces?.length, m.pieceCount * 20);
    assert.equal(m.pieceCount, Math.ceil(m.spaceLength / PL));
  });

  test(`${version}: single-file torrent`, () => {
    const { torrent, metainfo: m } = makeTorrent('only.bin', [{ path: ['only.bin'], data: bytesOf(PL + 1) }], version, PL, { singleFile: true });
    assert.equal(m.multiFile, false);
    assert.deepEqual(m.files.map((f) => [f.path, f.length, f.offset]), [[['only.bin'], PL + 1, 0]]);
    assert.equal(m.pieceCount, 2);
    const top = decode(torrent) as Map<string, unknown>;
    assert.equal(top.has('announce'), false);
    assert.equal(top.has('announce-list'), false);
  });
}

test('one tracker is written as announce only; one web seed as a string', () => {
  const { torrent, metainfo } = makeTorrent('x', [{ path: ['x'], data: text('x') }], 'v1', PL, { singleFile: true, announce: [['http://a/']], webSeeds: ['http://w/'] });
  const top = decode(torrent) as Map<string, unknown>;
  assert.equal(top.has('announce-list'), false);
  assert.ok(top.get('url-list') instanceof Uint8Array);
  assert.deepEqual(metainfo.announce, [['http://a/']]);
});

test('the same content gives the same info hash whatever the input order (v2 and hybrid)', () => {
  for (const version of ['v2', 'hybrid'] as const) {
    const a = makeTorrent('n', tree, version).metainfo;
    const b = makeTorrent('n', [...tree].reverse(), version).metainfo;
    assert.equal(hex(a.infoHash), hex(b.infoHash));
  }
});

test('inconsistent build input is refused', () => {
  const files = [{ path: ['a'], data: bytesOf(PL + 5) }, { path: ['b'], data: bytesOf(3) }];
  const ok = hashed(files, 'hybrid', PL);
  const base = { name: 'n', version: 'hybrid' as const, pieceLength: PL, singleFile: false, ...ok };
  buildTorrent(base);
  throwsCode(() => buildTorrent({ ...base, name: '' }), 'METAINFO_BAD_BUILD_INPUT', 'name');
  throwsCode(() => buildTorrent({ ...base, pieces: undefined }), 'METAINFO_BAD_BUILD_INPUT', 'pieces');
  throwsCode(() => buildTorrent({ ...base, pieces: new Uint8Array(20) }), 'METAINFO_BAD_BUILD_INPUT', 'pieces');
  throwsCode(() => buildTorrent({ ...base, v2Files: ok.v2Files?.slice(1) }), 'METAINFO_BAD_BUILD_INPUT', 'v2Files');
  throwsCode(() => buildTorrent({ ...base, v2Files: ok.v2Files?.map((t) => ({ ...t, root: t.root.subarray(1) })) }), 'METAINFO_BAD_BUILD_INPUT');
  throwsCode(() => buildTorrent({ ...base, singleFile: true }), 'METAINFO_BAD_BUILD_INPUT', 'files');
  throwsCode(() => buildTorrent({ ...base, version: 'v2' }), 'METAINFO_BAD_BUILD_INPUT', 'files');
  throwsCode(() => buildTorrent({ ...base, pieceLength: 1000 }), 'METAINFO_BAD_PIECE_LENGTH');
  // A wrong Merkle root is caught when the result is parsed back (layer mismatch).
  const v2Files = ok.v2Files?.map((t, i) => (i === 0 ? { ...t, root: new Uint8Array(32) } : t));
  throwsCode(() => buildTorrent({ ...base, v2Files }), 'METAINFO_BAD_PIECE_LAYERS');
});
