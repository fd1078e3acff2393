import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/tracker/memory-store.js';
import type { StoreAnnounce } from '../../src/tracker/store.js';

const H = (n: number): Uint8Array => new Uint8Array(20).fill(n);
const P = (n: number): Uint8Array => {
  const b = new Uint8Array(20);
  new DataView(b.buffer).setUint32(16, n);
  return b;
};
const A4 = (n: number): Uint8Array => Uint8Array.of(10, 0, n >> 8, n & 255, 0x1a, 0xe1);
const A6 = (n: number): Uint8Array => {
  const b = new Uint8Array(18);
  b[0] = 0x20;
  b[15] = n;
  b[17] = 1;
  return b;
};

function ann(over: Partial<StoreAnnounce> & { peer: number }): StoreAnnounce {
  return {
    infoHash: H(1),
    peerId: P(over.peer),
    addr: A4(over.peer),
    event: 'none',
    seeder: false,
    numwant: 50,
    want: 'both',
    withPeerIds: false,
    now: 1_000_000,
    ttlMs: 60_000,
    ...over,
  };
}

test('counts seeders and leechers, never returns the peer to itself', () => {
  const s = new MemoryStore({ random: () => 0.5 });
  s.announce(ann({ peer: 1, event: 'started' }));
  s.announce(ann({ peer: 2, event: 'started', seeder: true }));
  const r = s.announce(ann({ peer: 3, event: 'started' }));
  assert.equal(r.complete, 1);
  assert.equal(r.incomplete, 2);
  assert.equal(r.peers4.length, 12);
  const got = new Set<string>();
  for (let i = 0; i < r.peers4.length; i += 6) got.add(r.peers4.subarray(i, i + 6).join(','));
  assert.ok(!got.has(A4(3).join(',')));
  assert.deepEqual(s.stats(), { swarms: 1, peers: 3, seeders: 1, leechers: 2 });
});

test('completed moves a leecher to seeders once and counts downloads; stopped removes', () => {
  const s = new MemoryStore();
  s.announce(ann({ peer: 1, event: 'started' }));
  let r = s.announce(ann({ peer: 1, event: 'completed', seeder: true }));
  assert.deepEqual([r.complete, r.incomplete, r.downloaded], [1, 0, 1]);
  r = s.announce(ann({ peer: 1, event: 'completed', seeder: true }));
  assert.equal(r.downloaded, 1, 'a repeated completed is not a second download');
  r = s.announce(ann({ peer: 1, event: 'stopped', seeder: true }));
  assert.deepEqual([r.complete, r.incomplete], [0, 0]);
  assert.equal(r.peers4.length, 0);
  assert.deepEqual(s.stats(), { swarms: 1, peers: 0, seeders: 0, leechers: 0 });
  assert.equal(s.sweep(2_000_000, 100), true);
  assert.equal(s.stats().swarms, 0, 'an empty swarm is dropped by the sweep');
});

test('seeders are not given seeders', () => {
  const s = new MemoryStore();
  s.announce(ann({ peer: 1, seeder: true }));
  s.announce(ann({ peer: 2 }));
  const r = s.announce(ann({ peer: 3, seeder: true }));
  assert.deepEqual(r.peers4, A4(2));
});

test('numwant caps the answer and the subset varies with randomness', () => {
  let seed = 1;
  const rnd = (): number => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const s = new MemoryStore({ random: rnd });
  for (let i = 0; i < 100; i++) s.announce(ann({ peer: i }));
  const seen = new Set<string>();
  for (let k = 0; k < 20; k++) {
    const r = s.announce(ann({ peer: 0, numwant: 10 }));
    assert.equal(r.peers4.length, 60);
    const batch = new Set<string>();
    for (let i = 0; i < 60; i += 6) batch.add(r.peers4.subarray(i, i + 6).join(','));
    assert.equal(batch.size, 10, 'no duplicates');
    for (const b of batch) seen.add(b);
  }
  assert.ok(seen.size > 50, `random subsets cover the swarm (saw ${seen.size})`);
});

test('IPv6 peers: separate families, want filters, peer ids returned in order', () => {
  const s = new MemoryStore();
  s.announce(ann({ peer: 1 }));
  s.announce(ann({ peer: 2, addr: A6(2) }));
  const both = s.announce(ann({ peer: 3, withPeerIds: true }));
  assert.deepEqual(both.peers4, A4(1));
  assert.deepEqual(both.peers6, A6(2));
  assert.deepEqual(both.peerIds, Uint8Array.from([...P(1), ...P(2)]));
  const v6only = s.announce(ann({ peer: 3, want: 'v6' }));
  assert.equal(v6only.peers4.length, 0);
  assert.equal(v6only.peers6.length, 18);
  // A peer that moves from IPv4 to IPv6 is listed once.
  s.announce(ann({ peer: 1, addr: A6(1) }));
  assert.equal(s.stats().peers, 3);
  const r = s.announce(ann({ peer: 3, want: 'v6' }));
  assert.equal(r.peers6.length, 36);
});

test('expiry: expired peers are not returned and are swept incrementally', () => {
  const s = new MemoryStore();
  for (let h = 0; h < 50; h++) for (let p = 0; p < 10; p++) s.announce(ann({ peer: p, infoHash: H(h), now: 0, ttlMs: 10_000 }));
  s.announce(ann({ peer: 99, infoHash: H(0), now: 5000, ttlMs: 60_000 }));
  assert.equal(s.stats().peers, 501);
  const r = s.announce(ann({ peer: 100, infoHash: H(0), now: 20_000, ttlMs: 60_000 }));
  assert.deepEqual(r.peers4, A4(99), 'expired peers are skipped before the sweep');
  let passes = 0;
  while (!s.sweep(20_000, 30)) passes++;
  assert.ok(passes >= 10, `bounded steps (took ${passes})`);
  assert.deepEqual(s.stats(), { swarms: 1, peers: 2, seeders: 0, leechers: 2 });
});

test('caps: swarms, peers per swarm', () => {
  const s = new MemoryStore({ maxSwarms: 2, maxPeersPerSwarm: 3 });
  s.announce(ann({ peer: 1, infoHash: H(1) }));
  s.announce(ann({ peer: 1, infoHash: H(2) }));
  assert.match(s.announce(ann({ peer: 1, infoHash: H(3) })).failure ?? '', /full/);
  for (let i = 2; i <= 3; i++) assert.equal(s.announce(ann({ peer: i })).warning, undefined);
  const r = s.announce(ann({ peer: 4 }));
  assert.match(r.warning ?? '', /full/);
  assert.equal(r.peers4.length, 18);
  assert.equal(s.stats().peers, 4);
  assert.equal(s.announce(ann({ peer: 9, infoHash: H(9), event: 'stopped' })).failure, undefined);
  assert.equal(s.stats().swarms, 2, 'a stopped announce does not create a swarm');
});
