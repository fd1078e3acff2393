import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HashLayerServer, parseMetainfo } from '../../src/metainfo/index.js';
import { LayerCollector } from '../../src/session/layer-collector.js';

const meta = parseMetainfo(readFileSync(new URL('../fixtures/metainfo/multi-v2.torrent', import.meta.url)));

test('collects every piece layer from honest peers and checks it against the roots', () => {
  const server = new HashLayerServer(meta);
  const c = new LayerCollector(meta);
  assert.equal(c.complete, false);
  for (let round = 0; round < 10 && !c.complete; round++) {
    for (const r of c.poll(['a', 'b'], round * 1000)) {
      const hashes = server.answer(r.fields);
      assert.ok(hashes);
      assert.deepEqual(c.received(r.peer, r.fields, hashes), []);
    }
  }
  assert.ok(c.complete);
  for (const [root, layer] of meta.pieceLayers ?? []) assert.ok(Buffer.from(c.layers.get(root) as Uint8Array).equals(layer));
});

test('a peer sending wrong hashes is named and the layer is fetched again', () => {
  const server = new HashLayerServer(meta);
  const c = new LayerCollector(meta);
  let liars: string[] = [];
  for (const r of c.poll(['liar'], 0)) {
    const hashes = (server.answer(r.fields) as Uint8Array).slice();
    hashes[0] = (hashes[0] as number) ^ 1;
    liars = liars.concat(c.received(r.peer, r.fields, hashes));
  }
  assert.ok(liars.includes('liar'));
  assert.equal(c.complete, false);
  for (let round = 1; round < 10 && !c.complete; round++) {
    for (const r of c.poll(['honest'], round * 1000)) c.received(r.peer, r.fields, server.answer(r.fields) as Uint8Array);
  }
  assert.ok(c.complete);
});

test('rejected and timed-out blocks go to another peer', () => {
  const c = new LayerCollector(meta);
  const first = c.poll(['a'], 0);
  assert.ok(first.length > 0);
  const f = (first[0] as { fields: Parameters<LayerCollector['rejected']>[1] }).fields;
  c.rejected('a', f);
  assert.ok(c.poll(['b'], 1).some((r) => r.peer === 'b'));
  assert.ok(c.poll(['c'], 60_000).some((r) => r.peer === 'c'), 'after the timeout');
});
