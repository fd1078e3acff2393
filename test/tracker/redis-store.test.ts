import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RedisStore } from '../../src/tracker/redis-store.js';
import type { StoreAnnounce } from '../../src/tracker/store.js';
import { decodeAnnounceResponse, decodeUdpResponse, encodeAnnounceQuery, encodeUdpAnnounceRequest, encodeUdpConnectRequest } from '../../src/tracker-proto/index.js';
import { redisSkipReason, startRedis, type RedisHandle } from './redis-server.js';
import { httpGet, UdpProbe } from './util.js';
import { killTracker, spawnTracker } from './spawn.js';

const skip = redisSkipReason();
let redis: RedisHandle | undefined;
before(async () => {
  if (!skip) redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

const H = (n: number): Uint8Array => new Uint8Array(20).fill(n);
const P = (n: number): Uint8Array => new Uint8Array(20).fill(100 + n);
const A4 = (n: number): Uint8Array => Uint8Array.of(10, 0, 0, n, 0x1a, 0xe1);

function ann(over: Partial<StoreAnnounce> & { peer: number }): StoreAnnounce {
  return {
    infoHash: H(1), peerId: P(over.peer), addr: A4(over.peer), event: 'none', seeder: false, numwant: 50,
    want: 'both', withPeerIds: false, now: 1_000_000, ttlMs: 60_000, ...over,
  };
}

test('Redis store: counts, completed, stopped, peers never include self, peer ids', { skip }, async () => {
  const s = await RedisStore.connect(redis?.url ?? '', { prefix: `t1:${Date.now()}:` });
  try {
    await s.announce(ann({ peer: 1, event: 'started' }));
    await s.announce(ann({ peer: 2, event: 'started', seeder: true }));
    const r = await s.announce(ann({ peer: 3, event: 'started', withPeerIds: true }));
    assert.deepEqual([r.complete, r.incomplete, r.downloaded], [1, 2, 0]);
    assert.equal(r.peers4.length, 12);
    assert.equal(r.peerIds?.length, 40);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i += 6) seen.add(Buffer.from(r.peers4.subarray(i, i + 6)).toString('hex'));
    assert.ok(!seen.has(Buffer.from(A4(3)).toString('hex')));
    const c = await s.announce(ann({ peer: 1, event: 'completed', seeder: true }));
    assert.deepEqual([c.complete, c.incomplete, c.downloaded], [2, 1, 1]);
    const c2 = await s.announce(ann({ peer: 1, event: 'completed', seeder: true }));
    assert.equal(c2.downloaded, 1);
    const seedView = await s.announce(ann({ peer: 2, seeder: true }));
    assert.deepEqual(Buffer.from(seedView.peers4), Buffer.from(A4(3)), 'seeders get leechers only');
    const st = await s.announce(ann({ peer: 3, event: 'stopped' }));
    assert.deepEqual([st.complete, st.incomplete], [2, 0]);
    assert.deepEqual(await s.scrape([H(1), H(9)], 1_000_000), [
      { complete: 2, incomplete: 0, downloaded: 1 },
      { complete: 0, incomplete: 0, downloaded: 0 },
    ]);
    const stats = await s.stats(1_000_000);
    assert.equal(stats.swarms, 1);
    assert.equal(stats.seeders, 2);
  } finally {
    await s.close();
  }
});

test('Redis store: expired peers are not returned or counted; IPv6 family filter; cap', { skip }, async () => {
  const s = await RedisStore.connect(redis?.url ?? '', { prefix: `t2:${Date.now()}:`, maxPeersPerSwarm: 3 });
  try {
    await s.announce(ann({ peer: 1, now: 0, ttlMs: 10_000 }));
    const v6 = new Uint8Array(18);
    v6[15] = 1;
    v6[17] = 9;
    await s.announce(ann({ peer: 2, addr: v6, now: 5000 }));
    const r = await s.announce(ann({ peer: 3, now: 20_000 }));
    assert.equal(r.peers4.length, 0, 'the expired IPv4 peer is gone');
    assert.deepEqual(Buffer.from(r.peers6), Buffer.from(v6));
    assert.equal(r.incomplete, 2);
    const only4 = await s.announce(ann({ peer: 3, now: 20_000, want: 'v4' }));
    assert.equal(only4.peers6.length, 0);
    await s.announce(ann({ peer: 4, now: 20_000 }));
    const full = await s.announce(ann({ peer: 5, now: 20_000 }));
    assert.match(full.warning ?? '', /full/);
    assert.equal(full.incomplete, 3);
  } finally {
    await s.close();
  }
});

test('two tracker processes on different ports sharing one Redis return each other\'s peers', { skip, timeout: 60_000 }, async () => {
  const url = redis?.url ?? '';
  const [t1, t2] = await Promise.all([spawnTracker(url), spawnTracker(url)]);
  const probe = await UdpProbe.open();
  try {
    assert.notEqual(t1.http, t2.http);
    const ih = H(42);
    const q = (n: number): string =>
      encodeAnnounceQuery({ infoHash: ih, peerId: P(n), port: 5000 + n, uploaded: 0, downloaded: 0, left: 1, event: 'started' });
    await httpGet(`http://127.0.0.1:${t1.http}/announce?${q(1)}`);
    const r2 = decodeAnnounceResponse((await httpGet(`http://127.0.0.1:${t2.http}/announce?${q(2)}`)).body);
    assert.ok(r2.ok);
    assert.deepEqual(r2.peers, [{ ip: '127.0.0.1', port: 5001 }]);
    // UDP on the first process sees both.
    const c = decodeUdpResponse((await probe.exchange(encodeUdpConnectRequest(1), t1.udp)) ?? new Uint8Array(), 4);
    assert.ok(c.action === 'connect');
    const a = encodeUdpAnnounceRequest({
      connectionId: c.connectionId, transactionId: 2, infoHash: ih, peerId: P(3), port: 5003,
      uploaded: 0, downloaded: 0, left: 0, event: 'started',
    });
    const r3 = decodeUdpResponse((await probe.exchange(a, t1.udp)) ?? new Uint8Array(), 4);
    assert.ok(r3.action === 'announce');
    assert.deepEqual(r3.peers.map((p) => p.port).sort(), [5001, 5002]);
    assert.equal(r3.seeders, 1);
    assert.equal(r3.leechers, 2);
  } finally {
    probe.close();
    assert.equal(await killTracker(t1.child), 0, 'graceful exit on SIGTERM');
    await killTracker(t2.child);
  }
});

test('--workers 2: a cluster of processes shares the ports and the Redis swarms', { skip, timeout: 60_000 }, async () => {
  const t = await spawnTracker(redis?.url ?? '', ['--workers', '2']);
  try {
    const ih = H(77);
    const q = (n: number): string =>
      encodeAnnounceQuery({ infoHash: ih, peerId: P(n), port: 6000 + n, uploaded: 0, downloaded: 0, left: 1, event: 'started' });
    for (let n = 1; n <= 6; n++) await httpGet(`http://127.0.0.1:${t.http}/announce?${q(n)}`);
    const r = decodeAnnounceResponse((await httpGet(`http://127.0.0.1:${t.http}/announce?${q(7)}`)).body);
    assert.ok(r.ok);
    assert.equal(r.peers.length, 6, 'every announce is visible whichever worker took it');
  } finally {
    assert.equal(await killTracker(t.child), 0);
  }
});
