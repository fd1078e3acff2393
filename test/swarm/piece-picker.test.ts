import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bitfield } from '../../src/swarm/bitfield.js';
import { SwarmError } from '../../src/swarm/errors.js';
import { PiecePicker } from '../../src/swarm/piece-picker.js';
import { xoshiro128ss } from '../../src/swarm/random.js';
import { all, bits, BLOCK, piecesOf, setup } from './helpers.js';

/** The piece the next pick of one block from `peerHas` starts. */
function nextPiece(p: PiecePicker, peerHas: Bitfield, peer = 'P'): number {
  const r = p.pickBlocks(peer, peerHas, 1);
  assert.equal(r.length, 1, 'expected one block');
  return (r[0] as { piece: number }).piece;
}

test('rarest first', () => {
  const p = setup({ avail: '3142433' });
  assert.deepEqual(piecesOf(p.pickBlocks('P', all(7), 8)), [1, 3]);
});

test('rarest first among the pieces the peer has', () => {
  const p = setup({ avail: '3121433' });
  assert.equal(nextPiece(p, bits('x.x.xx.')), 2);
});

test('pieces we have are never picked', () => {
  const p = setup({ avail: '3121433', have: '.x.x...' });
  assert.equal(nextPiece(p, all(7)), 2);
});

test('ties are broken at random, reproducibly from the seed', () => {
  const seen = new Set<number>();
  for (let seed = 1; seed <= 40; seed++) {
    const a = nextPiece(setup({ avail: '2112121', seed }), all(7));
    const b = nextPiece(setup({ avail: '2112121', seed }), all(7));
    assert.equal(a, b, 'same seed, same pick');
    assert.ok([1, 2, 4, 6].includes(a), `piece ${a} is not among the rarest`);
    seen.add(a);
  }
  assert.deepEqual([...seen].sort(), [1, 2, 4, 6]);
});

test('random first pieces: before we have 4, rarity is ignored', () => {
  const seen = new Set<number>();
  for (let seed = 1; seed <= 60; seed++) {
    const p = setup({ avail: '1999999', seed, randomFirstPieces: 4, have: 'xxx....' });
    seen.add(nextPiece(p, all(7)));
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6]);
  // With 4 pieces verified, rarest-first applies.
  const p = setup({ avail: '9999991', randomFirstPieces: 4, have: 'xxxx...' });
  assert.equal(nextPiece(p, all(7)), 6);
});

test('partially downloaded pieces are finished first', () => {
  const p = setup({ avail: '2221' });
  // A peer without piece 3 starts piece 0, 1 or 2 and takes one block of it.
  const first = p.pickBlocks('A', bits('xxx.'), 1);
  const started = (first[0] as { piece: number }).piece;
  // B has everything and piece 3 is rarest, but the started piece's 3 free blocks come first.
  const reqs = p.pickBlocks('B', all(4), 4);
  assert.deepEqual(reqs.slice(0, 3).map((r) => r.piece), [started, started, started]);
  assert.equal(reqs[3]?.piece, 3);
  assert.deepEqual(reqs.slice(0, 3).map((r) => r.begin), [BLOCK, 2 * BLOCK, 3 * BLOCK]);
});

test('a seed is asked for pieces nobody else has before partial pieces others can finish', () => {
  const p = setup({ avail: '110', blocks: 2, randomFirstPieces: 0 });
  p.peerHaveAll('S');
  // A (a non-seed holding piece 0) starts piece 0: one block outstanding, one free.
  p.peerBitfield('A', bits('x..'));
  assert.deepEqual(p.pickBlocks('A', bits('x..'), 1).map((r) => r.piece), [0]);
  // The seed gets piece 2 first (only seeds have it), then the rest of piece 0.
  assert.deepEqual(p.pickBlocks('S', all(3), 3).map((r) => r.piece), [2, 2, 0]);
});

test('most advanced partial piece first', () => {
  const p = setup({ avail: '1111', blocks: 4 });
  const a = p.pickBlocks('A', bits('x...'), 1); // piece 0: 1 block requested
  const b = p.pickBlocks('B', bits('.x..'), 3); // piece 1: 3 blocks requested
  assert.equal(a.length + b.length, 4);
  assert.deepEqual(piecesOf(p.pickBlocks('C', all(4), 1)), [1]);
});

test('priorities: 0 is skipped, higher first even over rarer, file ranges take the max', () => {
  const p = setup({ avail: '1234' });
  p.setPiecePriority(0, 0);
  assert.equal(p.wants(0), false);
  assert.equal(nextPiece(p, all(4)), 1);
  p.setPiecePriority(3, 7);
  // Piece 1 is partial (priority 4): the priority-7 piece 3 first, then piece 1, then piece 2.
  assert.deepEqual(piecesOf(p.pickBlocks('P', all(4), 8)), [3, 1, 2]);

  const q = setup({ avail: '111111' });
  q.setPriorities([
    { firstPiece: 0, lastPiece: 2, priority: 1 },
    { firstPiece: 2, lastPiece: 4, priority: 6 }, // piece 2 straddles both files
    { firstPiece: 5, lastPiece: 5, priority: 0 },
  ]);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => q.priority(i)), [1, 1, 6, 6, 6, 0]);
  assert.deepEqual(piecesOf(q.pickBlocks('P', all(6), 100)).slice(3).sort(), [0, 1]);
  assert.equal(q.isInteresting(bits('.....x')), false);
  assert.equal(q.isInteresting(bits('x....x')), true);
  assert.throws(() => q.setPiecePriority(0, 8), (e: unknown) => e instanceof SwarmError);
});

test('a higher-priority new piece beats a lower-priority partial piece', () => {
  const p = setup({ avail: '11' });
  p.pickBlocks('A', bits('x.'), 1); // piece 0 in progress
  p.setPiecePriority(1, 7);
  assert.deepEqual(piecesOf(p.pickBlocks('B', all(2), 5)), [1, 0]);
});

test('sequential mode ignores rarity', () => {
  const p = setup({ avail: '5551', have: 'x.......'.slice(0, 4), sequential: true });
  assert.deepEqual(piecesOf(p.pickBlocks('P', all(4), 12)), [1, 2, 3]);
  const q = setup({ avail: '99919', sequential: true });
  assert.equal(nextPiece(q, bits('..xxx')), 2);
  // A piece put back (all its requests released) is picked again in order.
  q.peerGone('P');
  assert.equal(nextPiece(q, all(5)), 0);
});

test('sequential mode with a peer that has few pieces', () => {
  const n = 2000;
  const p = new PiecePicker({
    geometry: { pieceCount: n, pieceLength: BLOCK, totalLength: n * BLOCK },
    random: xoshiro128ss(3), sequential: true,
  });
  const has = new Bitfield(n);
  for (const i of [1500, 700, 1999]) has.set(i);
  p.peerBitfield('P', has);
  assert.deepEqual(piecesOf(p.pickBlocks('P', has, 10)), [700, 1500, 1999]);
});

test('a peer with few pieces gets the rarest of them', () => {
  const n = 4000;
  const p = new PiecePicker({
    geometry: { pieceCount: n, pieceLength: BLOCK, totalLength: n * BLOCK },
    random: xoshiro128ss(3), randomFirstPieces: 0,
  });
  const seed = Bitfield.full(n);
  seed.clear(3000);
  p.peerBitfield('S', seed);
  const few = new Bitfield(n);
  for (const i of [10, 2000, 3000]) few.set(i);
  p.peerBitfield('F', few);
  // 3000 is held by F only; 10 and 2000 by both.
  assert.deepEqual(piecesOf(p.pickBlocks('F', few, 1)), [3000]);
  assert.deepEqual(piecesOf(p.pickBlocks('F', few, 2)).sort(), [10, 2000]);
  assert.deepEqual(p.pickBlocks('F', few, 2), []);
  assert.equal(p.availability(3000), 1);
  assert.equal(p.availability(10), 2);
});

test('end-game: duplicates for other peers only, capped per block, and cancels on arrival', () => {
  const p = setup({ avail: '11', blocks: 2, endgameMaxRequesters: 2, endgameQueue: 10 });
  const a = p.pickBlocks('A', all(2), 10);
  assert.equal(a.length, 4);
  assert.equal(p.inEndgame(), true);
  assert.deepEqual(p.pickBlocks('A', all(2), 10), [], 'never a duplicate of its own request');
  const b = p.pickBlocks('B', all(2), 10);
  assert.equal(b.length, 4);
  assert.deepEqual(p.pickBlocks('C', all(2), 10), [], 'two requesters per block at most');
  const first = a[0] as { piece: number; begin: number; length: number };
  const r = p.blockReceived('B', first);
  assert.deepEqual(r, { accepted: true, requested: true, cancel: ['A'], pieceComplete: false });
  // A's request was cancelled; its late copy is a duplicate.
  const late = p.blockReceived('A', first);
  assert.equal(late.accepted, false);
  assert.equal(late.requested, false);
  assert.equal(p.outstandingCount('A'), 3);
  assert.equal(p.outstandingCount('B'), 3);
});

test('end-game prefers blocks with the fewest requesters', () => {
  const p = setup({ avail: '1', blocks: 2, endgameMaxRequesters: 3, endgameQueue: 2 });
  p.pickBlocks('A', all(1), 1); // block 0
  p.pickBlocks('B', all(1), 1); // block 1
  const c = p.pickBlocks('C', all(1), 1);
  const d = p.pickBlocks('D', all(1), 2);
  assert.equal(c.length, 1);
  assert.equal(d.length, 2);
  assert.notEqual(d[0]?.begin, c[0]?.begin, 'the block C duplicated has 2 requesters now');
});

test('no end-game while startable pieces remain (in-progress cap)', () => {
  const p = setup({ avail: '1111', maxPiecesInProgress: 2 });
  assert.deepEqual(piecesOf(p.pickBlocks('A', all(4), 100)).length, 2);
  assert.equal(p.piecesInProgress, 2);
  assert.equal(p.inEndgame(), false);
  assert.deepEqual(p.pickBlocks('B', all(4), 100), [], 'cap reached: nothing new, no duplicates');
});

test('in-progress cap: only started pieces are picked until one is verified', () => {
  const p = setup({ avail: '1111', maxPiecesInProgress: 1 });
  const first = p.pickBlocks('A', all(4), 2);
  assert.equal(piecesOf(first).length, 1);
  const piece = first[0]?.piece as number;
  const second = p.pickBlocks('B', all(4), 10);
  assert.deepEqual(piecesOf(second), [piece]);
  assert.equal(second.length, 2);
  for (const r of [...first, ...second]) p.blockReceived(r === first[0] || r === first[1] ? 'A' : 'B', r);
  assert.equal(p.isPieceComplete(piece), true);
  assert.equal(p.pickBlocks('B', all(4), 10).length, 0, 'complete but unverified still holds the slot');
  p.pieceVerified(piece);
  assert.equal(p.pickBlocks('B', all(4), 10).length, 4);
});

test('a choke releases the peer\'s blocks to others', () => {
  const p = setup({ avail: '11' });
  const a = p.pickBlocks('A', all(2), 3);
  const released = p.peerChoked('A');
  assert.deepEqual(released.sort((x, y) => x.begin - y.begin), a);
  assert.equal(p.outstandingCount('A'), 0);
  assert.equal(p.piecesInProgress, 0, 'an untouched piece frees its in-progress slot');
  const b = p.pickBlocks('B', all(2), 8);
  assert.equal(b.length, 8);
});

test('released blocks of a piece with data stay in progress and are picked first', () => {
  const p = setup({ avail: '11' });
  const a = p.pickBlocks('A', all(2), 4);
  p.blockReceived('A', a[0] as { piece: number; begin: number; length: number });
  p.peerGone('A');
  assert.equal(p.piecesInProgress, 1);
  const b = p.pickBlocks('B', all(2), 3);
  assert.deepEqual(b.map((r) => [r.piece, r.begin]), [1, 2, 3].map((k) => [a[0]?.piece, k * BLOCK]));
});

test('end-game: duplicates only while the peer has fewer than endgameQueue requests outstanding', () => {
  const p = setup({ avail: '11', blocks: 2, endgameQueue: 2 });
  const a = p.pickBlocks('A', all(2), 10);
  assert.equal(a.length, 4);
  assert.equal(p.inEndgame(), true);
  // B has nothing outstanding: it may take two duplicates, not four.
  const b = p.pickBlocks('B', all(2), 10);
  assert.equal(b.length, 2);
  assert.deepEqual(p.pickBlocks('B', all(2), 10), [], 'its end-game queue is full');
  // One of them arrives: B may take one more.
  p.blockReceived('B', b[0] as { piece: number; begin: number; length: number });
  assert.equal(p.pickBlocks('B', all(2), 10).length, 1);
});

test('reject releases a single request', () => {
  const p = setup({ avail: '1', endgameQueue: 4 });
  const a = p.pickBlocks('A', all(1), 2);
  assert.equal(p.requestFailed('A', a[1] as { piece: number; begin: number; length: number }), true);
  assert.equal(p.requestFailed('A', a[1] as { piece: number; begin: number; length: number }), false);
  assert.equal(p.outstandingCount('A'), 1);
  const b = p.pickBlocks('B', all(1), 4);
  // Three free blocks, then (end-game: nothing left to start) a duplicate of A's block 0.
  assert.deepEqual(b.map((r) => r.begin), [BLOCK, 2 * BLOCK, 3 * BLOCK, 0]);
});

test('hash failure resets the piece and names its contributors', () => {
  const p = setup({ avail: '1' });
  const a = p.pickBlocks('A', all(1), 2);
  const b = p.pickBlocks('B', all(1), 2);
  for (const r of a) p.blockReceived('A', r);
  let last;
  for (const r of b) last = p.blockReceived('B', r);
  assert.equal(last?.pieceComplete, true);
  assert.deepEqual(p.pieceContributors(0).sort(), ['A', 'B']);
  assert.deepEqual(p.blockSources(0), ['A', 'A', 'B', 'B']);
  assert.deepEqual(p.pieceFailed(0).sort(), ['A', 'B']);
  assert.equal(p.piecesInProgress, 0);
  assert.equal(p.hasPiece(0), false);
  assert.equal(p.pickBlocks('C', all(1), 10).length, 4);
});

test('a peer with nothing to start is searched again only after the index or its pieces change', () => {
  const p = setup({ avail: '11', blocks: 1, endgameQueue: 1 });
  const one = bits('x.');
  assert.equal(p.pickBlocks('A', one, 1).length, 1); // piece 0
  assert.equal(p.pickBlocks('B', all(2), 1)[0]?.piece, 1);
  // Nothing left to start for C (it has piece 0 only, and 0 is in progress): end game takes
  // over; remembered as "nothing new".
  const c = bits('x.');
  assert.deepEqual(p.pickBlocks('C', c, 5).map((r) => r.piece), [0]);
  // Piece 0 fails its hash check: it is startable again, and C must see it.
  p.blockReceived('A', { piece: 0, begin: 0, length: BLOCK });
  p.pieceFailed(0);
  p.requestFailed('C', { piece: 0, begin: 0, length: BLOCK });
  assert.deepEqual(p.pickBlocks('C', c, 5).map((r) => r.piece), [0]);
  assert.equal(p.piecesInProgress, 2);
});

test('verification', () => {
  const p = setup({ avail: '11' });
  for (const r of p.pickBlocks('A', all(2), 4)) p.blockReceived('A', r);
  assert.equal(p.isFinished(), false);
  assert.deepEqual(p.pieceVerified(0), []);
  assert.equal(p.hasPiece(0), true);
  assert.equal(p.haveCount, 1);
  assert.equal(p.wants(0), false);
  assert.equal(p.pieceVerified(1).length, 0, 'a piece found on disk');
  assert.equal(p.isFinished(), true);
  assert.equal(p.bitfield().hasAll(), true);
});

test('BEP 6 allowed-fast: while choked only those pieces', () => {
  const p = setup({ avail: '111111' });
  const r = p.pickBlocks('P', all(6), 100, { fastAllowed: new Set([4, 2, 99]) });
  assert.deepEqual(piecesOf(r).sort(), [2, 4]);
  assert.equal(r.length, 8);
});

test('blocks: short last piece, malformed blocks, unsolicited data', () => {
  const p = new PiecePicker({
    geometry: { pieceCount: 3, pieceLength: 2 * BLOCK, totalLength: 2 * 2 * BLOCK + 100 },
    random: xoshiro128ss(9), randomFirstPieces: 0, sequential: true,
  });
  const r = p.pickBlocks('P', all(3), 10);
  assert.deepEqual(r.map((x) => [x.piece, x.begin, x.length]),
    [[0, 0, BLOCK], [0, BLOCK, BLOCK], [1, 0, BLOCK], [1, BLOCK, BLOCK], [2, 0, 100]]);
  const bad = (e: unknown): boolean => e instanceof SwarmError && e.code === 'SWARM_BAD_BLOCK';
  assert.throws(() => p.blockReceived('P', { piece: 3, begin: 0, length: BLOCK }), bad);
  assert.throws(() => p.blockReceived('P', { piece: 0, begin: 1, length: BLOCK }), bad);
  assert.throws(() => p.blockReceived('P', { piece: 2, begin: 0, length: BLOCK }), bad);
  assert.throws(() => p.blockReceived('P', { piece: 0, begin: 2 * BLOCK, length: BLOCK }), bad);
  const q = setup({ avail: '11' });
  assert.deepEqual(q.blockReceived('X', { piece: 1, begin: 0, length: BLOCK }),
    { accepted: true, requested: false, cancel: [], pieceComplete: false });
  assert.equal(q.piecesInProgress, 1);
  q.setPiecePriority(0, 0);
  assert.equal(q.blockReceived('X', { piece: 0, begin: 0, length: BLOCK }).accepted, false);
});

test('availability: bitfields, have-all seeds, haves, departures', () => {
  const p = setup({ avail: '0000' });
  p.peerBitfield('A', bits('xx..'));
  p.peerHaveAll('S');
  p.peerBitfield('T', all(4)); // a full bitfield is a seed too
  p.peerHave('B', 3);
  p.peerHave('S', 3); // ignored: already a seed
  assert.deepEqual([0, 1, 2, 3].map((i) => p.availability(i)), [3, 3, 2, 3]);
  assert.throws(() => p.peerBitfield('A', bits('....')), (e: unknown) => e instanceof SwarmError);
  p.peerLost('S', all(4));
  p.peerLost('A', bits('xx..'));
  p.peerLost('nobody', bits('xxxx'));
  assert.deepEqual([0, 1, 2, 3].map((i) => p.availability(i)), [1, 1, 1, 2]);
  assert.throws(() => p.peerHave('B', 4), (e: unknown) => e instanceof SwarmError && e.code === 'SWARM_INDEX_RANGE');
});

test('no pick from a peer with nothing we want', () => {
  const p = setup({ avail: '11', have: 'x.' });
  assert.deepEqual(p.pickBlocks('P', bits('x.'), 10), []);
  assert.deepEqual(p.pickBlocks('P', bits('.x'), 0), []);
  assert.equal(p.isInteresting(bits('x.')), false);
  assert.equal(p.isInteresting(bits('.x')), true);
});

// Regression (found by the property test): with a cap of 1, a partial piece whose priority was
// then set to 0 held the only slot forever and the download never finished.
test('pieces in progress that cannot advance do not hold the cap', () => {
  const p = setup({ avail: '111', maxPiecesInProgress: 1 });
  const a = p.pickBlocks('A', all(3), 1);
  const first = a[0]?.piece as number;
  p.blockReceived('A', a[0] as { piece: number; begin: number; length: number });
  p.setPiecePriority(first, 0);
  assert.equal(p.piecesInProgress, 1);
  assert.equal(p.activePiecesInProgress, 0);
  const b = p.pickBlocks('B', all(3), 4);
  assert.equal(piecesOf(b).length, 1);
  assert.notEqual(b[0]?.piece, first);
  assert.equal(p.activePiecesInProgress, 1);
});

test('an orphaned piece (its only holder left) frees its slot until a holder returns', () => {
  const p = setup({ avail: '00', maxPiecesInProgress: 1 });
  p.peerBitfield('A', bits('x.'));
  p.peerBitfield('B', bits('.x'));
  const a = p.pickBlocks('A', bits('x.'), 1);
  p.blockReceived('A', a[0] as { piece: number; begin: number; length: number });
  assert.deepEqual(p.pickBlocks('B', bits('.x'), 4), [], 'at the cap');
  p.peerGone('A');
  p.peerLost('A', bits('x.'));
  assert.equal(p.activePiecesInProgress, 0);
  assert.equal(p.pickBlocks('B', bits('.x'), 4).length, 4);
  p.peerBitfield('C', bits('x.'));
  assert.equal(p.activePiecesInProgress, 2, 'over the cap until one completes: no new starts');
  p.peerHaveAll('S');
  p.peerLost('B', bits('.x'));
  p.peerLost('C', bits('x.'));
  assert.equal(p.activePiecesInProgress, 2, 'a seed has everything');
  p.peerLost('S', all(2));
  assert.equal(p.activePiecesInProgress, 0);
});
