import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bitfield, SuperSeeder, SwarmError, xoshiro128ss } from '../../src/swarm/index.js';

const PIECE = 64 * 1024;

function seeder(pieceCount: number, offersPerPeer?: number): SuperSeeder {
  return new SuperSeeder({
    pieceCount,
    pieceSize: (p) => (p === pieceCount - 1 ? 1000 : PIECE),
    random: xoshiro128ss(7),
    ...(offersPerPeer !== undefined ? { offersPerPeer } : {}),
  });
}

test('each new peer is offered two pieces nobody else holds or was offered', () => {
  const s = seeder(10);
  const seen = new Set<number>();
  for (const peer of ['a', 'b', 'c', 'd', 'e']) {
    const offered = s.addPeer(peer);
    assert.equal(offered.length, 2);
    for (const p of offered) {
      assert.ok(!seen.has(p), `piece ${p} offered twice while others were unoffered`);
      seen.add(p);
      assert.equal(s.mayServe(peer, p), true);
    }
  }
  assert.equal(seen.size, 10);
  // Everything is offered once: the sixth peer gets pieces offered once, never more.
  assert.equal(s.addPeer('f').length, 2);
});

test('a peer may request only the pieces it was told of', () => {
  const s = seeder(20);
  const offered = s.addPeer('a');
  for (let p = 0; p < 20; p++) assert.equal(s.mayServe('a', p), offered.includes(p), `piece ${p}`);
  assert.equal(s.mayServe('nobody', offered[0] as number), false);
});

test('serving a whole offered piece retires the offer and offers another', () => {
  const s = seeder(8);
  const [first, second] = s.addPeer('a') as [number, number];
  assert.deepEqual(s.served('a', first, PIECE / 2), []);
  const next = s.served('a', first, PIECE / 2);
  assert.equal(next.length, 1);
  assert.ok(next[0] !== first && next[0] !== second);
  // The retired piece stays requestable (the peer may have to fetch it again).
  assert.equal(s.mayServe('a', first), true);
  // Bytes of a piece that is not on offer change nothing.
  assert.deepEqual(s.served('a', first, PIECE), []);
});

test('the short last piece retires after its own size', () => {
  const s = seeder(2, 2);
  s.addPeer('a');
  assert.equal(s.served('a', 1, 1000).length, 0, 'no other piece left to offer');
  assert.deepEqual(s.served('a', 0, PIECE), []);
  assert.ok(s.mayServe('a', 0) && s.mayServe('a', 1));
});

test("a have of an offered piece replaces it; a have of another only counts the piece as held", () => {
  const s = seeder(6);
  const offeredA = s.addPeer('a');
  const other = [0, 1, 2, 3, 4, 5].find((p) => !offeredA.includes(p)) as number;
  assert.deepEqual(s.peerHas('a', other), []);
  const replaced = s.peerHas('a', offeredA[0] as number);
  assert.equal(replaced.length, 1);
  assert.ok(replaced[0] !== other, 'a piece the peer holds is never offered to it');
});

test('pieces held by more peers are offered last', () => {
  const s = seeder(5, 1);
  // b and c announce pieces 0-2; their own offers move to 3 and 4, one each.
  s.addPeer('b');
  s.addPeer('c');
  const most = new Bitfield(5);
  for (const p of [0, 1, 2]) most.set(p);
  s.peerHasAll('b', most);
  s.peerHasAll('c', most);
  const told = [...['b', 'c'].map((peer) => [3, 4].filter((p) => s.mayServe(peer, p)))];
  assert.ok(told.every((t) => t.length === 1) && told[0]?.[0] !== told[1]?.[0], `offers ${JSON.stringify(told)}`);
  // Pieces 0-2 are held twice, 3 and 4 offered once: a newcomer gets 3 or 4.
  const [offered] = s.addPeer('a');
  assert.ok(offered === 3 || offered === 4, `offered ${offered}`);
});

test('once every piece is on offer, a piece nobody holds yet goes out before one that has a copy', () => {
  const s = seeder(3, 1);
  const [first] = s.addPeer('a') as [number];
  s.addPeer('b');
  s.addPeer('c');
  // a got its piece: it holds `first` and is offered one of the two others (now offered twice).
  const [again] = s.served('a', first, PIECE) as [number];
  assert.ok(again !== first);
  const third = [0, 1, 2].find((p) => p !== first && p !== again) as number;
  // Newcomers get the pieces nobody holds (fewest offers first), never the one that has a copy.
  assert.deepEqual(s.addPeer('d'), [third]);
  const [e] = s.addPeer('e') as [number];
  assert.notEqual(e, first);
});

test('a peer that holds everything is offered nothing, and a leaving peer no longer counts', () => {
  const s = seeder(3, 1);
  s.addPeer('seed');
  s.peerHasAll('seed', Bitfield.full(3));
  const a = s.addPeer('a');
  assert.equal(a.length, 1);
  s.removePeer('seed');
  s.removePeer('a');
  assert.equal(s.peerCount, 0);
  // Nothing is held or offered any more: a new peer may be offered the same piece again.
  const b = new Set<number>();
  for (let i = 0; i < 3; i++) {
    const peer = `p${i}`;
    for (const p of s.addPeer(peer)) b.add(p);
  }
  assert.equal(b.size, 3);
});

test('a torrent of 100,000 pieces: offers stay distinct while unoffered pieces remain', () => {
  const s = seeder(100_000);
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) for (const p of s.addPeer(`peer${i}`)) seen.add(p);
  assert.equal(seen.size, 1000);
});

test('bad arguments are refused with a SwarmError', () => {
  assert.throws(() => seeder(0), SwarmError);
  assert.throws(() => seeder(4, 0), SwarmError);
  const s = seeder(4);
  s.addPeer('a');
  assert.throws(() => s.addPeer('a'), (e: unknown) => e instanceof SwarmError && e.code === 'SWARM_BAD_ARGUMENT');
});
