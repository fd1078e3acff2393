import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUtPex, encodeUtPex, PexFlag, PexState, UtPexError, type PexPeer } from '../../src/wire/index.js';
import { encode } from '../../src/bencode/index.js';
import { concat, hex, toHex } from './helpers.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const throwsCode = (f: () => unknown, code: string): void => {
  assert.throws(f, (e: unknown) => e instanceof UtPexError && e.code === code, `expected ${code}`);
};
const peer = (host: string, port: number, flags = 0): PexPeer => ({ host, port, flags });
const v4peers = (n: number, from = 0): PexPeer[] =>
  Array.from({ length: n }, (_, i) => peer(`10.0.${(from + i) >> 8}.${(from + i) & 0xff}`, 6881));

test('exact bytes of a known message', () => {
  const wire = encodeUtPex({
    added: [peer('1.2.3.4', 6881, PexFlag.seed | PexFlag.reachable), peer('::1', 80, PexFlag.utp)],
    dropped: [{ host: '5.6.7.8', port: 1 }],
  });
  const expected = concat([
    ascii('d5:added6:'), hex('01020304 1ae1'),
    ascii('7:added.f1:'), hex('12'),
    ascii('6:added618:'), hex('00000000000000000000000000000001 0050'),
    ascii('8:added6.f1:'), hex('04'),
    ascii('7:dropped6:'), hex('05060708 0001'),
    ascii('8:dropped60:e'),
  ]);
  assert.equal(toHex(wire), toHex(expected));
  assert.deepEqual(decodeUtPex(wire), {
    added: [peer('1.2.3.4', 6881, 0x12), peer('::1', 80, 4)],
    dropped: [{ host: '5.6.7.8', port: 1 }],
  });
});

test('round trip of a full message, IPv4 before IPv6', () => {
  const m = {
    added: [...v4peers(30), ...Array.from({ length: 20 }, (_, i) => peer(`2001:db8::${i + 1}`, 1000 + i, i & 0x1f))],
    dropped: [{ host: '192.168.1.1', port: 5 }, { host: 'fe80::1', port: 6 }],
  };
  assert.deepEqual(decodeUtPex(encodeUtPex(m)), m);
});

test('decoding tolerates short or missing flags, extra keys, missing lists, duplicates', () => {
  const d = encode(new Map<string, Uint8Array | number>([
    ['added', hex('01020304 0001 01020305 0002 01020304 0001')],
    ['added.f', hex('10')],
    ['x', 5],
  ]));
  assert.deepEqual(decodeUtPex(d), { added: [peer('1.2.3.4', 1, 0x10), peer('1.2.3.5', 2, 0)], dropped: [] });
  assert.deepEqual(decodeUtPex(ascii('de')), { added: [], dropped: [] });
  // Longer flags than peers: the extra bytes are ignored.
  assert.deepEqual(decodeUtPex(encode(new Map([['added', hex('01020304 0001')], ['added.f', hex('0102')]]))).added, [peer('1.2.3.4', 1, 1)]);
});

test('bad input raises typed errors', () => {
  throwsCode(() => decodeUtPex(ascii('')), 'UT_PEX_MALFORMED');
  throwsCode(() => decodeUtPex(ascii('le')), 'UT_PEX_MALFORMED');
  throwsCode(() => decodeUtPex(ascii('d5:addedi1ee')), 'UT_PEX_MALFORMED');
  throwsCode(() => decodeUtPex(ascii('d5:added5:12345e')), 'UT_PEX_BAD_LENGTH');
  throwsCode(() => decodeUtPex(ascii('d6:added66:123456e')), 'UT_PEX_BAD_LENGTH');
  throwsCode(() => decodeUtPex(ascii('d7:dropped7:1234567e')), 'UT_PEX_BAD_LENGTH');
  throwsCode(() => decodeUtPex(encode(new Map([['added', new Uint8Array(6 * 101)]]))), 'UT_PEX_TOO_MANY');
  throwsCode(() => decodeUtPex(encode(new Map([['added', new Uint8Array(6 * 51)]])), { maxAdded: 50 }), 'UT_PEX_TOO_MANY');
  throwsCode(() => decodeUtPex(encode(new Map([['dropped', new Uint8Array(6 * 60)], ['dropped6', new Uint8Array(18 * 41)]]))), 'UT_PEX_TOO_MANY');
  assert.equal(decodeUtPex(encode(new Map([['added', new Uint8Array(6 * 100)]]))).added.length, 1); // all the same contact
});

test('encoder enforces BEP 11 rules', () => {
  throwsCode(() => encodeUtPex({ added: v4peers(51), dropped: [] }), 'UT_PEX_BAD_ARGUMENT');
  throwsCode(() => encodeUtPex({ added: [], dropped: v4peers(51) }), 'UT_PEX_BAD_ARGUMENT');
  throwsCode(() => encodeUtPex({ added: [peer('1.2.3.4', 1), peer('1.2.3.4', 1)], dropped: [] }), 'UT_PEX_BAD_ARGUMENT');
  throwsCode(() => encodeUtPex({ added: [peer('1.2.3.4', 1)], dropped: [{ host: '::ffff:1.2.3.4', port: 1 }] }), 'UT_PEX_BAD_ARGUMENT');
  throwsCode(() => encodeUtPex({ added: [peer('example.com', 1)], dropped: [] }), 'UT_PEX_BAD_ARGUMENT');
  throwsCode(() => encodeUtPex({ added: [peer('1.2.3.4', 0)], dropped: [] }), 'UT_PEX_BAD_ARGUMENT');
  throwsCode(() => encodeUtPex({ added: [peer('1.2.3.4', 1, 256)], dropped: [] }), 'UT_PEX_BAD_ARGUMENT');
  // An IPv4-mapped address goes in the IPv4 list.
  assert.deepEqual(decodeUtPex(encodeUtPex({ added: [peer('::ffff:9.8.7.6', 7)], dropped: [] })).added, [peer('9.8.7.6', 7)]);
});

test('PexState: first message at once, then diffs at most once a minute', () => {
  const s = new PexState({ exclude: [{ host: '10.0.0.9', port: 6881 }] });
  const a = peer('10.0.0.1', 6881, PexFlag.seed);
  const b = peer('10.0.0.2', 6881);
  const c = peer('2001:db8::3', 6881);
  const self = peer('10.0.0.9', 6881);
  assert.deepEqual(s.next([a, b, self], 0), { added: [a, b], dropped: [] });
  assert.equal(s.announced, 2);
  assert.equal(s.next([a, c], 59_999), undefined, 'rate limited');
  assert.deepEqual(s.next([a, c], 60_000), { added: [c], dropped: [{ host: b.host, port: b.port }] });
  assert.equal(s.next([a, c], 200_000), undefined, 'nothing changed');
  // Empty ticks do not count as messages: b reconnecting is sent at once.
  assert.deepEqual(s.next([a, c, b], 200_001), { added: [b], dropped: [] });
});

test('PexState: empty ticks do not reset the minute; transient peers elided', () => {
  const s = new PexState();
  const a = peer('10.0.0.1', 1);
  assert.ok(s.next([a], 1000));
  assert.equal(s.next([a], 70_000), undefined); // nothing to say
  assert.ok(s.next([], 70_001)); // a's drop goes out at once: the last message was >60 s ago
  assert.equal(s.nextAllowedAt, 130_001);
  // b connects and disconnects before the next allowed time: never mentioned.
  assert.equal(s.next([peer('10.0.0.2', 1)], 100_000), undefined);
  assert.equal(s.next([], 130_001), undefined);
});

test('PexState: at most 50 added / 50 dropped per message, the rest in the next', () => {
  const s = new PexState();
  const all = v4peers(120);
  const m1 = s.next(all, 0);
  assert.equal(m1?.added.length, 50);
  const m2 = s.next(all, 60_000);
  assert.equal(m2?.added.length, 50);
  const m3 = s.next(all.slice(0, 110), 120_000);
  assert.equal(m3?.added.length, 10);
  assert.equal(m3?.dropped.length, 0);
  const m4 = s.next([], 180_000);
  assert.equal(m4?.dropped.length, 50);
  const m5 = s.next([], 240_000);
  assert.equal(m5?.dropped.length, 50);
  const m6 = s.next([], 300_000);
  assert.equal(m6?.dropped.length, 10);
  assert.equal(s.announced, 0);
  // Every message the state produces encodes.
  for (const m of [m1, m2, m3, m4, m5, m6]) if (m) encodeUtPex(m);
});

test('PexState: unusable contacts and duplicates are skipped; different spellings are one contact', () => {
  const s = new PexState();
  const m = s.next([peer('host.example', 1), peer('10.0.0.1', 0), peer('::ffff:10.0.0.1', 5), peer('10.0.0.1', 5), peer('2001:DB8::1', 5), peer('2001:db8:0::1', 5)], 0);
  assert.deepEqual(m, { added: [peer('::ffff:10.0.0.1', 5), peer('2001:DB8::1', 5)], dropped: [] });
  if (m) assert.deepEqual(decodeUtPex(encodeUtPex(m)).added, [peer('10.0.0.1', 5), peer('2001:db8::1', 5)]);
  // Dropping uses the same canonical identity.
  assert.deepEqual(s.next([peer('10.0.0.1', 5)], 60_000), { added: [], dropped: [{ host: '2001:DB8::1', port: 5 }] });
});
