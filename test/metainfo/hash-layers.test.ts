import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bytesKey } from '../../src/bencode/index.js';
import { BLOCK_SIZE, HASH_SIZE, HashLayerServer, hashPair, nextPowerOfTwo, parseMetainfo, zeroRoot } from '../../src/metainfo/index.js';

const meta = parseMetainfo(readFileSync(new URL('../fixtures/metainfo/multi-v2.torrent', import.meta.url)));
const file = meta.files.find((f) => f.piecesRoot && f.length > meta.pieceLength * 2);
const height = Math.log2(meta.pieceLength / BLOCK_SIZE);

test('serves the piece layer, padded to a power of two, and proves it against the root', () => {
  assert.ok(file?.piecesRoot);
  const layer = meta.pieceLayers?.get(bytesKey(file.piecesRoot)) as Uint8Array;
  const n = layer.length / HASH_SIZE;
  const width = nextPowerOfTwo(n);
  const server = new HashLayerServer(meta);
  const all = server.answer({ piecesRoot: file.piecesRoot, baseLayer: height, index: 0, length: width, proofLayers: 0 });
  assert.ok(all);
  assert.ok(Buffer.from(all.subarray(0, layer.length)).equals(layer));
  assert.equal(all.length, width * HASH_SIZE);
  // Two hashes plus uncles up the tree reach the root.
  const half = server.answer({ piecesRoot: file.piecesRoot, baseLayer: height, index: 2, length: 2, proofLayers: 10 });
  assert.ok(half);
  let node = hashPair(half.subarray(0, 32), half.subarray(32, 64));
  let pos = 1; // index 2 / length 2
  for (let off = 64; off < half.length; off += 32) {
    const uncle = half.subarray(off, off + 32);
    node = pos % 2 === 0 ? hashPair(node, uncle) : hashPair(uncle, node);
    pos >>= 1;
  }
  assert.ok(Buffer.from(node).equals(file.piecesRoot));
  assert.ok(zeroRoot(1));
});

test('rejects what cannot be served from metadata', () => {
  assert.ok(file?.piecesRoot);
  const server = new HashLayerServer(meta);
  const root = file.piecesRoot;
  assert.equal(server.answer({ piecesRoot: root, baseLayer: 0 + height + 1, index: 0, length: 2, proofLayers: 0 }), undefined, 'other base layer');
  assert.equal(server.answer({ piecesRoot: new Uint8Array(32), baseLayer: height, index: 0, length: 2, proofLayers: 0 }), undefined, 'unknown root');
  assert.equal(server.answer({ piecesRoot: root, baseLayer: height, index: 1, length: 2, proofLayers: 0 }), undefined, 'index not a multiple of length');
  assert.equal(server.answer({ piecesRoot: root, baseLayer: height, index: 0, length: 3, proofLayers: 0 }), undefined, 'length not a power of two');
  assert.equal(server.answer({ piecesRoot: root, baseLayer: height, index: 0, length: 1024, proofLayers: 0 }), undefined, 'past the layer');
});
