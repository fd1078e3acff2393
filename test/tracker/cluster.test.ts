import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAnnounceResponse, decodeUdpResponse, encodeAnnounceQuery, encodeUdpAnnounceRequest, encodeUdpConnectRequest } from '../../src/tracker-proto/index.js';
import { shardOf } from '../../src/tracker/sharded-store.js';
import { killTracker, spawnTracker } from './spawn.js';
import { httpGet, UdpProbe } from './util.js';

test('shardOf spreads info hashes over the shards', () => {
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) {
    const s = shardOf(Uint8Array.of(i & 255, (i * 7) & 255, i >> 8, 3), 3);
    counts[s] = (counts[s] ?? 0) + 1;
  }
  assert.ok(counts.every((c) => c > 800), counts.join(','));
});

test('--workers 2 with the memory store: swarms sharded over processes, everyone sees everyone', { timeout: 60_000 }, async () => {
  const t = await spawnTracker('memory', ['--workers', '2']);
  const probe = await UdpProbe.open();
  try {
    const hashes = Array.from({ length: 8 }, (_, i) => new Uint8Array(20).fill(16 * i + 1));
    const pid = (n: number): Uint8Array => new Uint8Array(20).fill(200 + n);
    // Three HTTP peers per swarm (answered by whichever worker takes the connection).
    for (const h of hashes) {
      for (let n = 1; n <= 3; n++) {
        const q = encodeAnnounceQuery({ infoHash: h, peerId: pid(n), port: 6000 + n, uploaded: 0, downloaded: 0, left: n === 1 ? 0 : 5, event: 'started' });
        await httpGet(`http://127.0.0.1:${t.http}/announce?${q}`);
      }
    }
    // A UDP peer: one connection id, used for every swarm, whichever worker verifies it.
    const c = decodeUdpResponse((await probe.exchange(encodeUdpConnectRequest(1), t.udp)) ?? new Uint8Array(), 4);
    assert.ok(c.action === 'connect');
    for (const [i, h] of hashes.entries()) {
      const pkt = encodeUdpAnnounceRequest({
        connectionId: c.connectionId, transactionId: 10 + i, infoHash: h, peerId: pid(4), port: 6004,
        uploaded: 0, downloaded: 0, left: 5, event: 'started',
      });
      const r = decodeUdpResponse((await probe.exchange(pkt, t.udp)) ?? new Uint8Array(), 4);
      assert.equal(r.action, 'announce', `swarm ${i}: ${JSON.stringify(r)}`);
      if (r.action !== 'announce') continue;
      assert.deepEqual(r.peers.map((p) => p.port).sort(), [6001, 6002, 6003], `swarm ${i}`);
      assert.equal(r.seeders, 1);
      assert.equal(r.leechers, 3);
    }
    // Stats are totals over both shards.
    const st = JSON.parse((await httpGet(`http://127.0.0.1:${t.http}/stats`)).body.toString()) as { swarms: number; peers: number };
    assert.equal(st.swarms, 8);
    assert.equal(st.peers, 32);
    const d = decodeAnnounceResponse(
      (await httpGet(`http://127.0.0.1:${t.http}/scrape?${hashes.map((h) => `info_hash=${Buffer.from(h).toString('hex').replace(/../g, '%$&')}`).join('&')}`)).body,
    );
    assert.ok(d.ok, 'scrape answered');
  } finally {
    probe.close();
    assert.equal(await killTracker(t.child), 0);
  }
});
