import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeMessage,
  encodeAllowedFast,
  encodeBitfield,
  encodeCancel,
  encodeChoke,
  encodeExtended,
  encodeExtendedHeader,
  encodeHashes,
  encodeHashReject,
  encodeHashRequest,
  encodeHave,
  encodeHaveAll,
  encodeHaveNone,
  encodeInterested,
  encodeKeepAlive,
  encodeMessage,
  encodeNotInterested,
  encodePiece,
  encodePieceHeader,
  encodePort,
  encodeReject,
  encodeRequest,
  encodeSuggest,
  encodeUnchoke,
  encodeUnknown,
  writeRequest,
  WireError,
  REQUEST_MESSAGE_LENGTH,
  type WireMessage,
} from '../../src/wire/index.js';
import { concat, fill, hex, plain, toHex } from './helpers.js';

const root = fill(32, 0xab);

// Known vectors: the exact bytes of every message type, and what they decode to.
const vectors: [string, Uint8Array, WireMessage][] = [
  ['keep-alive', hex('00000000'), { type: 'keep-alive' }],
  ['choke', hex('0000000100'), { type: 'choke' }],
  ['unchoke', hex('0000000101'), { type: 'unchoke' }],
  ['interested', hex('0000000102'), { type: 'interested' }],
  ['not-interested', hex('0000000103'), { type: 'not-interested' }],
  ['have', hex('0000000504 0000002a'), { type: 'have', index: 42 }],
  ['bitfield', hex('0000000305 ff80'), { type: 'bitfield', bitfield: hex('ff80') }],
  ['request', hex('0000000d06 00000001 00004000 00004000'), { type: 'request', index: 1, begin: 16384, length: 16384 }],
  ['piece', hex('0000000c07 00000002 00000010 616263'), { type: 'piece', index: 2, begin: 16, block: hex('616263') }],
  ['cancel', hex('0000000d08 ffffffff 00000000 00000001'), { type: 'cancel', index: 0xffffffff, begin: 0, length: 1 }],
  ['port', hex('0000000309 1ae1'), { type: 'port', port: 6881 }],
  ['suggest', hex('000000050d 00000007'), { type: 'suggest', index: 7 }],
  ['have-all', hex('000000010e'), { type: 'have-all' }],
  ['have-none', hex('000000010f'), { type: 'have-none' }],
  ['reject', hex('0000000d10 00000003 00008000 00002000'), { type: 'reject', index: 3, begin: 32768, length: 8192 }],
  ['allowed-fast', hex('0000000511 00000009'), { type: 'allowed-fast', index: 9 }],
  ['extended', hex('0000000514 00 646565'), { type: 'extended', extendedId: 0, payload: hex('646565') }],
  [
    'hash-request',
    concat([hex('0000003115'), root, hex('00000000 00000200 00000200 0000000a')]),
    { type: 'hash-request', piecesRoot: root, baseLayer: 0, index: 512, length: 512, proofLayers: 10 },
  ],
  [
    'hashes',
    concat([hex('0000007116'), root, hex('00000001 00000000 00000002 00000001'), fill(64, 1)]),
    { type: 'hashes', piecesRoot: root, baseLayer: 1, index: 0, length: 2, proofLayers: 1, hashes: fill(64, 1) },
  ],
  [
    'hash-reject',
    concat([hex('0000003117'), root, hex('00000002 00000004 00000004 00000000')]),
    { type: 'hash-reject', piecesRoot: root, baseLayer: 2, index: 4, length: 4, proofLayers: 0 },
  ],
  ['unknown', hex('00000003ff 0102'), { type: 'unknown', id: 255, payload: hex('0102') }],
];

test('every message type encodes to its known bytes and decodes back', () => {
  for (const [name, bytes, msg] of vectors) {
    assert.equal(toHex(encodeMessage(msg)), toHex(bytes), `encode ${name}`);
    assert.deepEqual(plain(decodeMessage(bytes)), plain(msg), `decode ${name}`);
  }
  const types = new Set(vectors.map(([, , m]) => m.type));
  assert.equal(types.size, 21, 'one vector per message type except the handshake');
});

test('named encoders agree with encodeMessage', () => {
  assert.equal(toHex(encodeKeepAlive()), '00000000');
  assert.equal(toHex(encodeChoke()), '0000000100');
  assert.equal(toHex(encodeUnchoke()), '0000000101');
  assert.equal(toHex(encodeInterested()), '0000000102');
  assert.equal(toHex(encodeNotInterested()), '0000000103');
  assert.equal(toHex(encodeHaveAll()), '000000010e');
  assert.equal(toHex(encodeHaveNone()), '000000010f');
  assert.equal(toHex(encodeHave(42)), '00000005040000002a');
  assert.equal(toHex(encodeSuggest(7)), '000000050d00000007');
  assert.equal(toHex(encodeAllowedFast(9)), '000000051100000009');
  assert.equal(toHex(encodeBitfield(hex('ff80'))), '0000000305ff80');
  assert.equal(toHex(encodeRequest(1, 16384, 16384)), '0000000d06000000010000400000004000');
  assert.equal(toHex(encodeCancel(1, 0, 1)), '0000000d08000000010000000000000001');
  assert.equal(toHex(encodeReject(1, 0, 1)), '0000000d10000000010000000000000001');
  assert.equal(toHex(encodePort(6881)), '00000003091ae1');
  assert.equal(toHex(encodeExtended(3, hex('aa'))), '000000031403aa');
  assert.equal(toHex(encodeExtendedHeader(3, 1)), '000000031403');
  assert.equal(toHex(encodeUnknown(200, hex('01'))), '00000002c801');
  const f = { piecesRoot: root, baseLayer: 0, index: 0, length: 2, proofLayers: 0 };
  assert.equal(encodeHashRequest(f).length, 53);
  assert.equal(encodeHashReject(f)[4], 23);
  assert.equal(encodeHashes({ ...f, hashes: fill(64, 0) }).length, 53 + 64);
});

test('piece header is the 13 bytes before the block; header + block equals encodePiece', () => {
  const block = fill(16384, 0x5a);
  const header = encodePieceHeader(5, 32768, block.length);
  assert.equal(toHex(header), '00004009070000000500008000');
  assert.deepEqual(concat([header, block]), encodePiece(5, 32768, block));
});

test('writeRequest batches requests into one buffer', () => {
  const buf = new Uint8Array(3 * REQUEST_MESSAGE_LENGTH);
  let off = 0;
  for (let i = 0; i < 3; i++) off = writeRequest(buf, off, 0, i * 16384, 16384);
  assert.equal(off, buf.length);
  assert.deepEqual(buf.subarray(17, 34), encodeRequest(0, 16384, 16384));
});

test('encoders reject values the wire cannot carry', () => {
  const bad = (f: () => unknown): void => {
    assert.throws(f, (e: unknown) => e instanceof WireError && e.code === 'WIRE_BAD_ARGUMENT');
  };
  bad(() => encodeHave(-1));
  bad(() => encodeHave(2 ** 32));
  bad(() => encodeHave(1.5));
  bad(() => encodeRequest(0, 0, NaN));
  bad(() => encodePort(65536));
  bad(() => encodeExtended(256, new Uint8Array(0)));
  bad(() => encodeUnknown(4, new Uint8Array(4)));
  bad(() => encodeHashRequest({ piecesRoot: fill(31, 0), baseLayer: 0, index: 0, length: 2, proofLayers: 0 }));
  bad(() => encodeHashes({ piecesRoot: root, baseLayer: 0, index: 0, length: 2, proofLayers: 0, hashes: fill(33, 0) }));
});

test('decodeMessage rejects short, long and wrongly sized frames', () => {
  const code = (b: Uint8Array, c: string): void => {
    assert.throws(() => decodeMessage(b), (e: unknown) => e instanceof WireError && e.code === c, `${toHex(b)} -> ${c}`);
  };
  code(hex('000000'), 'WIRE_TRUNCATED');
  code(hex('00000001'), 'WIRE_TRUNCATED');
  code(hex('0000000504000000'), 'WIRE_TRUNCATED');
  code(hex('000000000000'), 'WIRE_TRAILING_BYTES');
  code(hex('000000010000'), 'WIRE_TRAILING_BYTES');
  code(hex('0000000604 0000000000'), 'WIRE_BAD_LENGTH'); // have with 5 payload bytes
  code(hex('0000000c06' + '00'.repeat(11)), 'WIRE_BAD_LENGTH'); // request with 11
  code(hex('0000000200 00'), 'WIRE_BAD_LENGTH'); // choke with a payload
  code(hex('0000000807 00000000000000'), 'WIRE_BAD_LENGTH'); // piece shorter than its header
  code(hex('0000000114'), 'WIRE_BAD_LENGTH'); // extended without its id
  code(concat([hex('0000003216'), fill(49, 0)]), 'WIRE_BAD_LENGTH'); // hashes not 48 + 32k
  code(hex('0000000209 00'), 'WIRE_BAD_LENGTH'); // port with 1 byte
  code(hex('ffffffff07'), 'WIRE_MESSAGE_TOO_LARGE');
  code(hex('0000800a07'), 'WIRE_MESSAGE_TOO_LARGE'); // block of 32 KiB + 1
});

test('errors say what and where', () => {
  try {
    decodeMessage(hex('0000000604 0000000000'));
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof WireError);
    assert.equal(e.messageType, 'have');
    assert.equal(e.offset, 0);
    assert.match(e.message, /'have' message at stream byte 0/);
  }
});
