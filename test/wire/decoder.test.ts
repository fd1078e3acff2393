import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeBitfield,
  encodeExtended,
  encodeHandshake,
  encodeHave,
  encodeKeepAlive,
  encodePiece,
  encodeRequest,
  encodeUnchoke,
  makeReserved,
  WireDecoder,
  WireError,
  decodeStream,
  type WireMessage,
} from '../../src/wire/index.js';
import { concat, fill, hex, plain } from './helpers.js';

const handshake = encodeHandshake({ reserved: makeReserved({ extensionProtocol: true, fast: true }), infoHash: fill(20, 1), peerId: fill(20, 2) });
const stream = concat([
  handshake,
  encodeBitfield(hex('ff0f')),
  encodeKeepAlive(),
  encodeUnchoke(),
  encodeHave(3),
  encodeRequest(1, 0, 16384),
  encodePiece(1, 0, fill(16384, 7)),
  encodeExtended(1, hex('64656565')),
  encodeKeepAlive(),
  encodePiece(1, 16384, fill(100, 9)),
]);

function pushAll(chunks: readonly Uint8Array[], opts = {}): WireMessage[] {
  const d = new WireDecoder(opts);
  const out: WireMessage[] = [];
  for (const c of chunks) out.push(...d.push(c));
  d.end();
  return out;
}

/** Deterministic pseudo-random split points (xorshift), so failures reproduce. */
function randomSplits(b: Uint8Array, seed: number): Uint8Array[] {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < b.length) {
    const n = 1 + Math.floor(next() * (next() < 0.5 ? 8 : 20000));
    out.push(b.slice(pos, pos + n));
    pos += n;
  }
  return out;
}

test('decodes a whole stream in one chunk, handshake first', () => {
  const msgs = decodeStream(stream);
  assert.deepEqual(
    msgs.map((m) => m.type),
    ['handshake', 'bitfield', 'keep-alive', 'unchoke', 'have', 'request', 'piece', 'extended', 'keep-alive', 'piece'],
  );
  const hs = msgs[0];
  assert.ok(hs?.type === 'handshake');
  assert.deepEqual(hs.infoHash, fill(20, 1));
  assert.deepEqual(hs.peerId, fill(20, 2));
});

test('one byte at a time gives the same messages', () => {
  const whole = plain(decodeStream(stream));
  const bytes: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i++) bytes.push(stream.subarray(i, i + 1));
  assert.deepEqual(plain(pushAll(bytes)), whole);
});

test('random splits give the same messages', () => {
  const whole = plain(decodeStream(stream));
  for (let seed = 1; seed <= 200; seed++) assert.deepEqual(plain(pushAll(randomSplits(stream, seed))), whole, `seed ${seed}`);
});

test('every two-way split gives the same messages', () => {
  const small = concat([handshake, encodeHave(1), encodeKeepAlive(), encodePiece(0, 0, hex('010203')), encodeUnchoke()]);
  const whole = plain(decodeStream(small));
  for (let i = 0; i <= small.length; i++) {
    assert.deepEqual(plain(pushAll([small.subarray(0, i), small.subarray(i)])), whole, `split at ${i}`);
  }
});

test('a piece inside one chunk is a view of that chunk (no copy)', () => {
  const d = new WireDecoder({ handshake: false });
  const chunk = concat([encodeHave(1), encodePiece(4, 0, fill(16384, 3))]);
  const msgs = d.push(chunk);
  const piece = msgs[1];
  assert.ok(piece?.type === 'piece');
  assert.equal(piece.block.buffer, chunk.buffer);
  assert.equal(piece.block.byteOffset, chunk.byteOffset + 9 + 13);
  assert.equal(piece.block.length, 16384);
});

test('a piece spanning chunks is copied once into an exact-size buffer', () => {
  const d = new WireDecoder({ handshake: false });
  const msg = encodePiece(4, 0, fill(16384, 3));
  assert.deepEqual(d.push(msg.subarray(0, 1000)), []);
  assert.equal(d.bufferedBytes, 995); // the 5 header bytes are parsed, not held
  assert.deepEqual(d.push(msg.subarray(1000, 9000)), []);
  const [piece] = d.push(msg.subarray(9000));
  assert.ok(piece?.type === 'piece');
  assert.equal(piece.block.buffer.byteLength, 16384 + 8);
  assert.deepEqual(piece.block, fill(16384, 3));
  assert.equal(d.bufferedBytes, 0);
});

test('an oversized length prefix is rejected before any payload arrives', () => {
  const d = new WireDecoder({ handshake: false });
  // Only the 5 header bytes: nothing has been buffered, yet the decoder refuses.
  assert.throws(() => d.push(hex('7fffffff05')), (e: unknown) => e instanceof WireError && e.code === 'WIRE_MESSAGE_TOO_LARGE');
  assert.equal(d.bufferedBytes, 0);
  // The decoder stays failed.
  assert.throws(() => d.push(encodeHave(1)), (e: unknown) => e instanceof WireError && e.code === 'WIRE_MESSAGE_TOO_LARGE');
});

test('per-type limits: piece blocks over 32 KiB and extended payloads over the limit', () => {
  const tooLarge = (b: Uint8Array, opts = {}): void => {
    assert.throws(
      () => new WireDecoder({ handshake: false, ...opts }).push(b),
      (e: unknown) => e instanceof WireError && e.code === 'WIRE_MESSAGE_TOO_LARGE',
    );
  };
  tooLarge(hex('0000800a07')); // 32 KiB + 1 block, header only
  assert.equal(new WireDecoder({ handshake: false }).push(hex('0000800907')).length, 0); // exactly 32 KiB is fine
  tooLarge(hex('0010000314')); // 1 MiB + 1 extended payload
  tooLarge(encodeExtended(1, fill(101, 0)), { maxExtendedLength: 100 });
  tooLarge(encodeBitfield(fill(101, 0)), { maxMessageLength: 101 });
  assert.equal(new WireDecoder({ handshake: false, maxMessageLength: 101 }).push(encodeBitfield(fill(100, 0))).length, 1);
});

test('the length prefix is checked when it arrives split over chunks', () => {
  const d = new WireDecoder({ handshake: false });
  assert.deepEqual(d.push(hex('00')), []);
  assert.deepEqual(d.push(hex('0000')), []);
  assert.deepEqual(d.push(hex('06')), []);
  assert.throws(() => d.push(hex('04')), (e: unknown) => e instanceof WireError && e.code === 'WIRE_BAD_LENGTH' && e.messageType === 'have');
});

test('errors carry the stream offset of the offending message', () => {
  const d = new WireDecoder({ handshake: false });
  d.push(encodeHave(1));
  try {
    d.push(concat([encodeKeepAlive(), hex('0000000c06'), fill(11, 0)]));
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof WireError);
    assert.equal(e.code, 'WIRE_BAD_LENGTH');
    assert.equal(e.offset, 13);
    assert.equal(e.messageType, 'request');
  }
});

test('a wrong protocol string fails on the first differing byte', () => {
  const isBad = (e: unknown): boolean => e instanceof WireError && e.code === 'WIRE_BAD_HANDSHAKE';
  const d = new WireDecoder();
  assert.deepEqual(d.push(hex('13')), []);
  assert.deepEqual(d.push(new TextEncoder().encode('BitTorrent')), []);
  assert.throws(() => d.push(new TextEncoder().encode(' protocoX')), isBad);
  assert.throws(() => new WireDecoder().push(hex('14')), isBad);
  assert.throws(() => new WireDecoder().push(new TextEncoder().encode('GET / HTTP/1.1\r\n')), isBad);
  const d2 = new WireDecoder();
  assert.deepEqual(d2.push(handshake.subarray(0, 30)), []);
  assert.equal(d2.awaitingHandshake, true);
  assert.equal(d2.push(handshake.subarray(30)).length, 1);
  assert.equal(d2.awaitingHandshake, false);
});

test('end() rejects a stream cut inside a message', () => {
  for (const cut of [1, 4, 5, 8]) {
    const d = new WireDecoder({ handshake: false });
    d.push(encodeHave(1).subarray(0, cut));
    assert.throws(() => d.end(), (e: unknown) => e instanceof WireError && e.code === 'WIRE_TRUNCATED');
  }
  const h = new WireDecoder();
  h.push(handshake.subarray(0, 10));
  assert.throws(() => h.end(), (e: unknown) => e instanceof WireError && e.code === 'WIRE_TRUNCATED' && e.messageType === 'handshake');
  const ok = new WireDecoder({ handshake: false });
  ok.push(encodeHave(1));
  ok.end();
});

test('buffered bytes never exceed one message', () => {
  const d = new WireDecoder({ handshake: false, maxMessageLength: 1000 });
  const big = encodeBitfield(fill(999, 0));
  for (let i = 0; i < big.length - 1; i++) {
    d.push(big.subarray(i, i + 1));
    assert.ok(d.bufferedBytes <= 1004);
  }
  assert.equal(d.push(big.subarray(big.length - 1)).length, 1);
});

test('bad limits are refused', () => {
  assert.throws(() => new WireDecoder({ maxMessageLength: 0 }), (e: unknown) => e instanceof WireError && e.code === 'WIRE_BAD_ARGUMENT');
  assert.throws(() => new WireDecoder({ maxBlockLength: NaN }), (e: unknown) => e instanceof WireError && e.code === 'WIRE_BAD_ARGUMENT');
});
