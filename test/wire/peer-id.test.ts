import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedFastSet, describePeerId, makePeerId, parsePeerId, SHOAL_PEER_ID_PREFIX, WireError } from '../../src/wire/index.js';
import { fill, hex } from './helpers.js';

const te = new TextEncoder();
const id = (s: string): Uint8Array => {
  const out = new Uint8Array(20).fill(0x41);
  out.set(te.encode(s));
  return out;
};

test('makePeerId: shoal prefix plus 12 bytes from the injected source', () => {
  const asked: number[] = [];
  const p = makePeerId((n) => {
    asked.push(n);
    return fill(n, 0xee);
  });
  assert.deepEqual(asked, [12]);
  assert.equal(new TextDecoder().decode(p.subarray(0, 8)), SHOAL_PEER_ID_PREFIX);
  assert.deepEqual(p.subarray(8), fill(12, 0xee));
  assert.equal(makePeerId((n) => fill(n, 0x30), '-XX1234-abc').length, 20);
  const bad = (f: () => unknown): void => {
    assert.throws(f, (e: unknown) => e instanceof WireError && e.code === 'WIRE_BAD_ARGUMENT');
  };
  bad(() => makePeerId(() => fill(3, 0)));
  bad(() => makePeerId((n) => fill(n, 0), 'x'.repeat(21)));
  bad(() => makePeerId((n) => fill(n, 0), '-é-'));
});

test('parsePeerId recognises common clients', () => {
  assert.deepEqual(parsePeerId(makePeerId((n) => fill(n, 0))), { client: 'shoal', version: '0.1.0', style: 'azureus' });
  assert.deepEqual(parsePeerId(id('-LT2080-')), { client: 'libtorrent', version: '2.0.8', style: 'azureus' });
  assert.deepEqual(parsePeerId(id('-lt0D80-')), { client: 'rTorrent', version: '0.13.8', style: 'azureus' });
  assert.deepEqual(parsePeerId(id('-qB4500-')), { client: 'qBittorrent', version: '4.5.0', style: 'azureus' });
  assert.deepEqual(parsePeerId(id('-TR300Z-')), { client: 'Transmission', version: '3.00', style: 'azureus' });
  assert.deepEqual(parsePeerId(id('-TR400B-')), { client: 'Transmission', version: '4.00 beta', style: 'azureus' });
  assert.deepEqual(parsePeerId(id('-WW0207-')), { client: 'WebTorrent', version: '2.7', style: 'azureus' });
  assert.deepEqual(parsePeerId(id('A2-1-37-0-')), { client: 'aria2', version: '1.37.0', style: 'aria2' });
  assert.deepEqual(parsePeerId(id('M7-4-3--')), { client: 'BitTorrent', version: '7.4.3', style: 'mainline' });
  assert.deepEqual(parsePeerId(id('-ZZ1000-')), { client: 'ZZ', version: '1.0.0', style: 'azureus' });
  assert.equal(parsePeerId(id('hello')), null);
  assert.equal(parsePeerId(fill(19, 0x2d)), null);
});

test('describePeerId is printable for any bytes', () => {
  assert.equal(describePeerId(id('-qB4500-')), 'qBittorrent 4.5.0');
  assert.equal(describePeerId(hex('00ff5c41' + '41'.repeat(16))), '\\x00\\xff\\x5cA' + 'A'.repeat(16));
});

test('allowed fast set matches the BEP 6 examples', () => {
  const infoHash = fill(20, 0xaa);
  const ip = Uint8Array.of(80, 4, 4, 200);
  assert.deepEqual(allowedFastSet(7, 1313, infoHash, ip), [1059, 431, 808, 1217, 287, 376, 1188]);
  assert.deepEqual(allowedFastSet(9, 1313, infoHash, ip), [1059, 431, 808, 1217, 287, 376, 1188, 353, 508]);
  assert.equal(allowedFastSet(10, 3, infoHash, ip).length, 3);
  assert.deepEqual(allowedFastSet(10, 0, infoHash, ip), []);
  assert.throws(() => allowedFastSet(1, 10, infoHash, new Uint8Array(16)), (e: unknown) => e instanceof WireError);
});
