import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeKrpc,
  decodeCompactNodes,
  encodeCompactNodes,
  encodeCompactPeer,
  decodeCompactPeer,
  encodeKrpc,
  KrpcError,
  type KrpcMessage,
} from '../../src/krpc/index.js';

const te = new TextEncoder();
const b = (s: string): Uint8Array => te.encode(s);
const text = (u: Uint8Array): string => new TextDecoder('latin1').decode(u);

function expectKrpcError(input: Uint8Array | string, code: string, check?: (e: KrpcError) => void): void {
  const bytes = typeof input === 'string' ? b(input) : input;
  assert.throws(
    () => decodeKrpc(bytes),
    (e: unknown) => {
      assert.ok(e instanceof KrpcError, String(e));
      assert.equal(e.code, code, e.message);
      check?.(e);
      return true;
    },
  );
}

test('BEP 5 example packets decode and re-encode to the same bytes', () => {
  const examples = [
    'd1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe',
    'd1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re',
    'd1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe',
    'd1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe',
    'd1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re',
    'd1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe',
    'd1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee',
  ];
  for (const ex of examples) {
    const m = decodeKrpc(b(ex));
    assert.equal(text(encodeKrpc(m)), ex, ex);
  }
});

test('typed fields of the BEP 5 queries', () => {
  const ping = decodeKrpc(b('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe'));
  assert.equal(ping.y, 'q');
  assert.ok(ping.y === 'q' && ping.q === 'ping');
  assert.equal(text(ping.t), 'aa');
  assert.equal(text(ping.id), 'abcdefghij0123456789');

  const ann = decodeKrpc(
    b('d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe'),
  );
  assert.ok(ann.y === 'q' && ann.q === 'announce_peer');
  assert.equal(ann.port, 6881);
  assert.equal(ann.impliedPort, true);
  assert.equal(text(ann.token), 'aoeusnth');
  assert.equal(text(ann.infoHash), 'mnopqrstuvwxyz123456');

  const peers = decodeKrpc(b('d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re'));
  assert.ok(peers.y === 'r');
  assert.deepEqual(peers.r.values, [
    { host: '97.120.106.101', port: 0x2e75 },
    { host: '105.100.104.116', port: 0x6e6d },
  ]);

  const err = decodeKrpc(b('d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee'));
  assert.ok(err.y === 'e');
  assert.equal(err.code, 201);
  assert.equal(err.message, 'A Generic Error Ocurred');
});

test('compact node info round-trips for both families and rejects ragged lengths', () => {
  const id = new Uint8Array(20).fill(7);
  const v4 = [{ id, host: '1.2.3.4', port: 6881 }, { id: new Uint8Array(20).fill(9), host: '255.0.0.1', port: 1 }];
  const v6 = [{ id, host: '2001:db8::1', port: 65535 }];
  const e4 = encodeCompactNodes([...v4, ...v6], 4);
  assert.equal(e4.length, 52);
  assert.deepEqual(decodeCompactNodes(e4, 4, 'nodes'), v4);
  const e6 = encodeCompactNodes([...v4, ...v6], 6);
  assert.equal(e6.length, 38);
  assert.deepEqual(decodeCompactNodes(e6, 6, 'nodes6'), v6);
  assert.throws(() => decodeCompactNodes(e4.subarray(1), 4, 'nodes'), KrpcError);
  assert.throws(() => decodeCompactNodes(new Uint8Array(26 * 65), 4, 'nodes'), /exceeds/);
  assert.deepEqual(decodeCompactPeer(encodeCompactPeer({ host: '::ffff:10.0.0.1', port: 80 })), { host: '10.0.0.1', port: 80 });
  assert.throws(() => encodeCompactPeer({ host: 'example.com', port: 80 }), KrpcError);
  assert.throws(() => encodeCompactPeer({ host: '1.2.3.4', port: 70000 }), KrpcError);
});

test('BEP 32, 42, 43, 44 and 51 fields round-trip', () => {
  const id = new Uint8Array(20).fill(1);
  const t = Uint8Array.of(1, 2);
  const msgs: KrpcMessage[] = [
    { y: 'q', t, id, q: 'find_node', target: id, want: { n4: true, n6: true }, ro: true, v: b('SH01') },
    { y: 'q', t, id, q: 'get_peers', infoHash: id, want: { n4: false, n6: true } },
    { y: 'q', t, id, q: 'sample_infohashes', target: id },
    { y: 'q', t, id, q: 'get', target: id, seq: 4 },
    {
      y: 'q', t, id, q: 'put', token: b('tok'), value: b('Hello World!'), k: new Uint8Array(32), seq: 1,
      sig: new Uint8Array(64), salt: b('foobar'), cas: 0,
    },
    {
      y: 'r', t, ip: { host: '2001:db8::7', port: 1000 },
      r: {
        id, token: b('x'), nodes: [{ id, host: '10.1.2.3', port: 5 }], nodes6: [{ id, host: '::1', port: 6 }],
        values: [{ host: '1.1.1.1', port: 1 }, { host: 'fe80::1', port: 2 }],
      },
    },
    { y: 'r', t, r: { id, samples: [id, id], num: 2, interval: 21600, nodes: [] } },
    { y: 'r', t, r: { id, v: [1, b('x')], k: new Uint8Array(32), seq: 9, sig: new Uint8Array(64) } },
    { y: 'e', t, code: 203, message: 'bad token', ip: { host: '127.0.0.1', port: 6881 } },
  ];
  for (const m of msgs) {
    const enc = encodeKrpc(m);
    const back = decodeKrpc(enc);
    assert.deepEqual(encodeKrpc(back), enc);
  }
  const ro = decodeKrpc(encodeKrpc(msgs[0] as KrpcMessage));
  assert.ok(ro.y === 'q' && ro.q === 'find_node');
  assert.equal(ro.ro, true);
  assert.deepEqual(ro.want, { n4: true, n6: true });
  const r = decodeKrpc(encodeKrpc(msgs[5] as KrpcMessage));
  assert.ok(r.y === 'r');
  assert.deepEqual(r.ip, { host: '2001:db8::7', port: 1000 });
  assert.equal(r.r.values?.length, 2);
  assert.equal(r.r.nodes6?.[0]?.host, '::1');
});

test('an empty salt is not sent (BEP 44: same as no salt)', () => {
  const id = new Uint8Array(20);
  const enc = encodeKrpc({ y: 'q', t: b('t'), id, q: 'put', token: b('k'), value: 1, salt: new Uint8Array(0) });
  assert.ok(!text(enc).includes('salt'));
});

test('unknown methods decode as "other" with their target, for forward compatibility', () => {
  const m = decodeKrpc(b('d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q8:vote_now1:t2:aa1:y1:qe'));
  assert.ok(m.y === 'q' && m.q === 'other');
  assert.equal(m.method, 'vote_now');
  assert.equal(text(m.target as Uint8Array), 'mnopqrstuvwxyz123456');
});

test('extra keys are ignored', () => {
  const m = decodeKrpc(b('d1:ad2:id20:abcdefghij01234567895:zzzzzi1ee1:q4:ping1:t2:aa1:y1:q1:zi0ee'));
  assert.ok(m.y === 'q' && m.q === 'ping');
});

test('malformed input raises KrpcError with a code, and the transaction id when readable', () => {
  expectKrpcError('', 'KRPC_BAD_BENCODE');
  expectKrpcError('le', 'KRPC_MALFORMED');
  expectKrpcError('d1:y1:qe', 'KRPC_MALFORMED');
  expectKrpcError('d1:t2:aa1:y1:xe', 'KRPC_MALFORMED', (e) => assert.equal(text(e.transactionId as Uint8Array), 'aa'));
  // non-canonical key order is rejected in strict mode
  expectKrpcError('d1:y1:q1:t2:aae', 'KRPC_BAD_BENCODE');
  // short id
  expectKrpcError('d1:ad2:id3:abce1:q4:ping1:t2:aa1:y1:qe', 'KRPC_BAD_FIELD', (e) => {
    assert.equal(text(e.transactionId as Uint8Array), 'aa');
    assert.equal(e.messageType, 'q');
    assert.match(e.message, /a\.id/);
  });
  // missing arguments
  expectKrpcError('d1:q4:ping1:t2:aa1:y1:qe', 'KRPC_BAD_FIELD');
  expectKrpcError('d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:aa1:y1:qe', 'KRPC_BAD_FIELD');
  // port out of range
  expectKrpcError(
    'd1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti70000e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe',
    'KRPC_BAD_FIELD',
  );
  // nodes not a multiple of 26
  expectKrpcError('d1:rd2:id20:mnopqrstuvwxyz1234565:nodes3:abce1:t2:aa1:y1:re', 'KRPC_BAD_FIELD');
  // values entry of a bad length
  expectKrpcError('d1:rd2:id20:mnopqrstuvwxyz1234566:valuesl3:abcee1:t2:aa1:y1:re', 'KRPC_BAD_FIELD');
  // error without a code
  expectKrpcError('d1:el3:abce1:t2:aa1:y1:ee', 'KRPC_BAD_FIELD');
  // over-long transaction id
  expectKrpcError(`d1:t40:${'x'.repeat(40)}1:y1:qe`, 'KRPC_MALFORMED');
  // too large
  expectKrpcError(new Uint8Array(5000), 'KRPC_TOO_LARGE');
  // too deep
  expectKrpcError(`d1:ad2:id20:abcdefghij01234567895:token1:x1:v${'l'.repeat(40)}${'e'.repeat(40)}e1:q3:put1:t2:aa1:y1:qe`, 'KRPC_BAD_BENCODE');
});

test('the decoder copies: mutating the datagram afterwards does not change the message', () => {
  const buf = b('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe');
  const m = decodeKrpc(buf);
  buf.fill(0);
  assert.equal(text(m.t), 'aa');
  assert.ok(m.y === 'q');
  assert.equal(text(m.id), 'abcdefghij0123456789');
});
