import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Choker, type ChokeDecision, type ChokerPeer } from '../../src/swarm/choker.js';
import { xoshiro128ss } from '../../src/swarm/random.js';

function peer(id: string, over: Partial<ChokerPeer> = {}): ChokerPeer {
  return {
    id, interested: true, amChoking: true, downloadRate: 0, uploadRate: 0,
    connectedAt: -1e6, snubbed: false, isSeed: false, ...over,
  };
}

/** Applies a decision to the snapshot, as the engine would after sending the messages. */
function apply(peers: ChokerPeer[], d: ChokeDecision): void {
  for (const p of peers) {
    if (d.unchoke.includes(p.id)) p.amChoking = false;
    if (d.choke.includes(p.id)) p.amChoking = true;
  }
}

const unchoked = (peers: ChokerPeer[]): string[] => peers.filter((p) => !p.amChoking).map((p) => String(p.id)).sort();

test('leeching: the 4 fastest senders plus one optimistic unchoke (BEP 3)', () => {
  const peers = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => peer(id, { downloadRate: (i + 1) * 1000 }));
  const c = new Choker({ random: xoshiro128ss(1), optimisticSlots: 1 });
  const d = c.tick(peers, 0, false);
  assert.deepEqual(d.choke, []);
  apply(peers, d);
  assert.deepEqual(c.regularPeers().sort(), ['c', 'd', 'e', 'f']);
  const opt = c.optimisticPeers();
  assert.equal(opt.length, 1);
  assert.ok(['a', 'b'].includes(String(opt[0])));
  assert.equal(unchoked(peers).length, 5);
  // Nothing is due: no changes.
  assert.deepEqual(c.tick(peers, 5000, false), { unchoke: [], choke: [] });
});

test('by default two optimistic unchokes, distinct and outside the regular slots', () => {
  const peers = 'abcdefgh'.split('').map((id, i) => peer(id, { downloadRate: (i + 1) * 1000 }));
  const c = new Choker({ random: xoshiro128ss(21) });
  apply(peers, c.tick(peers, 0, false));
  const opt = c.optimisticPeers();
  assert.equal(opt.length, 2);
  assert.notEqual(opt[0], opt[1]);
  for (const id of opt) assert.ok(['a', 'b', 'c', 'd'].includes(String(id)));
  assert.equal(unchoked(peers).length, 6);
});

test('regular slots are re-evaluated every 10 s, not sooner', () => {
  const peers = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => peer(id, { downloadRate: (i + 1) * 1000 }));
  const c = new Choker({ random: xoshiro128ss(2), optimisticSlots: 0 });
  apply(peers, c.tick(peers, 0, false));
  assert.deepEqual(unchoked(peers), ['c', 'd', 'e', 'f']);
  (peers[0] as ChokerPeer).downloadRate = 1e6; // 'a' becomes the best
  assert.deepEqual(c.tick(peers, 9999, false), { unchoke: [], choke: [] });
  const d = c.tick(peers, 10_000, false);
  assert.deepEqual(d, { unchoke: ['a'], choke: ['c'] });
  assert.equal(c.nextRoundAt, 20_000);
});

test('optimistic unchoke rotates every 30 s', () => {
  const peers = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id, i) => peer(id, { downloadRate: (i + 1) * 1000 }));
  const c = new Choker({ random: xoshiro128ss(3), optimisticSlots: 1 });
  apply(peers, c.tick(peers, 0, false));
  const first = c.optimisticPeers()[0];
  for (const t of [10_000, 20_000]) {
    apply(peers, c.tick(peers, t, false));
    assert.equal(c.optimisticPeers()[0], first, `kept at ${t}`);
  }
  const d = c.tick(peers, 30_000, false);
  apply(peers, d);
  const second = c.optimisticPeers()[0];
  assert.notEqual(second, first, 'rotated to another peer');
  assert.ok(['a', 'b', 'c', 'd'].includes(String(second)));
  assert.deepEqual(d.choke, [first]);
  assert.deepEqual(d.unchoke, [second]);
});

test('new peers are 3x as likely to be the optimistic unchoke', () => {
  let newPicked = 0;
  const trials = 600;
  for (let seed = 1; seed <= trials; seed++) {
    const c = new Choker({ random: xoshiro128ss(seed), slots: 0 });
    const peers = [peer('old1'), peer('old2'), peer('old3'), peer('new', { connectedAt: 100_000 })];
    c.tick(peers, 120_000, false);
    if (c.optimisticPeers()[0] === 'new') newPicked++;
  }
  // Expected 3 / (3 + 1 + 1 + 1) = 50%.
  assert.ok(newPicked > 0.42 * trials && newPicked < 0.58 * trials, `new peer picked ${newPicked} / ${trials}`);
});

test('snubbed peers lose their regular slot at once', () => {
  const peers = ['a', 'b', 'c', 'd', 'e'].map((id, i) => peer(id, { downloadRate: (i + 1) * 1000 }));
  const c = new Choker({ random: xoshiro128ss(4), optimisticSlots: 0 });
  apply(peers, c.tick(peers, 0, false));
  assert.deepEqual(unchoked(peers), ['b', 'c', 'd', 'e']);
  (peers[4] as ChokerPeer).snubbed = true; // 'e', the fastest so far
  const d = c.tick(peers, 1000, false);
  assert.deepEqual(d, { unchoke: ['a'], choke: ['e'] });
  apply(peers, d);
  apply(peers, c.tick(peers, 10_000, false));
  assert.deepEqual(unchoked(peers), ['a', 'b', 'c', 'd']);
});

test('seeding: rank by upload rate to the peer; seeds and uninterested peers stay choked', () => {
  const peers = [
    peer('a', { uploadRate: 10, downloadRate: 9e9 }),
    peer('b', { uploadRate: 50 }),
    peer('c', { uploadRate: 40 }),
    peer('s', { isSeed: true, interested: false, uploadRate: 1e9 }),
    peer('u', { interested: false, uploadRate: 1e9, amChoking: false }),
  ];
  const c = new Choker({ random: xoshiro128ss(5), slots: 1, seedSlots: 2, optimisticSlots: 0 });
  const d = c.tick(peers, 0, true);
  assert.deepEqual(d, { unchoke: ['b', 'c'], choke: ['u'] });
});

test('a seed has its own, larger slot count (16 by default); becoming a seed runs a full round at once', () => {
  const peers = Array.from({ length: 30 }, (_, i) => peer(`p${i}`, { downloadRate: i, uploadRate: i }));
  const c = new Choker({ random: xoshiro128ss(12), optimisticSlots: 0 });
  apply(peers, c.tick(peers, 0, false));
  assert.equal(unchoked(peers).length, 4);
  assert.equal(c.slots, 4);
  apply(peers, c.tick(peers, 1000, true)); // the last piece verified: now seeding, mid-round
  assert.equal(unchoked(peers).length, 16);
  assert.equal(c.slots, 16);
  assert.deepEqual(unchoked(peers), peers.slice(14).map((p) => String(p.id)).sort(), 'the 16 we upload to fastest');
});

test('a freed slot is refilled before the next round, best waiting peer first', () => {
  const peers = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => peer(id, { downloadRate: (i + 1) * 1000 }));
  const c = new Choker({ random: xoshiro128ss(6), optimisticSlots: 0 });
  apply(peers, c.tick(peers, 0, false));
  // 'f' leaves and 'e' loses interest.
  const rest = peers.filter((p) => p.id !== 'f');
  (rest[4] as ChokerPeer).interested = false;
  c.peerRemoved('f');
  const d = c.tick(rest, 2000, false);
  assert.deepEqual(d, { unchoke: ['a', 'b'], choke: ['e'] });
});

test('a peer that leaves its regular slot idle is benched until the next full round; seeds bench nobody', () => {
  const peers = ['a', 'b', 'c', 'd'].map((id, i) => peer(id, { downloadRate: (i + 1) * 1000 }));
  const c = new Choker({ random: xoshiro128ss(13), slots: 2, optimisticSlots: 0 });
  apply(peers, c.tick(peers, 0, false));
  assert.deepEqual(unchoked(peers), ['c', 'd']);
  (peers[3] as ChokerPeer).idle = true; // 'd' asks for nothing
  apply(peers, c.tick(peers, 2000, false));
  assert.deepEqual(unchoked(peers), ['b', 'c'], 'the next best takes the slot');
  (peers[3] as ChokerPeer).idle = false;
  apply(peers, c.tick(peers, 5000, false));
  assert.deepEqual(unchoked(peers), ['b', 'c'], 'benched for the rest of the round');
  apply(peers, c.tick(peers, 10_000, false));
  assert.deepEqual(unchoked(peers), ['c', 'd'], 'back on its rate at the full round');
  const seeding = new Choker({ random: xoshiro128ss(14), seedSlots: 2, optimisticSlots: 0 });
  const s = ['a', 'b', 'c'].map((id, i) => peer(id, { uploadRate: (i + 1) * 1000 }));
  apply(s, seeding.tick(s, 0, true));
  (s[2] as ChokerPeer).idle = true;
  apply(s, seeding.tick(s, 2000, true));
  assert.deepEqual(unchoked(s), ['b', 'c']);
});

test('a newly interested peer gets a free slot immediately', () => {
  const peers = [peer('a', { downloadRate: 5 }), peer('b', { interested: false })];
  const c = new Choker({ random: xoshiro128ss(7), optimisticSlots: 0 });
  apply(peers, c.tick(peers, 0, false));
  (peers[1] as ChokerPeer).interested = true;
  assert.deepEqual(c.tick(peers, 100, false), { unchoke: ['b'], choke: [] });
});

test('the optimistic peer that earns a regular slot is replaced', () => {
  const peers = ['a', 'b', 'c'].map((id, i) => peer(id, { downloadRate: (i + 1) * 1000 }));
  const c = new Choker({ random: xoshiro128ss(8), slots: 1, optimisticSlots: 1 });
  apply(peers, c.tick(peers, 0, false));
  const opt = c.optimisticPeers()[0] as string;
  (peers.find((p) => p.id === opt) as ChokerPeer).downloadRate = 1e9;
  apply(peers, c.tick(peers, 10_000, false));
  assert.deepEqual(c.regularPeers(), [opt]);
  assert.equal(c.optimisticPeers().length, 1);
  assert.notEqual(c.optimisticPeers()[0], opt);
  assert.equal(unchoked(peers).length, 2);
});

test('slot count is settable; ties keep the unchoked peer', () => {
  const peers = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => peer(id));
  const c = new Choker({ random: xoshiro128ss(9), optimisticSlots: 0 });
  apply(peers, c.tick(peers, 0, false));
  const before = unchoked(peers);
  assert.equal(before.length, 4);
  apply(peers, c.tick(peers, 10_000, false));
  assert.deepEqual(unchoked(peers), before, 'equal rates: no fibrillation');
  c.setSlots(2, 0);
  const d = c.tick(peers, 11_000, false);
  assert.equal(d.choke.length, 2);
  assert.deepEqual(d.unchoke, []);
  assert.throws(() => c.setSlots(-1));
});

test('deterministic for a given seed', () => {
  const run = (seed: number): string => {
    const peers = Array.from({ length: 30 }, (_, i) => peer(`p${i}`, { downloadRate: i % 5, connectedAt: i * 1000 }));
    const c = new Choker({ random: xoshiro128ss(seed) });
    const log: string[] = [];
    for (let t = 0; t <= 120_000; t += 1000) {
      const d = c.tick(peers, t, false);
      apply(peers, d);
      log.push(JSON.stringify(d));
    }
    return log.join('|');
  };
  assert.equal(run(11), run(11));
  assert.notEqual(run(11), run(12));
});

test('an idle uplink opens extra slots, one per idle tick up to the cap; each busy round closes one', () => {
  const peers = 'abcdefghij'.split('').map((id, i) => peer(id, { downloadRate: (10 - i) * 1000 }));
  const c = new Choker({ random: xoshiro128ss(7), optimisticSlots: 0, maxExtraSlots: 2 });
  apply(peers, c.tick(peers, 0, false));
  assert.deepEqual(unchoked(peers), ['a', 'b', 'c', 'd']);
  // Busy uplink: nothing changes between rounds.
  assert.deepEqual(c.tick(peers, 1000, false, false), { unchoke: [], choke: [] });
  // Idle: the best waiting peer gets an extra slot at once, then the next; the cap holds.
  assert.deepEqual(c.tick(peers, 2000, false, true), { unchoke: ['e'], choke: [] });
  apply(peers, { unchoke: ['e'], choke: [] });
  apply(peers, c.tick(peers, 3000, false, true));
  apply(peers, c.tick(peers, 4000, false, true));
  assert.deepEqual(unchoked(peers), ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.equal(c.slots, 6);
  // A full round after a round that idled keeps the extra slots...
  apply(peers, c.tick(peers, 10_000, false, false));
  assert.equal(c.slots, 6);
  // ...and each round without an idle tick closes one.
  apply(peers, c.tick(peers, 20_000, false, false));
  assert.deepEqual(unchoked(peers), ['a', 'b', 'c', 'd', 'e']);
  apply(peers, c.tick(peers, 30_000, false, false));
  assert.equal(c.slots, 4);
});

test('no extra slot while nobody is waiting for one', () => {
  const peers = ['a', 'b', 'c'].map((id) => peer(id));
  const c = new Choker({ random: xoshiro128ss(8), optimisticSlots: 0, maxExtraSlots: 4 });
  apply(peers, c.tick(peers, 0, false));
  c.tick(peers, 1000, false, true);
  assert.equal(c.slots, 4);
});
