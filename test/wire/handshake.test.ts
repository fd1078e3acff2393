import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  commonFeatures,
  decodeHandshake,
  encodeHandshake,
  makeReserved,
  parseReserved,
  supportsDht,
  supportsExtensionProtocol,
  supportsFast,
  supportsV2,
  WireError,
} from '../../src/wire/index.js';
import { fill, hex, toHex } from './helpers.js';

test('handshake has the BEP 3 layout', () => {
  const reserved = makeReserved({ extensionProtocol: true, fast: true, dht: true });
  const bytes = encodeHandshake({ reserved, infoHash: fill(20, 0xaa), peerId: new TextEncoder().encode('-SH0100-abcdefghijkl') });
  assert.equal(bytes.length, 68);
  assert.equal(
    toHex(bytes),
    '13' + toHex(new TextEncoder().encode('BitTorrent protocol')) + '0000000000100005' + 'aa'.repeat(20) + toHex(new TextEncoder().encode('-SH0100-abcdefghijkl')),
  );
  const h = decodeHandshake(bytes);
  assert.equal(h.type, 'handshake');
  assert.deepEqual(h.reserved, reserved);
  assert.deepEqual(h.infoHash, fill(20, 0xaa));
  assert.equal(new TextDecoder().decode(h.peerId), '-SH0100-abcdefghijkl');
});

test('reserved bits: extension protocol, fast, DHT, v2', () => {
  assert.equal(toHex(makeReserved({})), '0000000000000000');
  assert.equal(toHex(makeReserved({ extensionProtocol: true })), '0000000000100000');
  assert.equal(toHex(makeReserved({ fast: true })), '0000000000000004');
  assert.equal(toHex(makeReserved({ dht: true })), '0000000000000001');
  assert.equal(toHex(makeReserved({ v2: true })), '0000000000000010');
  const r = hex('ffffffffffffffff');
  assert.ok(supportsExtensionProtocol(r) && supportsFast(r) && supportsDht(r) && supportsV2(r));
  assert.deepEqual(parseReserved(hex('0000000000100004')), { extensionProtocol: true, fast: true, dht: false, v2: false });
  assert.deepEqual(commonFeatures(makeReserved({ fast: true, dht: true }), makeReserved({ fast: true, extensionProtocol: true })), {
    extensionProtocol: false,
    fast: true,
    dht: false,
    v2: false,
  });
  assert.throws(() => parseReserved(new Uint8Array(7)), (e: unknown) => e instanceof WireError && e.code === 'WIRE_BAD_ARGUMENT');
});

test('decodeHandshake rejects wrong sizes and protocol strings', () => {
  const good = encodeHandshake({ reserved: new Uint8Array(8), infoHash: fill(20, 1), peerId: fill(20, 2) });
  const bad = (b: Uint8Array): void => {
    assert.throws(() => decodeHandshake(b), (e: unknown) => e instanceof WireError && e.code === 'WIRE_BAD_HANDSHAKE');
  };
  bad(good.subarray(0, 67));
  const wrongLen = Uint8Array.from(good);
  wrongLen[0] = 18;
  bad(wrongLen);
  const wrongStr = Uint8Array.from(good);
  wrongStr[19] = 0x78;
  bad(wrongStr);
});

test('encodeHandshake checks field sizes', () => {
  assert.throws(
    () => encodeHandshake({ reserved: new Uint8Array(8), infoHash: fill(32, 1), peerId: fill(20, 2) }),
    (e: unknown) => e instanceof WireError && e.code === 'WIRE_BAD_ARGUMENT',
  );
});
