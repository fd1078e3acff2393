import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLsdAnnounce, encodeLsdAnnounce, LsdError, lsdHostHeader, packLsdAnnounces } from '../../../src/discovery/lsd/index.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const hash = (n: number): Uint8Array => new Uint8Array(20).map((_, i) => (n * 7 + i) & 0xff);
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const throwsCode = (f: () => unknown, code: string): void => {
  assert.throws(f, (e: unknown) => e instanceof LsdError && e.code === code, `expected ${code}`);
};

test('exact bytes of an announce (BEP 14 layout)', () => {
  const h = hash(1);
  const wire = encodeLsdAnnounce({ host: lsdHostHeader(4), port: 6881, infoHashes: [h], cookie: 'c00k1e' });
  assert.equal(text(wire),
    'BT-SEARCH * HTTP/1.1\r\n' +
    'Host: 239.192.152.143:6771\r\n' +
    'Port: 6881\r\n' +
    `Infohash: ${hexOf(h)}\r\n` +
    'cookie: c00k1e\r\n' +
    '\r\n\r\n');
  assert.equal(lsdHostHeader(6), '[ff15::efc0:988f]:6771');
  const back = decodeLsdAnnounce(wire);
  assert.deepEqual({ ...back, infoHashes: back.infoHashes.map(hexOf) }, { host: '239.192.152.143:6771', port: 6881, infoHashes: [hexOf(h)], cookie: 'c00k1e' });
});

test('tolerant decoding: LF endings, header case, extra headers, upper-case hex, no cookie, no blank line', () => {
  const h = hash(2);
  const d = decodeLsdAnnounce(ascii(`bt-search * http/1.1\nHOST: [ff15::efc0:988f]:6771\nport:  51413 \nX-Other: whatever\ninfohash: ${hexOf(h).toUpperCase()}`));
  assert.equal(d.port, 51413);
  assert.equal(d.host, '[ff15::efc0:988f]:6771');
  assert.deepEqual(d.infoHashes.map(hexOf), [hexOf(h)]);
  assert.equal(d.cookie, undefined);
});

test('several info hashes: duplicates and malformed values skipped, count bounded', () => {
  const [a, b] = [hash(3), hash(4)];
  const msg = `BT-SEARCH * HTTP/1.1\r\nHost: x\r\nPort: 1\r\nInfohash: ${hexOf(a)}\r\nInfohash: zz\r\nInfohash: ${hexOf(a).toUpperCase()}\r\n` +
    `Infohash: ${hexOf(b)}\r\nInfohash: ${'ab'.repeat(32)}\r\n\r\n\r\n`;
  assert.deepEqual(decodeLsdAnnounce(ascii(msg)).infoHashes.map(hexOf), [hexOf(a), hexOf(b)]);
  assert.deepEqual(decodeLsdAnnounce(ascii(msg), { maxInfoHashes: 1 }).infoHashes.map(hexOf), [hexOf(a)]);
  // Headers after the blank line are not headers.
  throwsCode(() => decodeLsdAnnounce(ascii(`BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n\r\nInfohash: ${hexOf(a)}\r\n`)), 'LSD_NO_INFOHASH');
});

test('bad datagrams raise typed errors', () => {
  const h = hexOf(hash(5));
  const cases: [string, string][] = [
    ['', 'LSD_MALFORMED'],
    ['M-SEARCH * HTTP/1.1\r\nPort: 1\r\n\r\n', 'LSD_MALFORMED'],
    ['GET / HTTP/1.1\r\n\r\n', 'LSD_MALFORMED'],
    [`BT-SEARCH * HTTP/1.1\r\nInfohash: ${h}\r\n\r\n`, 'LSD_BAD_PORT'],
    [`BT-SEARCH * HTTP/1.1\r\nPort: 0\r\nInfohash: ${h}\r\n\r\n`, 'LSD_BAD_PORT'],
    [`BT-SEARCH * HTTP/1.1\r\nPort: 65536\r\nInfohash: ${h}\r\n\r\n`, 'LSD_BAD_PORT'],
    [`BT-SEARCH * HTTP/1.1\r\nPort: 12a\r\nInfohash: ${h}\r\n\r\n`, 'LSD_BAD_PORT'],
    [`BT-SEARCH * HTTP/1.1\r\nPort: -1\r\nInfohash: ${h}\r\n\r\n`, 'LSD_BAD_PORT'],
    ['BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n\r\n', 'LSD_NO_INFOHASH'],
    [`BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nno colon here\r\nInfohash: ${h}\r\n\r\n`, 'LSD_MALFORMED'],
    [`BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n: empty name\r\nInfohash: ${h}\r\n\r\n`, 'LSD_MALFORMED'],
    [`BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: ${h}\r\ncookie: ${'x'.repeat(129)}\r\n\r\n`, 'LSD_MALFORMED'],
  ];
  for (const [m, code] of cases) throwsCode(() => decodeLsdAnnounce(ascii(m)), code);
  throwsCode(() => decodeLsdAnnounce(new Uint8Array(4097)), 'LSD_TOO_LARGE');
  throwsCode(() => decodeLsdAnnounce(ascii(`BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: ${h}\r\n\r\n`), { maxBytes: 10 }), 'LSD_TOO_LARGE');
  // Past maxHeaders nothing more is read.
  const many = `BT-SEARCH * HTTP/1.1\r\n${'X: y\r\n'.repeat(70)}Port: 1\r\nInfohash: ${h}\r\n\r\n`;
  throwsCode(() => decodeLsdAnnounce(ascii(many)), 'LSD_BAD_PORT');
});

test('encoder refuses what it cannot announce', () => {
  throwsCode(() => encodeLsdAnnounce({ host: 'h', port: 0, infoHashes: [hash(1)] }), 'LSD_BAD_ARGUMENT');
  throwsCode(() => encodeLsdAnnounce({ host: 'h', port: 1, infoHashes: [] }), 'LSD_BAD_ARGUMENT');
  throwsCode(() => encodeLsdAnnounce({ host: 'h', port: 1, infoHashes: [new Uint8Array(32)] }), 'LSD_BAD_ARGUMENT');
  throwsCode(() => encodeLsdAnnounce({ host: 'h\r\nPort: 2', port: 1, infoHashes: [hash(1)] }), 'LSD_BAD_ARGUMENT');
  throwsCode(() => encodeLsdAnnounce({ host: 'h', port: 1, infoHashes: [hash(1)], cookie: 'a\nb' }), 'LSD_BAD_ARGUMENT');
  throwsCode(() => packLsdAnnounces({ host: 'h', port: 1 }, [hash(1)], 50), 'LSD_BAD_ARGUMENT');
});

test('packing many info hashes: datagrams within 1400 bytes, every hash once', () => {
  const hashes = Array.from({ length: 100 }, (_, i) => hash(i + 10));
  const grams = packLsdAnnounces({ host: lsdHostHeader(6), port: 6881, cookie: 'abcdef01' }, hashes);
  assert.ok(grams.length > 1);
  const seen: string[] = [];
  for (const g of grams) {
    assert.ok(g.length <= 1400, `${g.length} bytes`);
    const d = decodeLsdAnnounce(g);
    assert.equal(d.cookie, 'abcdef01');
    seen.push(...d.infoHashes.map(hexOf));
  }
  assert.deepEqual(seen, hashes.map(hexOf));
  // Full datagrams: one more hash would not have fitted.
  assert.ok((grams[0] as Uint8Array).length + 52 > 1400);
});
