import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNegotiated, pieceSize, validateMessage, type TorrentGeometry, type WireMessage } from '../../src/wire/index.js';
import { fill, hex } from './helpers.js';

// 10 pieces of 64 KiB, the last one 1000 bytes.
const g: TorrentGeometry = { pieceCount: 10, pieceLength: 65536, totalLength: 9 * 65536 + 1000 };

function code(m: WireMessage, geometry = g): string | null {
  return validateMessage(m, geometry)?.code ?? null;
}

test('pieceSize uses the real last-piece length', () => {
  assert.equal(pieceSize(g, 0), 65536);
  assert.equal(pieceSize(g, 9), 1000);
  assert.equal(pieceSize({ pieceCount: 1, pieceLength: 16384, totalLength: 16384 }, 0), 16384);
  assert.equal(pieceSize({ ...g, pieceSize: (i) => (i === 3 ? 5 : 65536) }, 3), 5);
});

test('piece indices must be in range', () => {
  for (const type of ['have', 'suggest', 'allowed-fast'] as const) {
    assert.equal(code({ type, index: 9 }), null);
    assert.equal(code({ type, index: 10 }), 'WIRE_BAD_INDEX');
  }
  assert.equal(code({ type: 'request', index: 10, begin: 0, length: 1 }), 'WIRE_BAD_INDEX');
  assert.equal(code({ type: 'piece', index: 0xffffffff, begin: 0, block: fill(1, 0) }), 'WIRE_BAD_INDEX');
});

test('blocks must lie within their piece, be non-empty and at most 32 KiB', () => {
  for (const type of ['request', 'cancel', 'reject'] as const) {
    assert.equal(code({ type, index: 0, begin: 49152, length: 16384 }), null);
    assert.equal(code({ type, index: 0, begin: 49153, length: 16384 }), 'WIRE_BAD_BLOCK');
    assert.equal(code({ type, index: 9, begin: 0, length: 1000 }), null);
    assert.equal(code({ type, index: 9, begin: 0, length: 1001 }), 'WIRE_BAD_BLOCK');
    assert.equal(code({ type, index: 9, begin: 1000, length: 1 }), 'WIRE_BAD_BLOCK');
    assert.equal(code({ type, index: 0, begin: 0, length: 0 }), 'WIRE_BAD_BLOCK');
    assert.equal(code({ type, index: 0, begin: 0, length: 32768 }), null);
    assert.equal(code({ type, index: 0, begin: 0, length: 32769 }), 'WIRE_BAD_BLOCK');
    assert.equal(code({ type, index: 0, begin: 0xffffffff, length: 16384 }), 'WIRE_BAD_BLOCK');
  }
  assert.equal(code({ type: 'piece', index: 9, begin: 984, block: fill(16, 0) }), null);
  assert.equal(code({ type: 'piece', index: 9, begin: 985, block: fill(16, 0) }), 'WIRE_BAD_BLOCK');
  assert.equal(code({ type: 'piece', index: 1, begin: 0, block: new Uint8Array(0) }), 'WIRE_BAD_BLOCK');
  assert.equal(validateMessage({ type: 'request', index: 0, begin: 0, length: 65536 }, g, { maxBlockLength: 65536 }), null);
});

test('bitfields must have the exact size and zero spare bits', () => {
  assert.equal(code({ type: 'bitfield', bitfield: hex('ffc0') }), null);
  assert.equal(code({ type: 'bitfield', bitfield: hex('ffe0') }), 'WIRE_BAD_BITFIELD');
  assert.equal(code({ type: 'bitfield', bitfield: hex('ff01') }), 'WIRE_BAD_BITFIELD');
  assert.equal(code({ type: 'bitfield', bitfield: hex('ff') }), 'WIRE_BAD_BITFIELD');
  assert.equal(code({ type: 'bitfield', bitfield: hex('ffc000') }), 'WIRE_BAD_BITFIELD');
  const eight = { pieceCount: 8, pieceLength: 1, totalLength: 8 };
  assert.equal(code({ type: 'bitfield', bitfield: hex('ff') }, eight), null);
  assert.equal(code({ type: 'bitfield', bitfield: new Uint8Array(0) }, { pieceCount: 0, pieceLength: 1, totalLength: 0 }), null);
});

test('BEP 52 hash request rules', () => {
  const root = fill(32, 0);
  const f = { piecesRoot: root, baseLayer: 0, proofLayers: 3 };
  assert.equal(code({ type: 'hash-request', ...f, index: 0, length: 2 }), null);
  assert.equal(code({ type: 'hash-request', ...f, index: 512, length: 512 }), null);
  assert.equal(code({ type: 'hash-request', ...f, index: 0, length: 1 }), 'WIRE_BAD_HASH_REQUEST');
  assert.equal(code({ type: 'hash-reject', ...f, index: 0, length: 6 }), 'WIRE_BAD_HASH_REQUEST');
  assert.equal(code({ type: 'hash-request', ...f, index: 2, length: 4 }), 'WIRE_BAD_HASH_REQUEST');
  assert.equal(code({ type: 'hashes', ...f, index: 0, length: 4, hashes: fill(32 * 5, 0) }), null);
  assert.equal(code({ type: 'hashes', ...f, index: 0, length: 4, hashes: fill(32 * 3, 0) }), 'WIRE_BAD_HASH_REQUEST');
  assert.equal(code({ type: 'hashes', ...f, index: 0, length: 4, hashes: fill(32 * 8, 0) }), 'WIRE_BAD_HASH_REQUEST');
});

test('messages without torrent fields always pass', () => {
  for (const m of [{ type: 'choke' }, { type: 'keep-alive' }, { type: 'have-all' }, { type: 'port', port: 1 }] as WireMessage[]) {
    assert.equal(code(m), null);
  }
});

test('fast and extended messages need their extension negotiated', () => {
  const none = {};
  for (const m of [{ type: 'have-all' }, { type: 'have-none' }, { type: 'suggest', index: 0 }, { type: 'allowed-fast', index: 0 }, { type: 'reject', index: 0, begin: 0, length: 1 }] as WireMessage[]) {
    assert.equal(checkNegotiated(m, none)?.code, 'WIRE_NOT_NEGOTIATED');
    assert.equal(checkNegotiated(m, { fast: true }), null);
  }
  const ext: WireMessage = { type: 'extended', extendedId: 0, payload: hex('6465') };
  assert.equal(checkNegotiated(ext, { fast: true })?.code, 'WIRE_NOT_NEGOTIATED');
  assert.equal(checkNegotiated(ext, { extensionProtocol: true }), null);
  assert.equal(checkNegotiated({ type: 'have', index: 1 }, none), null);
});
