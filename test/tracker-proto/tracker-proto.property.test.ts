import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  bytesToIp,
  decodeAnnounceResponse,
  decodeScrapeResponse,
  decodeUdpRequest,
  decodeUdpResponse,
  encodeAnnounceQuery,
  encodeAnnounceResponse,
  encodeUdpAnnounceRequest,
  ipToBytes,
  parseAnnounceQuery,
  parseScrapeQuery,
  TrackerProtoError,
  ANNOUNCE_EVENTS,
} from '../../src/tracker-proto/index.js';

function onlyOurs(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof TrackerProtoError)) throw e;
  }
}

const bytes20 = fc.uint8Array({ minLength: 20, maxLength: 20 });
const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const announce = fc.record({
  infoHash: bytes20,
  peerId: bytes20,
  port: fc.integer({ min: 1, max: 65535 }),
  uploaded: safe,
  downloaded: safe,
  left: safe,
  event: fc.constantFrom(...ANNOUNCE_EVENTS),
  numwant: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
  key: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
});

test('HTTP announce query: parse(encode(x)) = x', () => {
  fc.assert(
    fc.property(announce, (a) => {
      const r = parseAnnounceQuery(encodeAnnounceQuery(a));
      for (const k of Object.keys(a) as (keyof typeof a)[]) assert.deepEqual(r[k], a[k], k);
    }),
    { numRuns: 300 },
  );
});

test('UDP announce request: decode(encode(x)) = x', () => {
  fc.assert(
    fc.property(announce, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 0, max: 0xffffffff }), (a, cid, tx) => {
      const r = decodeUdpRequest(encodeUdpAnnounceRequest({ ...a, connectionId: cid, transactionId: tx }));
      assert.equal(r.action, 'announce');
      if (r.action !== 'announce') return;
      assert.equal(r.connectionId, cid);
      assert.equal(r.transactionId, tx);
      const want = { ...a, key: a.key ?? 0 }; // UDP always carries a key field
      for (const k of Object.keys(want) as (keyof typeof want)[]) assert.deepEqual(r[k], want[k], k);
    }),
    { numRuns: 300 },
  );
});

test('announce response: decode(encode(x)) keeps peers and counters', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 100000 }),
      fc.array(fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 65535 })), { maxLength: 20 }),
      fc.nat(),
      fc.nat(),
      (interval, ps, complete, incomplete) => {
        const compact = new Uint8Array(ps.length * 6);
        ps.forEach(([a, port], i) => {
          compact.set(a, i * 6);
          compact[i * 6 + 4] = port >> 8;
          compact[i * 6 + 5] = port & 255;
        });
        const r = decodeAnnounceResponse(encodeAnnounceResponse({ interval, peers: compact, complete, incomplete }));
        assert.ok(r.ok);
        assert.equal(r.interval, interval);
        assert.deepEqual(r.peers, ps.map(([a, port]) => ({ ip: bytesToIp(a), port })));
      },
    ),
    { numRuns: 200 },
  );
});

test('IPv6 text round trip', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      const back = ipToBytes(bytesToIp(b));
      if (back.length === 4) assert.deepEqual(back, b.subarray(12));
      else assert.deepEqual(back, b);
    }),
    { numRuns: 300 },
  );
});

test('garbage only ever raises TrackerProtoError: UDP requests and responses', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      onlyOurs(() => decodeUdpRequest(b));
      onlyOurs(() => decodeUdpResponse(b, 4));
      onlyOurs(() => decodeUdpResponse(b, 6));
    }),
    { numRuns: 2000 },
  );
  // Mutations of valid packets reach the deeper branches.
  const valid = encodeUdpAnnounceRequest({
    connectionId: 1n, transactionId: 1, infoHash: new Uint8Array(20), peerId: new Uint8Array(20),
    downloaded: 0, left: 0, uploaded: 0, event: 'none', port: 1, urlData: '/x',
  });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(valid.length + 8), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(valid.length + 8), (muts, cut) => {
      const b = new Uint8Array(valid.length + 8);
      b.set(valid);
      for (const [at, v] of muts) b[at] = v;
      onlyOurs(() => decodeUdpRequest(b.subarray(0, cut)));
    }),
    { numRuns: 2000 },
  );
});

test('garbage only ever raises TrackerProtoError: HTTP queries and bodies', () => {
  const chars = fc.constantFrom(...'%&=+0123456789abcdefABCDEF_info_hashpeer_idportleftevent\u0000\u00ff\u0100 ');
  fc.assert(
    fc.property(fc.string({ unit: chars, maxLength: 200 }), (q) => {
      onlyOurs(() => parseAnnounceQuery(q));
      onlyOurs(() => parseScrapeQuery(q));
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      onlyOurs(() => decodeAnnounceResponse(b));
      onlyOurs(() => decodeScrapeResponse(b));
    }),
    { numRuns: 1000 },
  );
  const bchars = fc.constantFrom(...'dile0123456789:-'.split(''), '5:peers', '8:interval', '6:peers6', '5:files', '14:failure reason', '2:ip', '4:port');
  fc.assert(
    fc.property(fc.array(bchars, { maxLength: 40 }), (parts) => {
      const b = new TextEncoder().encode(parts.join(''));
      onlyOurs(() => decodeAnnounceResponse(b));
      onlyOurs(() => decodeScrapeResponse(b));
    }),
    { numRuns: 2000 },
  );
});
