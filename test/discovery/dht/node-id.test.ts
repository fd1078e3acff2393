import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commonPrefixBits, compareDistance, randomIdWithPrefix } from '../../../src/discovery/dht/node-id.js';
import { crc32c, isCompliantNode, isLocalIp, isSecureNodeId, secureNodeId } from '../../../src/discovery/dht/bep42.js';
import { hex, hexId, seededBytes } from './helpers.js';

test('commonPrefixBits and compareDistance follow the XOR metric', () => {
  const a = hexId('ff');
  assert.equal(commonPrefixBits(a, a), 160);
  assert.equal(commonPrefixBits(hexId('80'), hexId('00')), 0);
  assert.equal(commonPrefixBits(hexId('0001'), hexId('0000')), 15);
  const t = hexId('00');
  assert.ok(compareDistance(hexId('01'), hexId('02'), t) < 0);
  assert.ok(compareDistance(hexId('f0'), hexId('0f'), t) > 0);
  assert.equal(compareDistance(hexId('aa'), hexId('aa'), t), 0);
});

test('randomIdWithPrefix stays inside the bucket range', () => {
  const rb = seededBytes(1);
  const base = rb(20);
  for (let p = 0; p < 160; p++) {
    const exact = randomIdWithPrefix(base, p, true, rb);
    assert.equal(commonPrefixBits(base, exact), p);
    assert.ok(commonPrefixBits(base, randomIdWithPrefix(base, p, false, rb)) >= p);
  }
});

test('crc32c check value', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
});

test('BEP 42 test vectors', () => {
  const vectors: [string, number, string][] = [
    ['124.31.75.21', 1, '5fbfbf'],
    ['21.75.31.124', 86, '5a3ce9'],
    ['65.23.51.170', 22, 'a5d432'],
    ['84.124.73.14', 65, '1b0321'],
    ['43.213.53.83', 90, 'e56f6c'],
  ];
  for (const [ip, rand, prefix] of vectors) {
    const ipb = Uint8Array.from(ip.split('.').map(Number));
    const id = secureNodeId(ipb, () => {
      const b = new Uint8Array(20);
      b[19] = rand;
      return b;
    });
    assert.equal(hex(id).slice(0, 5), prefix.slice(0, 5), ip);
    assert.equal(id[2]! & 0xf8, parseInt(prefix.slice(4, 6), 16) & 0xf8, ip);
    assert.equal(id[19], rand);
    assert.ok(isSecureNodeId(id, ipb));
    const other = Uint8Array.from(id);
    other[0] = other[0]! ^ 1;
    assert.ok(!isSecureNodeId(other, ipb));
  }
  // the example ids from the BEP
  assert.ok(isCompliantNode(hexId('5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401'), '124.31.75.21'));
  assert.ok(isCompliantNode(hexId('e56f6cbf5b7c4be0237986d5243b87aa6d51305a'), '43.213.53.83'));
  assert.ok(!isCompliantNode(hexId('e56f6cbf5b7c4be0237986d5243b87aa6d51305a'), '124.31.75.21'));
});

test('BEP 42 exempts local networks, and IPv6 ids verify', () => {
  for (const ip of ['10.1.2.3', '127.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.0.1']) {
    assert.ok(isLocalIp(Uint8Array.from(ip.split('.').map(Number))), ip);
    assert.ok(isCompliantNode(new Uint8Array(20), ip), ip);
  }
  assert.ok(!isLocalIp(Uint8Array.of(172, 32, 0, 1)));
  assert.ok(!isCompliantNode(new Uint8Array(20).fill(0xff), '8.8.8.8'));
  assert.ok(isCompliantNode(new Uint8Array(20), '::1'));
  assert.ok(isCompliantNode(new Uint8Array(20), 'fe80::1'));
  const v6 = Uint8Array.from(Buffer.from('20010db8000000000000000000000001', 'hex'));
  const id = secureNodeId(v6, seededBytes(3));
  assert.ok(isSecureNodeId(id, v6));
  assert.ok(isCompliantNode(id, '2001:db8::1'));
  assert.ok(!isCompliantNode(id, '2001:db9::1'));
});
