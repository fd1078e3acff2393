import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { TrackerServer } from '../../src/tracker/index.js';
import {
  httpAnnounce,
  httpScrape,
  TrackerClientError,
  TrackerTiers,
  UdpTrackerClient,
  type AnnounceParams,
} from '../../src/discovery/index.js';
import { decodeUdpRequest, encodeUdpAnnounceResponse, encodeUdpConnectResponse, encodeUdpError } from '../../src/tracker-proto/index.js';

const ih = new Uint8Array(20).fill(0x33);
const params = (n: number, over: Partial<AnnounceParams> = {}): AnnounceParams => ({
  infoHash: ih,
  peerId: new Uint8Array(20).fill(n),
  port: 9000 + n,
  uploaded: 0,
  downloaded: 0,
  left: 10,
  event: 'started',
  key: 0x1234,
  ...over,
});

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

test('tiers: shuffled within a tier by the injected random, deduplicated, promotion moves to the front', () => {
  const t = new TrackerTiers([['a', 'b', 'c', 'd'], ['e', 'a'], []], lcg(7));
  const order = t.order();
  assert.deepEqual(order.map((e) => e.tier), [0, 0, 0, 0, 1]);
  assert.deepEqual(new Set(order.slice(0, 4).map((e) => e.url)), new Set(['a', 'b', 'c', 'd']));
  assert.deepEqual(new TrackerTiers([['a', 'b', 'c', 'd']], lcg(7)).order(), new TrackerTiers([['a', 'b', 'c', 'd']], lcg(7)).order());
  const third = order[2]?.url ?? '';
  t.promote(third);
  assert.equal(t.order()[0]?.url, third);
  t.promote('e');
  assert.deepEqual(t.snapshot()[1], ['e']);
});

test('HTTP and UDP announce and scrape against a shoal tracker', async () => {
  const s = new TrackerServer({ host: '127.0.0.1', httpPort: 0, udpPort: 0, intervalSec: 100 });
  const a = await s.start();
  const udp = new UdpTrackerClient({ timeoutMs: 500 });
  try {
    const http = `http://127.0.0.1:${a.http?.port}/announce`;
    const u = `udp://127.0.0.1:${a.udp?.port}/announce`;
    const r1 = await httpAnnounce(http, params(1));
    assert.equal(r1.interval, 100);
    assert.equal(r1.minInterval, 50);
    assert.equal(r1.externalIp, '127.0.0.1');
    assert.ok(r1.trackerId);
    const r2 = await udp.announce(u, params(2, { left: 0 }));
    assert.deepEqual(r2.peers, [{ ip: '127.0.0.1', port: 9001 }]);
    assert.equal(r2.complete, 1);
    assert.equal(r2.incomplete, 1);
    const r3 = await httpAnnounce(http, params(3, { trackerId: r1.trackerId }));
    assert.equal(r3.peers.length, 2);
    assert.deepEqual(await httpScrape(http, [ih, new Uint8Array(20)]), [
      { complete: 1, incomplete: 2, downloaded: 0 },
      { complete: 0, incomplete: 0, downloaded: 0 },
    ]);
    assert.deepEqual(await udp.scrape(u, [ih]), [{ complete: 1, incomplete: 2, downloaded: 0 }]);
    await assert.rejects(httpScrape('http://127.0.0.1:1/x', [ih]), (e: unknown) => e instanceof TrackerClientError && e.code === 'TRACKER_NO_SCRAPE');
  } finally {
    udp.close();
    await s.stop();
  }
});

test('tracker failure reasons become TRACKER_FAILURE over HTTP and UDP', async () => {
  const s = new TrackerServer({ host: '127.0.0.1', httpPort: 0, udpPort: 0, access: { allow: new Set(['00'.repeat(20)]) } });
  const a = await s.start();
  const udp = new UdpTrackerClient({ timeoutMs: 500 });
  try {
    const isFailure = (e: unknown): boolean => e instanceof TrackerClientError && e.code === 'TRACKER_FAILURE' && /unregistered/.test(e.message);
    await assert.rejects(httpAnnounce(`http://127.0.0.1:${a.http?.port}/announce`, params(1)), isFailure);
    await assert.rejects(udp.announce(`udp://127.0.0.1:${a.udp?.port}`, params(1)), isFailure);
  } finally {
    udp.close();
    await s.stop();
  }
});

test('HTTP client: unreachable, timeout and abort', async () => {
  await assert.rejects(httpAnnounce('http://127.0.0.1:1/announce', params(1)), (e: unknown) => e instanceof TrackerClientError && e.code === 'TRACKER_UNREACHABLE');
  const { createServer } = await import('node:http');
  const hang = createServer(() => undefined);
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  const port = (hang.address() as { port: number }).port;
  try {
    await assert.rejects(httpAnnounce(`http://127.0.0.1:${port}/announce`, params(1), { timeoutMs: 100 }), (e: unknown) => e instanceof TrackerClientError && e.code === 'TRACKER_TIMEOUT');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(httpAnnounce(`http://127.0.0.1:${port}/announce`, params(1), { signal: ac.signal }), { code: 'ABORTED' });
  } finally {
    hang.closeAllConnections();
    hang.close();
  }
});

test('UDP client: retransmits lost packets, reconnects on a stale id, ignores replies from elsewhere, times out', async () => {
  const server = createSocket('udp4');
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
  const port = server.address().port;
  const intruder = createSocket('udp4');
  await new Promise<void>((r) => intruder.bind(0, '127.0.0.1', r));
  let connects = 0;
  let announces = 0;
  let mode: 'drop-first' | 'stale-once' | 'silent' = 'drop-first';
  server.on('message', (m, r) => {
    const req = decodeUdpRequest(m);
    if (mode === 'silent') return;
    if (req.action === 'connect') {
      connects++;
      if (mode === 'drop-first' && connects === 1) return; // lost
      server.send(encodeUdpConnectResponse(req.transactionId, BigInt(connects)), r.port, r.address);
    } else if (req.action === 'announce') {
      announces++;
      // A forged reply from another port arrives first; the client must ignore it.
      intruder.send(encodeUdpAnnounceResponse(req.transactionId, 1, 0, 0, Uint8Array.of(6, 6, 6, 6, 0, 6)), r.port, r.address);
      if (mode === 'stale-once' && announces === 2) {
        server.send(encodeUdpError(req.transactionId, 'connection id expired or invalid'), r.port, r.address);
        return;
      }
      server.send(encodeUdpAnnounceResponse(req.transactionId, 60, 1, 2, Uint8Array.of(1, 2, 3, 4, 0, 80)), r.port, r.address);
    }
  });
  const c = new UdpTrackerClient({ timeoutMs: 100, retries: 3 });
  try {
    const r1 = await c.announce(`udp://127.0.0.1:${port}`, params(1));
    assert.deepEqual(r1.peers, [{ ip: '1.2.3.4', port: 80 }]);
    assert.equal(connects, 2, 'the lost connect was retransmitted');
    mode = 'stale-once';
    const r2 = await c.announce(`udp://127.0.0.1:${port}`, params(1));
    assert.equal(r2.interval, 60);
    assert.equal(connects, 3, 'a stale id triggered one fresh connect');
    mode = 'silent';
    const c2 = new UdpTrackerClient({ timeoutMs: 30, retries: 1 });
    await assert.rejects(c2.announce(`udp://127.0.0.1:${port}`, params(1)), (e: unknown) => e instanceof TrackerClientError && e.code === 'TRACKER_TIMEOUT');
    c2.close();
    await assert.rejects(c.announce('http://x/announce', params(1)), (e: unknown) => e instanceof TrackerClientError && e.code === 'TRACKER_UNSUPPORTED_URL');
  } finally {
    c.close();
    server.close();
    intruder.close();
  }
});
