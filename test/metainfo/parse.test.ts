import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { bytesKey, decodeWithSpans, textKey, type BEncodable } from '../../src/bencode/index.js';
import {
  BLOCK_SIZE,
  nextPowerOfTwo,
  parseInfo,
  parseMetainfo,
  rootFromLayer,
  zeroRoot,
} from '../../src/metainfo/index.js';
import { fakePieces, hex, throwsCode, torrentBytes } from './helpers.js';

const PL = 16384;
const enc = new TextEncoder();
const root = (n: number): Uint8Array => new Uint8Array(32).fill(n);

function v1Single(over: Record<string, BEncodable | undefined> = {}): Record<string, BEncodable | undefined> {
  return { name: 'a.txt', 'piece length': PL, length: 20000, pieces: fakePieces(2), ...over };
}
function v1Multi(files: BEncodable[], pieces: number, over: Record<string, BEncodable | undefined> = {}): Record<string, BEncodable | undefined> {
  return { name: 'dir', 'piece length': PL, files, pieces: fakePieces(pieces), ...over };
}
const fileEntry = (len: number, r?: Uint8Array): Map<string, BEncodable> =>
  new Map([['', new Map<string, BEncodable>([['length', len], ...(r ? [['pieces root', r] as [string, BEncodable]] : [])])]]);
function v2(tree: BEncodable, over: Record<string, BEncodable | undefined> = {}): Record<string, BEncodable | undefined> {
  return { name: 'v2dir', 'piece length': PL, 'meta version': 2, 'file tree': tree, ...over };
}
/** A piece layer of `pieces` arbitrary hashes and its matching root. */
function layerAndRoot(pieces: number, pl = PL): { layer: Uint8Array; root: Uint8Array } {
  const layer = new Uint8Array(pieces * 32).map((_, i) => (i * 7) & 0xff);
  return { layer, root: rootFromLayer(layer, nextPowerOfTwo(pieces), zeroRoot(pl / BLOCK_SIZE)) };
}

test('v1 single-file torrent', () => {
  const bytes = torrentBytes(v1Single(), { announce: 'http://t/a', comment: 'c', 'created by': 'me', 'creation date': 12345 });
  const m = parseMetainfo(bytes);
  assert.equal(m.version, 'v1');
  assert.equal(m.name, 'a.txt');
  assert.equal(m.multiFile, false);
  assert.equal(m.pieceCount, 2);
  assert.equal(m.length, 20000);
  assert.equal(m.spaceLength, 20000);
  assert.deepEqual(m.files.map((f) => [f.path, f.rawPath, f.length, f.offset, f.pad]), [[['a.txt'], ['a.txt'], 20000, 0, false]]);
  assert.deepEqual(m.announce, [['http://t/a']]);
  assert.deepEqual([m.comment, m.createdBy, m.creationDate, m.private], ['c', 'me', 12345, false]);
  assert.equal(m.infoHashV2, undefined);
  const { spans } = decodeWithSpans(bytes);
  const [s, e] = spans.get('info') ?? [0, 0];
  assert.equal(hex(m.infoHash), createHash('sha1').update(bytes.subarray(s, e)).digest('hex'));
  assert.equal(hex(m.infoHashV1), hex(m.infoHash));
  assert.deepEqual(m.infoBytes, bytes.subarray(s, e));
});

test('v1 multi-file torrent: paths under the name, files end to end, BEP 47 attributes', () => {
  const files = [
    { length: 10, path: ['sub', 'x.bin'], attr: 'x', mtime: 99, sha1: new Uint8Array(20).fill(1) },
    { length: 0, path: ['empty'] },
    { length: 16374, path: ['.pad', '16374'], attr: 'p' },
    { length: 16385, path: ['y'] },
  ];
  const m = parseMetainfo(torrentBytes(v1Multi(files, 3)));
  assert.equal(m.multiFile, true);
  assert.deepEqual(m.files.map((f) => [f.path.join('/'), f.offset, f.pad, f.attr]), [
    ['dir/sub/x.bin', 0, false, 'x'],
    ['dir/empty', 10, false, ''],
    ['dir/.pad/16374', 10, true, 'p'],
    ['dir/y', PL, false, ''],
  ]);
  assert.equal(m.length, 10 + 16385);
  assert.equal(m.spaceLength, PL + 16385);
  assert.equal(m.files[0]?.mtime, 99);
  assert.equal(m.files[0]?.sha1?.length, 20);
});

test('the info hash is taken over the raw bytes of a non-canonical info dictionary', () => {
  // Keys out of order: "piece length" before "name", "pieces" before "length".
  const info = `d12:piece lengthi16384e6:pieces20:${'x'.repeat(20)}4:name1:a6:lengthi5ee`;
  const bytes = enc.encode(`d8:announce3:x:y4:info${info}e`);
  const m = parseMetainfo(bytes);
  assert.equal(hex(m.infoHash), createHash('sha1').update(info).digest('hex'));
  assert.equal(new TextDecoder().decode(m.infoBytes), info);
});

test('parse copies its input: later changes to the buffer do not reach the result', () => {
  const bytes = torrentBytes(v1Single());
  const m = parseMetainfo(bytes);
  const before = hex(m.infoBytes);
  bytes.fill(0);
  assert.equal(hex(m.infoBytes), before);
});

test('v2 torrent: tree order, aligned offsets, name prefix, piece layers', () => {
  const big = layerAndRoot(3);
  const tree = new Map<string, BEncodable>([
    ['b', fileEntry(5, root(2))],
    ['a', fileEntry(2 * PL + 1, big.root)],
    ['dir', new Map([['empty', fileEntry(0)], ['z', fileEntry(PL, root(3))]])],
  ]);
  const bytes = torrentBytes(v2(tree), { 'piece layers': new Map([[bytesKey(big.root), big.layer]]) });
  const m = parseMetainfo(bytes);
  assert.equal(m.version, 'v2');
  assert.equal(m.multiFile, true);
  assert.deepEqual(m.files.map((f) => [f.path.join('/'), f.offset, f.length]), [
    ['v2dir/a', 0, 2 * PL + 1],
    ['v2dir/b', 3 * PL, 5],
    ['v2dir/dir/empty', 4 * PL, 0],
    ['v2dir/dir/z', 4 * PL, PL],
  ]);
  assert.equal(m.pieceCount, 5);
  assert.equal(m.infoHashV1, undefined);
  assert.equal(hex(m.infoHashV2), createHash('sha256').update(m.infoBytes).digest('hex'));
  assert.deepEqual(m.infoHash, m.infoHashV2?.subarray(0, 20));
  assert.equal(hex(m.files[0]?.piecesRoot), hex(big.root));
  assert.equal(m.files[2]?.piecesRoot, undefined);
  assert.equal(hex(m.pieceLayers?.get(bytesKey(big.root))), hex(big.layer));
});

test('v2 single-file torrent: the path is the tree key, as libtorrent reads it', () => {
  const m = parseMetainfo(torrentBytes(v2(new Map([['file.bin', fileEntry(7, root(1))]]), { name: 'other' })));
  assert.equal(m.multiFile, false);
  assert.deepEqual(m.files.map((f) => f.path), [['file.bin']]);
  assert.equal(m.name, 'other');
  // One file in a folder is a multi-file torrent.
  const n = parseMetainfo(torrentBytes(v2(new Map([['d', new Map([['f', fileEntry(7, root(1))]])]]))));
  assert.deepEqual(n.files.map((f) => f.path), [['v2dir', 'd', 'f']]);
});

test('non-ASCII file tree keys and names', () => {
  const tree = new Map([[textKey('héllo 😀.txt'), fileEntry(3, root(1))], [textKey('日本'), new Map([[textKey('ü'), fileEntry(1, root(2))]])]]);
  const m = parseMetainfo(torrentBytes(v2(tree, { name: 'naïve' })));
  assert.deepEqual(m.files.map((f) => f.rawPath.join('/')), ['naïve/héllo 😀.txt', 'naïve/日本/ü']);
});

function hybridInfo(files: BEncodable[], tree: BEncodable, pieces: number): Record<string, BEncodable | undefined> {
  return { ...v1Multi(files, pieces), 'meta version': 2, 'file tree': tree };
}
const hTree = () => new Map<string, BEncodable>([['a', fileEntry(5, root(1))], ['b', fileEntry(3, root(2))]]);
const hFiles = (): BEncodable[] => [{ length: 5, path: ['a'] }, { length: PL - 5, path: ['.pad', String(PL - 5)], attr: 'p' }, { length: 3, path: ['b'] }];

test('hybrid torrent: the v1 view with its padding, the v2 roots attached, both hashes', () => {
  const m = parseMetainfo(torrentBytes(hybridInfo(hFiles(), hTree(), 2)));
  assert.equal(m.version, 'hybrid');
  assert.deepEqual(m.files.map((f) => [f.path.join('/'), f.offset, f.pad]), [['dir/a', 0, false], [`dir/.pad/${PL - 5}`, 5, true], ['dir/b', PL, false]]);
  assert.deepEqual(m.files[2]?.piecesRoot, root(2));
  assert.equal(m.files[1]?.piecesRoot, undefined);
  assert.equal(hex(m.infoHashV1), createHash('sha1').update(m.infoBytes).digest('hex'));
  assert.equal(hex(m.infoHashV2), createHash('sha256').update(m.infoBytes).digest('hex'));
  assert.deepEqual(m.infoHash, m.infoHashV1);
  // A trailing padding file (libtorrent writes one) is fine.
  const withTail = [...hFiles(), { length: PL - 3, path: ['.pad', String(PL - 3)], attr: 'p' }];
  assert.equal(parseMetainfo(torrentBytes(hybridInfo(withTail, hTree(), 2))).spaceLength, 2 * PL);
  // A single-file hybrid: v1 `length` and a one-entry tree keyed by the name.
  const single = { name: 'a', 'piece length': PL, length: 5, pieces: fakePieces(1), 'meta version': 2, 'file tree': new Map([['a', fileEntry(5, root(1))]]) };
  assert.deepEqual(parseMetainfo(torrentBytes(single)).files.map((f) => f.path), [['a']]);
});

test('hybrid with one file in a folder: v1 lists it under the name, the v2 tree is single-file (libtorrent writes these)', () => {
  const info = { name: 'folder', 'piece length': PL, files: [{ length: 5, path: ['f.bin'] }], pieces: fakePieces(1), 'meta version': 2, 'file tree': new Map([['f.bin', fileEntry(5, root(1))]]) };
  const m = parseMetainfo(torrentBytes(info));
  assert.deepEqual(m.files.map((f) => f.path), [['folder', 'f.bin']]);
  assert.equal(m.multiFile, true);
});

test('hybrid torrents whose views differ are rejected', () => {
  const bad = (files: BEncodable[], tree: BEncodable, pieces: number) => () => parseMetainfo(torrentBytes(hybridInfo(files, tree, pieces)));
  throwsCode(bad([{ length: 5, path: ['a'] }, { length: 3, path: ['b'] }], hTree(), 1), 'METAINFO_HYBRID_MISMATCH'); // no padding
  throwsCode(bad(hFiles().slice(0, 2), hTree(), 1), 'METAINFO_HYBRID_MISMATCH'); // a file missing
  const renamed = hFiles();
  renamed[2] = { length: 3, path: ['c'] };
  throwsCode(bad(renamed, hTree(), 2), 'METAINFO_HYBRID_MISMATCH', 'info.files[2].path');
  const longer = hFiles();
  longer[2] = { length: 4, path: ['b'] };
  throwsCode(bad(longer, hTree(), 2), 'METAINFO_HYBRID_MISMATCH');
  const extraPad = [...hFiles().slice(0, 2), { length: PL, path: ['.pad', String(PL)], attr: 'p' }, { length: 3, path: ['b'] }];
  throwsCode(bad(extraPad, hTree(), 3), 'METAINFO_HYBRID_MISMATCH');
  const longTail = [...hFiles(), { length: 3 * PL, path: ['.pad', 'x'], attr: 'p' }];
  throwsCode(bad(longTail, hTree(), 5), 'METAINFO_HYBRID_MISMATCH', 'info.pieces');
});

test('meta version: newer versions say so before any other check', () => {
  throwsCode(() => parseMetainfo(torrentBytes({ 'meta version': 3 })), 'METAINFO_NEWER_VERSION', 'info.meta version');
  throwsCode(() => parseMetainfo(torrentBytes({ 'meta version': 3, 'piece length': -1, name: '..' })), 'METAINFO_NEWER_VERSION');
  throwsCode(() => parseMetainfo(torrentBytes(v2(hTree(), { 'meta version': 1 }))), 'METAINFO_BAD_FIELD', 'info.meta version');
  throwsCode(() => parseMetainfo(torrentBytes(v2(hTree(), { 'meta version': '2' }))), 'METAINFO_BAD_FIELD', 'info.meta version');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ 'meta version': 2 }))), 'METAINFO_BAD_FIELD', 'info.file tree');
});

test('structure errors', () => {
  const raw = (s: string) => () => parseMetainfo(enc.encode(s));
  throwsCode(raw('not bencode'), 'METAINFO_MALFORMED');
  throwsCode(raw('le'), 'METAINFO_MALFORMED');
  throwsCode(raw('de1:x'), 'METAINFO_MALFORMED');
  throwsCode(raw('de'), 'METAINFO_BAD_FIELD', 'info');
  throwsCode(raw('d4:infoi1ee'), 'METAINFO_BAD_FIELD', 'info');
  throwsCode(raw('d4:info' + 'l'.repeat(200) + 'e'.repeat(200) + 'e'), 'METAINFO_TOO_LARGE');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ name: undefined }))), 'METAINFO_BAD_FIELD', 'info.name');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ name: 5 }))), 'METAINFO_BAD_FIELD', 'info.name');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ files: [] }))), 'METAINFO_BAD_FIELD', 'info');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ length: undefined }))), 'METAINFO_BAD_FIELD', 'info');
  throwsCode(() => parseMetainfo(torrentBytes(v1Multi([], 0))), 'METAINFO_NO_FILES', 'info.files');
  throwsCode(() => parseMetainfo(torrentBytes(v1Multi([5], 1))), 'METAINFO_BAD_FIELD', 'info.files[0]');
  throwsCode(() => parseMetainfo(torrentBytes(v1Multi([{ length: 5 }], 1))), 'METAINFO_BAD_FIELD', 'info.files[0].path');
  throwsCode(() => parseMetainfo(torrentBytes(v1Multi([{ length: 5, path: 'a' }], 1))), 'METAINFO_BAD_FIELD', 'info.files[0].path');
  throwsCode(() => parseMetainfo(torrentBytes(v1Multi([{ length: 5, path: [1] }], 1))), 'METAINFO_BAD_FIELD', 'info.files[0].path[0]');
  throwsCode(() => parseMetainfo(torrentBytes(v1Multi([{ path: ['a'] }], 1))), 'METAINFO_BAD_FIELD', 'info.files[0].length');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ pieces: undefined }))), 'METAINFO_BAD_FIELD', 'info.pieces');
});

test('lengths, piece length and pieces', () => {
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ length: -1 }))), 'METAINFO_BAD_LENGTH', 'info.length');
  throwsCode(() => parseMetainfo(torrentBytes(v1Multi([{ length: -5, path: ['a'] }], 1))), 'METAINFO_BAD_LENGTH', 'info.files[0].length');
  throwsCode(
    () => parseMetainfo(torrentBytes(v1Multi([{ length: Number.MAX_SAFE_INTEGER, path: ['a'] }, { length: 1, path: ['b'] }], 1))),
    'METAINFO_BAD_LENGTH',
  );
  for (const pl of [0, -16384]) throwsCode(() => parseMetainfo(torrentBytes(v1Single({ 'piece length': pl }))), 'METAINFO_BAD_PIECE_LENGTH', 'info.piece length');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ 'piece length': 2 ** 31 }))), 'METAINFO_BAD_PIECE_LENGTH');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ 'piece length': 'x' }))), 'METAINFO_BAD_FIELD', 'info.piece length');
  // v1 allows any positive piece length; v2 needs a power of two >= 16 KiB.
  assert.equal(parseMetainfo(torrentBytes(v1Single({ 'piece length': 10000, pieces: fakePieces(2) }))).pieceCount, 2);
  for (const pl of [8192, 3 * PL, PL + 1]) {
    throwsCode(() => parseMetainfo(torrentBytes(v2(hTree(), { 'piece length': pl }))), 'METAINFO_BAD_PIECE_LENGTH');
  }
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ pieces: new Uint8Array(39) }))), 'METAINFO_BAD_PIECES', 'info.pieces');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ pieces: fakePieces(1) }))), 'METAINFO_BAD_PIECES', 'info.pieces');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ pieces: fakePieces(3) }))), 'METAINFO_BAD_PIECES', 'info.pieces');
  // An all-empty torrent has no pieces.
  assert.equal(parseMetainfo(torrentBytes(v1Single({ length: 0, pieces: new Uint8Array(0) }))).pieceCount, 0);
});

test('v2 file tree rules', () => {
  const p = (tree: BEncodable, over = {}) => () => parseMetainfo(torrentBytes(v2(tree, over)));
  throwsCode(p(new Map([['', new Map([['length', 1]])]])), 'METAINFO_BAD_FILE_TREE', 'info.file tree');
  throwsCode(p(new Map()), 'METAINFO_NO_FILES');
  const withSibling = new Map<string, BEncodable>([['', new Map<string, BEncodable>([['length', 1], ['pieces root', root(1)]])], ['x', fileEntry(1, root(1))]]);
  throwsCode(p(new Map([['a', withSibling]])), 'METAINFO_BAD_FILE_TREE', 'info.file tree.a');
  throwsCode(p(new Map([['a', new Map([['', new Map([['pieces root', root(1)]])]])]])), 'METAINFO_BAD_FILE_TREE');
  throwsCode(p(new Map([['a', new Map([['', 5]])]])), 'METAINFO_BAD_FILE_TREE');
  throwsCode(p(new Map([['a', 5]])), 'METAINFO_BAD_FILE_TREE', 'info.file tree.a');
  throwsCode(p(new Map([['d', new Map()]])), 'METAINFO_BAD_FILE_TREE', 'info.file tree.d');
  throwsCode(p(new Map([['a', fileEntry(1)]])), 'METAINFO_BAD_FILE_TREE');
  throwsCode(p(new Map([['a', fileEntry(1, new Uint8Array(31))]])), 'METAINFO_BAD_FILE_TREE', 'info.file tree.a.pieces root');
  throwsCode(p(new Map([['a', fileEntry(-1)]])), 'METAINFO_BAD_LENGTH');
  throwsCode(p(new Map([['..', fileEntry(1, root(1))], ['b', fileEntry(1, root(1))]])), 'METAINFO_PATH_TRAVERSAL');
  throwsCode(p(new Map([['a/b', fileEntry(1, root(1))], ['b', fileEntry(1, root(1))]])), 'METAINFO_BAD_PATH');
  const three = torrentBytes(v2(new Map([['a', fileEntry(1, root(1))], ['b', fileEntry(1, root(1))], ['c', fileEntry(1, root(1))]])));
  assert.equal(parseMetainfo(three).files.length, 3);
  throwsCode(() => parseMetainfo(three, { maxFiles: 2 }), 'METAINFO_TOO_LARGE');
  let deep: BEncodable = fileEntry(1, root(1));
  for (let i = 0; i < 63; i++) deep = new Map([['d', deep]]);
  assert.equal(parseMetainfo(torrentBytes(v2(deep))).files[0]?.path.length, 64); // name + 63
  throwsCode(p(new Map([['d', deep]])), 'METAINFO_PATH_TOO_LONG');
  // Sanitised names that collide are a duplicate.
  throwsCode(p(new Map([['a:b', fileEntry(1, root(1))], ['a_b', fileEntry(1, root(1))]])), 'METAINFO_DUPLICATE_PATH');
  // An empty file may carry no pieces root; a stray one is ignored.
  assert.equal(parseMetainfo(torrentBytes(v2(new Map([['a', fileEntry(0, root(1))], ['b', fileEntry(1, root(1))]])))).files[0]?.piecesRoot, undefined);
});

test('piece layers must be present and match for files larger than one piece', () => {
  const big = layerAndRoot(2);
  const tree = new Map([['a', fileEntry(PL + 1, big.root)], ['b', fileEntry(PL, root(1))]]);
  const withLayers = (layers: BEncodable | undefined) => torrentBytes(v2(tree), layers === undefined ? {} : { 'piece layers': layers });
  parseMetainfo(withLayers(new Map([[bytesKey(big.root), big.layer]])));
  throwsCode(() => parseMetainfo(withLayers(undefined)), 'METAINFO_BAD_PIECE_LAYERS', 'piece layers');
  throwsCode(() => parseMetainfo(withLayers(5)), 'METAINFO_BAD_PIECE_LAYERS');
  throwsCode(() => parseMetainfo(withLayers(new Map())), 'METAINFO_BAD_PIECE_LAYERS');
  throwsCode(() => parseMetainfo(withLayers(new Map([[bytesKey(big.root), 7]]))), 'METAINFO_BAD_PIECE_LAYERS');
  throwsCode(() => parseMetainfo(withLayers(new Map([[bytesKey(big.root), big.layer.subarray(32)]]))), 'METAINFO_BAD_PIECE_LAYERS');
  const wrong = Uint8Array.from(big.layer);
  wrong[0] = (wrong[0] as number) ^ 1;
  throwsCode(() => parseMetainfo(withLayers(new Map([[bytesKey(big.root), wrong]]))), 'METAINFO_BAD_PIECE_LAYERS');
  // A layer from the wrong tree level (block hashes instead of piece hashes) does not match.
  const pl2 = layerAndRoot(1, 2 * PL);
  const tree2 = new Map([['a', fileEntry(2 * PL + 1, layerAndRoot(2, 2 * PL).root)]]);
  throwsCode(() => parseMetainfo(torrentBytes(v2(tree2, { 'piece length': 2 * PL }), { 'piece layers': new Map([[bytesKey(pl2.root), pl2.layer]]) })), 'METAINFO_BAD_PIECE_LAYERS');
  // Without piece layers, as after a metadata download: the info alone parses.
  const info = parseMetainfo(withLayers(new Map([[bytesKey(big.root), big.layer]]))).infoBytes;
  const m = parseInfo(info);
  assert.equal(m.pieceLayers, undefined);
  assert.equal(m.files.length, 2);
  assert.deepEqual(m.announce, []);
});

test('size bounds', () => {
  const bytes = torrentBytes(v1Single());
  throwsCode(() => parseMetainfo(bytes, { maxSize: bytes.length - 1 }), 'METAINFO_TOO_LARGE');
  throwsCode(() => parseMetainfo(bytes, { maxInfoSize: 20 }), 'METAINFO_TOO_LARGE', 'info');
  throwsCode(() => parseMetainfo(bytes, { maxPieces: 1 }), 'METAINFO_TOO_LARGE');
  throwsCode(() => parseInfo(new Uint8Array(100), { maxInfoSize: 50 }), 'METAINFO_TOO_LARGE');
  // v2: the piece count follows from lengths alone, so it is bounded before any layer is read.
  throwsCode(() => parseMetainfo(torrentBytes(v2(new Map([['a', fileEntry(2 ** 50, root(1))]])))), 'METAINFO_TOO_LARGE');
  throwsCode(() => parseMetainfo(torrentBytes(v1Multi([{ length: 1, path: ['a'] }, { length: 1, path: ['b'] }], 1)), { maxFiles: 1 }), 'METAINFO_TOO_LARGE');
});

test('paths from the torrent: traversal rejected, odd names sanitised', () => {
  const multi = (path: BEncodable) => () => parseMetainfo(torrentBytes(v1Multi([{ length: 1, path }], 1)));
  throwsCode(multi(['..', 'etc', 'passwd']), 'METAINFO_PATH_TRAVERSAL', 'info.files[0].path[0]');
  throwsCode(multi(['a', '.']), 'METAINFO_PATH_TRAVERSAL');
  throwsCode(multi(['/etc']), 'METAINFO_PATH_TRAVERSAL');
  throwsCode(multi(['..\\..\\x']), 'METAINFO_PATH_TRAVERSAL');
  throwsCode(multi([]), 'METAINFO_BAD_PATH');
  throwsCode(multi(['a', '']), 'METAINFO_BAD_PATH');
  throwsCode(multi(['a\0']), 'METAINFO_BAD_PATH');
  throwsCode(multi(['x'.repeat(256)]), 'METAINFO_PATH_TOO_LONG');
  throwsCode(multi(Array(64).fill('d')), 'METAINFO_PATH_TOO_LONG');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ name: '..' }))), 'METAINFO_PATH_TRAVERSAL', 'info.name');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ name: 'a/b' }))), 'METAINFO_BAD_PATH', 'info.name');
  throwsCode(() => parseMetainfo(torrentBytes(v1Single({ name: '' }))), 'METAINFO_BAD_PATH', 'info.name');
  throwsCode(() => parseMetainfo(torrentBytes(v1Multi([{ length: 1, path: ['a'] }, { length: 0, path: ['a'] }], 1))), 'METAINFO_DUPLICATE_PATH');
  throwsCode(() => parseMetainfo(torrentBytes(v1Multi([{ length: 1, path: ['a'] }, { length: 0, path: ['a', 'b'] }], 1))), 'METAINFO_DUPLICATE_PATH');
  const m = parseMetainfo(torrentBytes(v1Multi([{ length: 1, path: ['CON', 'a:b?', 'x. '] }], 1, { name: 'nul' })));
  assert.deepEqual(m.files[0]?.rawPath, ['nul', 'CON', 'a:b?', 'x. ']);
  assert.deepEqual(m.files[0]?.path, ['_nul', '_CON', 'a_b_', 'x__']);
  // Invalid UTF-8 is shown as U+FFFD rather than refused.
  const bad = parseMetainfo(torrentBytes(v1Multi([{ length: 1, path: [Uint8Array.of(0x61, 0xff)] }], 1)));
  assert.deepEqual(bad.files[0]?.path, ['dir', 'a\uFFFD']);
});

test('padding files: BEP 47 attr, no path needed, old BitComet names', () => {
  const m = parseMetainfo(torrentBytes(v1Multi([
    { length: 1, path: ['a'] },
    { length: PL - 1, attr: 'p' },
    { length: 1, path: ['b'] },
    { length: PL - 1, path: ['_____padding_file_0_if you see this file, please update to BitComet 0.85 or above____'] },
    { length: 1, path: ['c'] },
  ], 3)));
  assert.deepEqual(m.files.map((f) => f.pad), [false, true, false, true, false]);
  assert.deepEqual(m.files[1]?.path, ['dir', '.pad', String(PL - 1)]);
  assert.equal(m.length, 3);
  throwsCode(() => parseMetainfo(torrentBytes(v1Multi([{ length: 1, attr: 'x' }], 1))), 'METAINFO_BAD_FIELD');
});

test('symlinks (BEP 47) keep a checked target', () => {
  const m = parseMetainfo(torrentBytes(v1Multi([{ length: 0, path: ['l'], attr: 'l', 'symlink path': ['t', 'x'] }, { length: 1, path: ['t', 'x'] }], 1)));
  assert.deepEqual(m.files[0]?.symlinkPath, ['t', 'x']);
  throwsCode(
    () => parseMetainfo(torrentBytes(v1Multi([{ length: 0, path: ['l'], attr: 'l', 'symlink path': ['..', 'x'] }], 0))),
    'METAINFO_PATH_TRAVERSAL',
  );
});

test('trackers (BEP 12), web seeds (BEP 19), private (BEP 27) and text fields', () => {
  const extra = {
    announce: 'http://lone/a',
    'announce-list': [['http://a/1', ' http://a/2 ', ''], [], 'junk', [5, 'udp://b:1'], ['http://a/1']],
    'url-list': ['http://w/1', 7, 'http://w/2', 'http://w/1'],
    comment: 'latin',
    'comment.utf-8': 'ütf',
    'created by': 'x',
    'creation date': 'not a number',
  };
  const m = parseMetainfo(torrentBytes(v1Single({ private: 1, source: 'SRC', 'name.utf-8': 'ñame' }), extra));
  assert.deepEqual(m.announce, [['http://a/1', 'http://a/2'], ['udp://b:1']]);
  assert.deepEqual(m.webSeeds, ['http://w/1', 'http://w/2']);
  assert.equal(m.private, true);
  assert.equal(m.source, 'SRC');
  assert.equal(m.comment, 'ütf');
  assert.equal(m.name, 'ñame');
  assert.equal(m.creationDate, undefined);
  const lone = parseMetainfo(torrentBytes(v1Single({ private: 0 }), { announce: 'http://lone/a', 'announce-list': [[]], 'url-list': 'http://w/' }));
  assert.deepEqual(lone.announce, [['http://lone/a']]);
  assert.deepEqual(lone.webSeeds, ['http://w/']);
  assert.equal(lone.private, false);
  assert.equal(parseMetainfo(torrentBytes(v1Single({ private: 'yes' }))).private, false);
});
