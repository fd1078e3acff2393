// Scale check: the picker must stay cheap per event on big torrents (50,000 pieces, 200 peers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bitfield } from '../../src/swarm/bitfield.js';
import type { BlockRequest } from '../../src/swarm/geometry.js';
import { PiecePicker } from '../../src/swarm/piece-picker.js';
import { randomInt, xoshiro128ss } from '../../src/swarm/random.js';

test('50,000 pieces x 200 peers: every block picked and received in a few seconds', () => {
  const pieces = 50_000;
  const pieceLength = 2 * 16384;
  const peers = 200;
  const random = xoshiro128ss(42);
  const t0 = performance.now();
  const picker = new PiecePicker({
    geometry: { pieceCount: pieces, pieceLength, totalLength: pieces * pieceLength - 1000 },
    random,
  });
  const has: Bitfield[] = [];
  for (let i = 0; i < peers; i++) {
    let bf: Bitfield;
    if (i < 5) bf = Bitfield.full(pieces);
    else {
      // Peers hold between 1% and 90% of the pieces.
      const density = 0.01 + 0.89 * random();
      bf = new Bitfield(pieces);
      for (let p = 0; p < pieces; p++) if (random() < density) bf.set(p);
    }
    has.push(bf);
    picker.peerBitfield(i, bf);
  }
  const tSetup = performance.now();
  // Each peer keeps a queue of outstanding requests and answers the oldest few per round, so that
  // many pieces are partially downloaded at once.
  const queues: BlockRequest[][] = Array.from({ length: peers }, () => []);
  let rounds = 0;
  let received = 0;
  while (!picker.isFinished()) {
    assert.ok(++rounds < 10_000, 'download did not finish');
    for (let i = 0; i < peers; i++) {
      const q = queues[i] as BlockRequest[];
      const want = 16 - q.length;
      if (want > 0) q.push(...picker.pickBlocks(i, has[i] as Bitfield, want));
      const n = Math.min(q.length, 1 + randomInt(random, 8));
      for (const block of q.splice(0, n)) {
        const r = picker.blockReceived(i, block);
        if (r.accepted) received++;
        for (const other of r.cancel) {
          const oq = queues[other as number] as BlockRequest[];
          const k = oq.findIndex((x) => x.piece === block.piece && x.begin === block.begin);
          if (k >= 0) oq.splice(k, 1);
        }
        if (r.pieceComplete) picker.pieceVerified(block.piece);
      }
    }
  }
  const t1 = performance.now();
  assert.equal(picker.haveCount, pieces);
  assert.equal(received, pieces * 2);
  console.log(`# setup ${(tSetup - t0).toFixed(0)} ms, download ${(t1 - tSetup).toFixed(0)} ms, ${rounds} rounds`);
  assert.ok(t1 - t0 < 8000, `took ${(t1 - t0).toFixed(0)} ms`);
});
