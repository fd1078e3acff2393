import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  answerMetadataRequest,
  decodeUtMetadata,
  encodeUtMetadata,
  metadataPieceCount,
  metadataPieceLength,
  METADATA_PIECE_SIZE,
  UtMetadataError,
  type UtMetadataMessage,
} from '../../src/wire/index.js';
import { concat, toHex } from './helpers.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function throwsCode(f: () => unknown, code: string): void {
  assert.throws(f, (e: unknown) => e instanceof UtMetadataError && e.code === code, `expected ${code}`);
}

test('BEP 9 example bytes: request, reject, data', () => {
  assert.equal(toHex(encodeUtMetadata({ type: 'request', piece: 0 })), toHex(ascii('d8:msg_typei0e5:piecei0ee')));
  assert.equal(toHex(encodeUtMetadata({ type: 'reject', piece: 3 })), toHex(ascii('d8:msg_typei2e5:piecei3ee')));
  const data = new Uint8Array(34256 - 2 * METADATA_PIECE_SIZE).fill(0x78);
  const wire = encodeUtMetadata({ type: 'data', piece: 2, totalSize: 34256, data });
  assert.equal(toHex(wire), toHex(concat([ascii('d8:msg_typei1e5:piecei2e10:total_sizei34256ee'), data])));
  assert.deepEqual(decodeUtMetadata(ascii('d8:msg_typei0e5:piecei0ee')), { type: 'request', piece: 0 });
  assert.deepEqual(decodeUtMetadata(ascii('d8:msg_typei2e5:piecei7ee')), { type: 'reject', piece: 7 });
  const m = decodeUtMetadata(wire);
  assert.equal(m.type, 'data');
  if (m.type === 'data') {
    assert.equal(m.piece, 2);
    assert.equal(m.totalSize, 34256);
    assert.equal(toHex(m.data), toHex(data));
  }
});

test('piece geometry', () => {
  assert.equal(metadataPieceCount(1), 1);
  assert.equal(metadataPieceCount(16384), 1);
  assert.equal(metadataPieceCount(16385), 2);
  assert.equal(metadataPieceLength(16385, 0), 16384);
  assert.equal(metadataPieceLength(16385, 1), 1);
  assert.equal(metadataPieceLength(16385, 2), 0);
  assert.equal(metadataPieceLength(16385, -1), 0);
});

test('round trips', () => {
  const msgs: UtMetadataMessage[] = [
    { type: 'request', piece: 5 },
    { type: 'reject', piece: 0 },
    { type: 'data', piece: 0, totalSize: 20000, data: new Uint8Array(16384).fill(1) },
    { type: 'data', piece: 1, totalSize: 20000, data: new Uint8Array(20000 - 16384).fill(2) },
    { type: 'data', piece: 0, totalSize: 1, data: new Uint8Array([9]) },
  ];
  for (const m of msgs) {
    const back = decodeUtMetadata(encodeUtMetadata(m));
    assert.deepEqual({ ...back, ...(back.type === 'data' ? { data: toHex(back.data) } : {}) },
      { ...m, ...(m.type === 'data' ? { data: toHex(m.data) } : {}) });
  }
});

test('extra keys are ignored, key order is tolerated unless strict', () => {
  assert.deepEqual(decodeUtMetadata(ascii('d8:msg_typei2e5:piecei1e10:total_sizei100ee')), { type: 'reject', piece: 1 });
  assert.deepEqual(decodeUtMetadata(ascii('d5:piecei1e8:msg_typei0ee')), { type: 'request', piece: 1 });
  throwsCode(() => decodeUtMetadata(ascii('d5:piecei1e8:msg_typei0ee'), { strict: true }), 'UT_METADATA_MALFORMED');
});

test('bad input raises typed errors', () => {
  const cases: [string | Uint8Array, string][] = [
    ['', 'UT_METADATA_MALFORMED'],
    ['i1e', 'UT_METADATA_MALFORMED'],
    ['le', 'UT_METADATA_MALFORMED'],
    ['d8:msg_typei0ee', 'UT_METADATA_MALFORMED'],
    ['d5:piecei0ee', 'UT_METADATA_MALFORMED'],
    ['d8:msg_type1:05:piecei0ee', 'UT_METADATA_MALFORMED'],
    ['d8:msg_typei0e5:piece', 'UT_METADATA_MALFORMED'],
    ['d8:msg_typei3e5:piecei0ee', 'UT_METADATA_UNKNOWN_TYPE'],
    ['d8:msg_typei-1e5:piecei0ee', 'UT_METADATA_UNKNOWN_TYPE'],
    ['d8:msg_typei0e5:piecei-1ee', 'UT_METADATA_BAD_PIECE'],
    ['d8:msg_typei0e5:piecei2048ee', 'UT_METADATA_BAD_PIECE'], // 32 MiB / 16 KiB = 2048 pieces: 0..2047
    ['d8:msg_typei0e5:piecei0eexx', 'UT_METADATA_TRAILING_BYTES'],
    ['d8:msg_typei1e5:piecei0ee', 'UT_METADATA_MALFORMED'], // data without total_size
    ['d8:msg_typei1e5:piecei0e10:total_sizei0eex', 'UT_METADATA_BAD_SIZE'],
    ['d8:msg_typei1e5:piecei0e10:total_sizei-5eex', 'UT_METADATA_BAD_SIZE'],
    ['d8:msg_typei1e5:piecei0e10:total_sizei33554433eex', 'UT_METADATA_BAD_SIZE'],
    ['d8:msg_typei1e5:piecei1e10:total_sizei10eexxxxxxxxxx', 'UT_METADATA_BAD_PIECE'],
    ['d8:msg_typei1e5:piecei0e10:total_sizei10eexxxxxxxxx', 'UT_METADATA_BAD_DATA_LENGTH'],
    ['d8:msg_typei1e5:piecei0e10:total_sizei10eexxxxxxxxxxx', 'UT_METADATA_BAD_DATA_LENGTH'],
  ];
  for (const [input, code] of cases) {
    throwsCode(() => decodeUtMetadata(typeof input === 'string' ? ascii(input) : input), code);
  }
  // A non-last piece must be exactly 16 KiB.
  const short = concat([ascii('d8:msg_typei1e5:piecei0e10:total_sizei20000ee'), new Uint8Array(16383)]);
  throwsCode(() => decodeUtMetadata(short), 'UT_METADATA_BAD_DATA_LENGTH');
});

test('limits: configurable cap and known metadata size', () => {
  throwsCode(() => decodeUtMetadata(ascii('d8:msg_typei1e5:piecei0e10:total_sizei100eex'), { maxMetadataSize: 99 }), 'UT_METADATA_BAD_SIZE');
  throwsCode(() => decodeUtMetadata(ascii('d8:msg_typei0e5:piecei1ee'), { metadataSize: 16384 }), 'UT_METADATA_BAD_PIECE');
  assert.deepEqual(decodeUtMetadata(ascii('d8:msg_typei0e5:piecei1ee'), { metadataSize: 16385 }), { type: 'request', piece: 1 });
  const d = concat([ascii('d8:msg_typei1e5:piecei0e10:total_sizei3ee'), ascii('abc')]);
  throwsCode(() => decodeUtMetadata(d, { metadataSize: 4 }), 'UT_METADATA_BAD_SIZE');
  assert.equal(decodeUtMetadata(d, { metadataSize: 3 }).type, 'data');
});

test('encoder refuses what the format cannot carry', () => {
  throwsCode(() => encodeUtMetadata({ type: 'request', piece: -1 }), 'UT_METADATA_BAD_ARGUMENT');
  throwsCode(() => encodeUtMetadata({ type: 'request', piece: 1.5 }), 'UT_METADATA_BAD_ARGUMENT');
  throwsCode(() => encodeUtMetadata({ type: 'data', piece: 0, totalSize: 10, data: new Uint8Array(9) }), 'UT_METADATA_BAD_ARGUMENT');
  throwsCode(() => encodeUtMetadata({ type: 'data', piece: 1, totalSize: 10, data: new Uint8Array(0) }), 'UT_METADATA_BAD_ARGUMENT');
  throwsCode(() => encodeUtMetadata({ type: 'data', piece: 0, totalSize: 0, data: new Uint8Array(0) }), 'UT_METADATA_BAD_ARGUMENT');
  throwsCode(() => encodeUtMetadata({ type: 'data', piece: 0, totalSize: 50, data: new Uint8Array(50) }, { maxMetadataSize: 49 }), 'UT_METADATA_BAD_ARGUMENT');
});

test('serving: data for pieces we have, reject otherwise', () => {
  const info = new Uint8Array(16384 + 100).map((_, i) => i & 0xff);
  const a = answerMetadataRequest(info, 0);
  assert.equal(a.type, 'data');
  if (a.type === 'data') {
    assert.equal(a.data.length, 16384);
    assert.equal(a.totalSize, info.length);
  }
  const b = answerMetadataRequest(info, 1);
  assert.equal(b.type === 'data' ? toHex(b.data) : '', toHex(info.subarray(16384)));
  assert.deepEqual(answerMetadataRequest(info, 2), { type: 'reject', piece: 2 });
  assert.deepEqual(answerMetadataRequest(info, -1), { type: 'reject', piece: -1 });
  assert.deepEqual(answerMetadataRequest(undefined, 0), { type: 'reject', piece: 0 });
  // The answer encodes and decodes as the matching message.
  const wire = encodeUtMetadata(a);
  const back = decodeUtMetadata(wire, { metadataSize: info.length });
  assert.equal(back.type === 'data' ? toHex(back.data) : '', toHex(info.subarray(0, 16384)));
});
