import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrackerServer } from '../../src/tracker/index.js';
import {
  decodeUdpResponse,
  encodeUdpAnnounceRequest,
  encodeUdpConnectRequest,
  encodeUdpScrapeRequest,
  type AnnounceRequest,
} from '../../src/tracker-proto/index.js';
import { UdpProbe } from './util.js';

const ih = new Uint8Array(20).fill(0x55);
const pid = (n: number): Uint8Array => new Uint8Array(20).fill(n);

async function connect(p: UdpProbe, port: number, host = '127.0.0.1'): Promise<bigint> {
  const r = await p.exchange(encodeUdpConnectRequest(77), port, host);
  assert.ok(r, 'connect reply');
  const d = decodeUdpResponse(r, 4);
  assert.equal(d.action, 'connect');
  assert.equal(d.transactionId, 77);
  return d.action === 'connect' ? d.connectionId : 0n;
}

function announce(cid: bigint, over: Partial<AnnounceRequest> & { n: number; urlData?: string }): Uint8Array {
  return encodeUdpAnnounceRequest({
    connectionId: cid,
    transactionId: over.n,
    infoHash: ih,
    peerId: pid(over.n),
    port: 7000 + over.n,
    uploaded: 0,
    downloaded: 0,
    left: 5,
    event: 'started',
    ...over,
  });
}

test('UDP connect, announce, scrape; peers exchanged; counts', async () => {
  const s = new TrackerServer({ host: '127.0.0.1', httpPort: null, udpPort: 0, intervalSec: 300 });
  const { udp } = await s.start();
  const port = udp?.port ?? 0;
  const a = await UdpProbe.open();
  const b = await UdpProbe.open();
  try {
    const ca = await connect(a, port);
    const cb = await connect(b, port);
    const r1 = decodeUdpResponse((await a.exchange(announce(ca, { n: 1 }), port)) ?? new Uint8Array(), 4);
    assert.deepEqual(r1, { action: 'announce', transactionId: 1, interval: 300, leechers: 1, seeders: 0, peers: [] });
    const r2 = decodeUdpResponse((await b.exchange(announce(cb, { n: 2, left: 0 }), port)) ?? new Uint8Array(), 4);
    assert.deepEqual(r2, {
      action: 'announce', transactionId: 2, interval: 300, leechers: 1, seeders: 1,
      peers: [{ ip: '127.0.0.1', port: 7001 }],
    });
    const sc = decodeUdpResponse((await a.exchange(encodeUdpScrapeRequest(ca, 9, [ih, pid(1)]), port)) ?? new Uint8Array(), 4);
    assert.deepEqual(sc, {
      action: 'scrape', transactionId: 9,
      entries: [{ seeders: 1, completed: 0, leechers: 1 }, { seeders: 0, completed: 0, leechers: 0 }],
    });
    // Another client's connection id is refused with an error packet no larger than the request.
    const stolen = announce(ca, { n: 3 });
    const err = await b.exchange(stolen, port);
    assert.ok(err && err.length <= stolen.length);
    const e = decodeUdpResponse(err, 4);
    assert.equal(e.action, 'error');
    assert.equal(e.transactionId, 3);
    // A malformed announce with a valid id gets an error naming the problem.
    const bad = announce(ca, { n: 4 });
    bad[83] = 9;
    const e2 = decodeUdpResponse((await a.exchange(bad, port)) ?? new Uint8Array(), 4);
    assert.ok(e2.action === 'error' && /event/.test(e2.message));
    // Garbage is dropped: no reply.
    for (const g of [new Uint8Array(3), new Uint8Array(4000), new Uint8Array(16), Uint8Array.of(...new Array(12).fill(0), 0, 0, 0, 9, 1, 2)]) {
      assert.equal(await a.exchange(g, port, '127.0.0.1', 150), undefined);
    }
    // The tracker still works afterwards.
    const r3 = decodeUdpResponse((await a.exchange(announce(ca, { n: 1, event: 'none' }), port)) ?? new Uint8Array(), 4);
    assert.equal(r3.action, 'announce');
    assert.equal(s.metrics.dropped, 4);
    assert.equal(s.metrics.announces.udp, 3);
  } finally {
    a.close();
    b.close();
    await s.stop();
  }
});

test('UDP over IPv6 returns 18-byte peers; private mode reads the passkey from BEP 41 URLData', async () => {
  const s = new TrackerServer({
    host: '::1', httpPort: null, udpPort: 0,
    access: { private: true, passkeys: new Set(['sekrit']) },
  });
  const { udp } = await s.start();
  const port = udp?.port ?? 0;
  const a = await UdpProbe.open('::1');
  try {
    const c = await connect(a, port, '::1');
    const denied = decodeUdpResponse((await a.exchange(announce(c, { n: 1 }), port, '::1')) ?? new Uint8Array(), 6);
    assert.ok(denied.action === 'error' && /private/.test(denied.message));
    const wrong = decodeUdpResponse((await a.exchange(announce(c, { n: 1, urlData: '/nope/announce' }), port, '::1')) ?? new Uint8Array(), 6);
    assert.ok(wrong.action === 'error' && /unknown passkey/.test(wrong.message));
    await a.exchange(announce(c, { n: 1, urlData: '/sekrit/announce' }), port, '::1');
    const r = decodeUdpResponse((await a.exchange(announce(c, { n: 2, urlData: '/sekrit/announce' }), port, '::1')) ?? new Uint8Array(), 6);
    assert.ok(r.action === 'announce');
    assert.deepEqual(r.peers, [{ ip: '::1', port: 7001 }]);
  } finally {
    a.close();
    await s.stop();
  }
});

test('the IP field of a UDP announce is ignored unless the source is a trusted proxy', async () => {
  for (const trusted of [false, true]) {
    const s = new TrackerServer({
      host: '127.0.0.1', httpPort: null, udpPort: 0,
      access: { trustedProxies: new Set(trusted ? ['127.0.0.1'] : []) },
    });
    const { udp } = await s.start();
    const port = udp?.port ?? 0;
    const a = await UdpProbe.open();
    try {
      const c = await connect(a, port);
      const p = announce(c, { n: 1 });
      p.set([8, 8, 4, 4], 84);
      await a.exchange(p, port);
      const r = decodeUdpResponse((await a.exchange(announce(c, { n: 2 }), port)) ?? new Uint8Array(), 4);
      assert.ok(r.action === 'announce');
      assert.deepEqual(r.peers.map((x) => x.ip), [trusted ? '8.8.4.4' : '127.0.0.1']);
    } finally {
      a.close();
      await s.stop();
    }
  }
});
