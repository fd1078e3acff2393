import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  detachMessage,
  encodeBitfield,
  encodeExtended,
  encodeHandshake,
  encodeHave,
  encodePiece,
  makeReserved,
  WireDecoder,
  decodeStream,
  type WireMessage,
} from '../../src/wire/index.js';
import { concat, fill, plain } from './helpers.js';

/** Blocks of distinct content, so a block overwritten by a later one shows. */
function pieces(n: number, size: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => encodePiece(i, 0, fill(size, (i * 37 + 1) & 0xff)));
}

/**
 * Pushes `stream` in chunks of the given sizes into a reusing decoder and, like the engine, copies
 * each message out before the next push; the chunk memory itself is overwritten after each push,
 * as a transport that reads into one buffer would.
 */
function decodeReusing(stream: Uint8Array, sizes: readonly number[]): WireMessage[] {
  const d = new WireDecoder({ handshake: false, reuseBlockBuffers: true });
  const out: WireMessage[] = [];
  const shared = new Uint8Array(Math.max(...sizes));
  let pos = 0;
  let i = 0;
  while (pos < stream.length) {
    const n = Math.min(sizes[i++ % sizes.length] as number, stream.length - pos);
    shared.set(stream.subarray(pos, pos + n));
    pos += n;
    for (const m of d.push(shared.subarray(0, n))) out.push(detachMessage(m));
    shared.fill(0xee);
  }
  d.end();
  return out;
}

test('reuseBlockBuffers: blocks spanning chunks come out intact when copied before the next push', () => {
  const stream = concat([encodeBitfield(fill(2, 0xff)), ...pieces(40, 16384), encodeHave(3), ...pieces(5, 100)]);
  const expected = plain(decodeStream(stream, { handshake: false }));
  for (const sizes of [[65536], [1000], [16397], [16396, 16398], [7, 50000, 3], [1]]) {
    assert.deepEqual(plain(decodeReusing(stream, sizes)), expected, `chunk sizes ${sizes.join(',')}`);
  }
});

test('reuseBlockBuffers: the block finished in a push is not overwritten by the one started in the same push', () => {
  const a = encodePiece(0, 0, fill(16384, 1));
  const b = encodePiece(0, 16384, fill(16384, 2));
  const d = new WireDecoder({ handshake: false, reuseBlockBuffers: true });
  assert.deepEqual(d.push(a.subarray(0, 1000)), []);
  // One chunk: the rest of a (which completes) and the start of b (which must use other memory).
  const out = d.push(concat([a.subarray(1000), b.subarray(0, 5000)]));
  assert.equal(out.length, 1);
  const first = out[0] as WireMessage & { type: 'piece' };
  assert.ok(first.block.every((x) => x === 1));
  const [second] = d.push(b.subarray(5000));
  assert.ok(second?.type === 'piece' && second.block.every((x) => x === 2));
  assert.ok(first.block.every((x) => x === 1), 'the earlier block was still intact during that push');
});

test('reuseBlockBuffers: only pieces reuse memory; other spanning messages get buffers of their own', () => {
  const ext = encodeExtended(3, fill(3000, 9));
  const d = new WireDecoder({ handshake: false, reuseBlockBuffers: true });
  d.push(ext.subarray(0, 10));
  const [m] = d.push(ext.subarray(10));
  assert.ok(m?.type === 'extended');
  const p = encodePiece(1, 0, fill(3000, 4));
  d.push(p.subarray(0, 10));
  d.push(p.subarray(10));
  assert.ok(m.payload.every((x) => x === 9));
});

test('detachMessage copies every byte field, also of views into a Buffer, and leaves byte-less messages alone', () => {
  const src = concat([
    encodeHandshake({ reserved: makeReserved({ fast: true }), infoHash: fill(20, 1), peerId: fill(20, 2) }),
    encodeBitfield(fill(4, 0xf0)),
    encodePiece(2, 0, fill(64, 5)),
    encodeExtended(1, fill(8, 6)),
    encodeHave(9),
  ]);
  // Decoded from a Buffer, as socket chunks are: its views' .slice() would not copy.
  const buf = Buffer.from(src);
  const msgs = decodeStream(buf);
  const copies = msgs.map(detachMessage);
  const before = plain(copies);
  buf.fill(0);
  for (const m of msgs) for (const v of Object.values(m)) if (v instanceof Uint8Array) v.fill(0);
  assert.deepEqual(plain(copies), before);
  assert.equal(copies[4], msgs[4]);
});
