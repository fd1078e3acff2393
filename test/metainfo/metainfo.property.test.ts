import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { encode, type BEncodable, type BValue } from '../../src/bencode/index.js';
import { ShoalError } from '../../src/errors.js';
import {
  formatMagnet,
  MagnetError,
  MetainfoError,
  parseMagnet,
  parseMetainfo,
  type MagnetLink,
  type TorrentVersion,
} from '../../src/metainfo/index.js';
import { bytesOf, makeTorrent } from './helpers.js';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'corpus', 'metainfo');

function onlyMetainfoErrors(bytes: Uint8Array): void {
  try {
    parseMetainfo(bytes);
  } catch (e) {
    if (!(e instanceof MetainfoError)) throw e;
  }
}

const bvalue: fc.Arbitrary<BValue> = fc.letrec<{ v: BValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -3, max: 70000 }),
    fc.constantFrom(...['a', '..', '', 'p', 'length', 'path', 'x/y'].map((s) => new TextEncoder().encode(s))),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc
      .dictionary(fc.constantFrom('', 'a', 'b', 'length', 'path', 'files', 'pieces root', 'attr', 'name', 'piece length', 'pieces'), tie('v'), { maxKeys: 4 })
      .map((o) => new Map(Object.entries(o))),
  ),
})).v;

const samples: Uint8Array[] = (['v1', 'v2', 'hybrid'] as TorrentVersion[]).map(
  (v) =>
    makeTorrent('s', [{ path: ['a'], data: bytesOf(20000) }, { path: ['d', 'b'], data: bytesOf(5, 3) }, { path: ['e'], data: new Uint8Array(0) }], v, 16384, {
      announce: [['http://t/']],
    }).torrent,
);

test('arbitrary bytes only ever raise MetainfoError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyMetainfoErrors(b)), { numRuns: 2000 });
});

test('mutated valid torrents only ever raise MetainfoError', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...samples),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.nat(),
      (sample, edits, cut) => {
        const b = Uint8Array.from(sample);
        for (const [at, byte] of edits) b[at % b.length] = byte;
        onlyMetainfoErrors(b);
        onlyMetainfoErrors(b.subarray(0, cut % (b.length + 1)));
      },
    ),
    { numRuns: 1500 },
  );
});

test('random info dictionaries only ever raise MetainfoError', () => {
  const info = fc.record(
    {
      name: fc.oneof(bvalue, fc.constant(new TextEncoder().encode('n'))),
      'piece length': fc.oneof(bvalue, fc.constantFrom(16384, 32768)),
      pieces: bvalue,
      length: bvalue,
      files: fc.array(fc.record({ length: fc.oneof(fc.nat(40000), bvalue), path: fc.oneof(bvalue, fc.array(bvalue, { maxLength: 3 })), attr: bvalue }, { requiredKeys: [] }), { maxLength: 4 }),
      'meta version': fc.oneof(fc.constant(2), bvalue),
      'file tree': bvalue,
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(info, bvalue, (i, layers) => {
      onlyMetainfoErrors(encode({ info: i as BEncodable, 'piece layers': layers as BEncodable }));
    }),
    { numRuns: 1500 },
  );
});

test('build -> parse round trip for random file sets, every version', () => {
  const name = fc.constantFrom('a', 'b', 'B', 'é', '日本', 'x.txt', 'z 1', '😀');
  const file = fc.record({ path: fc.array(name, { minLength: 1, maxLength: 3 }), length: fc.oneof(fc.constant(0), fc.nat(3 * 16384 + 7)) });
  const files = fc.uniqueArray(file, { minLength: 1, maxLength: 5, selector: (f) => f.path.join('/') }).filter((fs) => {
    // No file may also be a folder of another.
    const keys = new Set(fs.map((f) => f.path.join('/')));
    return fs.every((f) => f.path.slice(0, -1).every((_, i) => !keys.has(f.path.slice(0, i + 1).join('/'))));
  });
  fc.assert(
    fc.property(files, fc.constantFrom<TorrentVersion>('v1', 'v2', 'hybrid'), (fs, version) => {
      const { metainfo: m } = makeTorrent('root', fs.map((f, i) => ({ path: f.path, data: bytesOf(f.length, i + 1) })), version);
      const want = new Map(fs.map((f) => [['root', ...f.path].join('/'), f.length]));
      const got = m.files.filter((f) => !f.pad);
      const multi = version === 'v2' ? !(fs.length === 1 && fs[0]?.path.length === 1) : true;
      if (multi) assert.deepEqual(new Map(got.map((f) => [f.rawPath.join('/'), f.length])), want);
      assert.equal(m.length, fs.reduce((n, f) => n + f.length, 0));
      for (const f of got) if (version !== 'v1' && f.length > 0) assert.equal(f.offset % 16384, 0);
    }),
    { numRuns: 60 },
  );
});

test('arbitrary strings only ever raise MagnetError', () => {
  const piece = fc.constantFrom('magnet:?', 'xt=urn:btih:', 'xt=urn:btmh:1220', '&', '=', '%', 'tr=', 'so=', 'x.pe=', '[', ']', ':', '0', 'a', 'z', '-', ',', '%FF', '%41');
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 120 }), fc.array(piece, { maxLength: 30 }).map((a) => a.join(''))), (s) => {
      try {
        parseMagnet(s);
      } catch (e) {
        if (!(e instanceof MagnetError)) throw e;
      }
    }),
    { numRuns: 3000 },
  );
});

test('formatMagnet / parseMagnet round trip', () => {
  const url = fc.webUrl({ withQueryParameters: true, withFragments: true });
  const peer = fc.oneof(
    fc.ipV4().map((host) => ({ host })),
    fc.ipV6().map((host) => ({ host })),
    fc.domain().map((host) => ({ host })),
  ).chain((p) => fc.integer({ min: 1, max: 65535 }).map((port) => ({ ...p, port })));
  const link = fc.record({
    v1: fc.option(fc.uint8Array({ minLength: 20, maxLength: 20 }), { nil: undefined }),
    v2: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }),
    name: fc.option(fc.string({ unit: 'grapheme', maxLength: 20 }), { nil: undefined }),
    trackers: fc.uniqueArray(url, { maxLength: 4 }),
    webSeeds: fc.uniqueArray(url, { maxLength: 2 }),
    peers: fc.array(peer, { maxLength: 3 }),
    so: fc.option(fc.uniqueArray(fc.nat(50), { minLength: 1, maxLength: 8 }), { nil: undefined }),
  });
  fc.assert(
    fc.property(link, (l) => {
      fc.pre(l.v1 !== undefined || l.v2 !== undefined);
      const m: MagnetLink = {
        ...(l.v1 ? { infoHashV1: l.v1 } : {}),
        ...(l.v2 ? { infoHashV2: l.v2 } : {}),
        infoHash: l.v1 ?? (l.v2 as Uint8Array).subarray(0, 20),
        ...(l.name !== undefined ? { name: l.name } : {}),
        trackers: l.trackers,
        webSeeds: l.webSeeds,
        peers: l.peers,
        ...(l.so ? { selectOnly: [...l.so].sort((a, b) => a - b) } : {}),
      };
      const s = formatMagnet(m);
      const back = parseMagnet(s);
      assert.equal(formatMagnet(back), s);
      assert.deepEqual({ ...back, infoHash: [...back.infoHash] }, { ...m, infoHash: [...m.infoHash] });
    }),
    { numRuns: 200 },
  );
});

test('saved corpus inputs only ever raise MetainfoError', () => {
  for (const f of readdirSync(CORPUS)) {
    const bytes = readFileSync(join(CORPUS, f));
    try {
      parseMetainfo(bytes);
    } catch (e) {
      assert.ok(e instanceof ShoalError, `${f}: ${String(e)}`);
    }
  }
});
