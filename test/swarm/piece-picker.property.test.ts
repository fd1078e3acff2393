// Random operation sequences against the piece picker, checked against a small model:
// requests only for pieces the peer has and we want, never twice by the same peer, end-game
// duplicates within the cap, the in-progress cap respected, bookkeeping consistent with a
// model, and the download always able to finish once a seed is present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Bitfield } from '../../src/swarm/bitfield.js';
import type { BlockRequest } from '../../src/swarm/geometry.js';
import { PiecePicker } from '../../src/swarm/piece-picker.js';
import { xoshiro128ss } from '../../src/swarm/random.js';

const B = 16384;

const opArb = fc.oneof(
  fc.record({ k: fc.constant('pick' as const), peer: fc.nat(3), max: fc.integer({ min: 0, max: 9 }), fast: fc.boolean() }),
  fc.record({ k: fc.constant('recv' as const), peer: fc.nat(3), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ k: fc.constant('reject' as const), peer: fc.nat(3) }),
  fc.record({ k: fc.constant('choke' as const), peer: fc.nat(3) }),
  fc.record({ k: fc.constant('check' as const), fail: fc.boolean() }),
  fc.record({ k: fc.constant('prio' as const), piece: fc.nat(11), prio: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ k: fc.constant('have' as const), peer: fc.nat(3), piece: fc.nat(11) }),
  fc.record({ k: fc.constant('rejoin' as const), peer: fc.nat(3), density: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

const caseArb = fc.record({
  pieces: fc.integer({ min: 1, max: 12 }),
  blocks: fc.integer({ min: 1, max: 4 }),
  tail: fc.integer({ min: 1, max: B * 4 }),
  sequential: fc.boolean(),
  cap: fc.integer({ min: 1, max: 5 }),
  dup: fc.integer({ min: 1, max: 3 }),
  randomFirst: fc.integer({ min: 0, max: 4 }),
  seed: fc.integer(),
  density: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
  ops: fc.array(opArb, { minLength: 5, maxLength: 120, size: 'max' }),
});

const key = (r: BlockRequest): string => `${r.piece}:${r.begin}`;

test('piece picker invariants under random operations', () => {
  fc.assert(fc.property(caseArb, (c) => {
    const pieceLength = c.blocks * B;
    const totalLength = (c.pieces - 1) * pieceLength + Math.min(c.tail, pieceLength);
    const random = xoshiro128ss(c.seed);
    const picker = new PiecePicker({
      geometry: { pieceCount: c.pieces, pieceLength, totalLength },
      random, sequential: c.sequential, maxPiecesInProgress: c.cap, endgameMaxRequesters: c.dup,
      randomFirstPieces: c.randomFirst,
    });
    const has: Bitfield[] = [];
    for (let i = 0; i < 4; i++) {
      const bf = new Bitfield(c.pieces);
      for (let p = 0; p < c.pieces; p++) if (random() < (c.density[i] as number)) bf.set(p);
      has.push(bf);
      picker.peerBitfield(i, bf);
    }
    const queues: BlockRequest[][] = [[], [], [], []];
    const requesters = new Map<string, Set<number>>();
    const received = new Set<string>();
    const complete = new Set<number>();
    const fastSet = new Set([0, 2, 4]);

    const forget = (peer: number, r: BlockRequest): void => {
      const q = queues[peer] as BlockRequest[];
      const i = q.findIndex((x) => key(x) === key(r));
      if (i >= 0) q.splice(i, 1);
      requesters.get(key(r))?.delete(peer);
    };
    const receive = (peer: number, r: BlockRequest): void => {
      const res = picker.blockReceived(peer, r);
      const others = [...(requesters.get(key(r)) ?? [])].filter((x) => x !== peer).sort();
      assert.equal(res.requested, requesters.get(key(r))?.has(peer) ?? false);
      if (res.accepted) {
        assert.equal(received.has(key(r)), false);
        assert.deepEqual([...res.cancel].map(Number).sort(), others);
        for (const o of others) forget(o, r);
        received.add(key(r));
      }
      forget(peer, r);
      if (res.pieceComplete) complete.add(r.piece);
    };
    const check = (fail: boolean): void => {
      for (const p of complete) {
        if (fail) {
          picker.pieceFailed(p);
        } else {
          assert.deepEqual(picker.pieceVerified(p), []);
        }
        for (const k of [...received]) if (k.startsWith(`${p}:`)) received.delete(k);
      }
      complete.clear();
    };

    for (const op of c.ops) {
      switch (op.k) {
        case 'pick': {
          const opts = op.fast ? { fastAllowed: fastSet } : undefined;
          // Re-enabling a piece's priority may push the count over the cap; picks never do.
          const activeBefore = picker.activePiecesInProgress;
          const got = picker.pickBlocks(op.peer, has[op.peer] as Bitfield, op.max, opts);
          assert.ok(got.length <= op.max);
          for (const r of got) {
            assert.ok((has[op.peer] as Bitfield).get(r.piece), 'peer has the piece');
            assert.ok(picker.wants(r.piece));
            if (op.fast) assert.ok(fastSet.has(r.piece));
            assert.equal(received.has(key(r)), false, 'never a received block');
            let set = requesters.get(key(r));
            if (set === undefined) requesters.set(key(r), (set = new Set()));
            assert.equal(set.has(op.peer), false, 'never twice by the same peer');
            set.add(op.peer);
            assert.ok(set.size <= Math.max(1, c.dup), 'end-game cap');
            (queues[op.peer] as BlockRequest[]).push(r);
          }
          assert.ok(picker.activePiecesInProgress <= Math.max(c.cap, activeBefore));
          break;
        }
        case 'recv':
          for (const r of (queues[op.peer] as BlockRequest[]).slice(0, op.n)) receive(op.peer, r);
          break;
        case 'reject': {
          const r = (queues[op.peer] as BlockRequest[])[0];
          if (r !== undefined) {
            assert.equal(picker.requestFailed(op.peer, r), true);
            forget(op.peer, r);
          }
          break;
        }
        case 'choke': {
          const released = picker.peerChoked(op.peer).map(key).sort();
          assert.deepEqual(released, (queues[op.peer] as BlockRequest[]).map(key).sort());
          for (const r of [...(queues[op.peer] as BlockRequest[])]) forget(op.peer, r);
          break;
        }
        case 'check':
          check(op.fail);
          break;
        case 'rejoin': {
          // The peer disconnects and a new one with other pieces takes its place.
          const released = picker.peerGone(op.peer).map(key).sort();
          assert.deepEqual(released, (queues[op.peer] as BlockRequest[]).map(key).sort());
          for (const r of [...(queues[op.peer] as BlockRequest[])]) forget(op.peer, r);
          picker.peerLost(op.peer, has[op.peer] as Bitfield);
          const bf = new Bitfield(c.pieces);
          for (let p = 0; p < c.pieces; p++) if (random() < op.density) bf.set(p);
          has[op.peer] = bf;
          if (bf.hasAll()) picker.peerHaveAll(op.peer);
          else picker.peerBitfield(op.peer, bf);
          break;
        }
        case 'prio':
          if (op.piece < c.pieces) picker.setPiecePriority(op.piece, op.prio);
          break;
        case 'have':
          if (op.piece < c.pieces && (has[op.peer] as Bitfield).set(op.piece)) picker.peerHave(op.peer, op.piece);
          break;
      }
      for (let i = 0; i < 4; i++) assert.equal(picker.outstandingCount(i), (queues[i] as BlockRequest[]).length);
      // Pieces in progress per the model: some block requested or received.
      const inProgress = new Set<number>();
      for (const [k, set] of requesters) if (set.size > 0) inProgress.add(Number(k.split(':')[0]));
      for (const k of received) inProgress.add(Number(k.split(':')[0]));
      assert.equal(picker.piecesInProgress, inProgress.size);
      const active = [...inProgress].filter((p) => picker.priority(p) > 0 && picker.availability(p) > 0).length;
      assert.equal(picker.activePiecesInProgress, active);
    }

    // Liveness: with a seed connected, everything wanted gets downloaded.
    const seed = Bitfield.full(c.pieces);
    picker.peerHaveAll('seed');
    for (let i = 0; i < 4; i++) for (const r of picker.peerChoked(i)) forget(i, r);
    check(false);
    for (let round = 0; !picker.isFinished(); round++) {
      assert.ok(round < 1000, 'download finishes');
      for (const r of picker.pickBlocks('seed', seed, 7)) {
        const res = picker.blockReceived('seed', r);
        assert.equal(res.accepted, true);
        if (res.pieceComplete) picker.pieceVerified(r.piece);
      }
    }
  }), { numRuns: 300, seed: 20240601 });
});
