// The order in which new pieces are started: the index walk's jump ahead (pick-order.ts) must give
// exactly the pieces a plain walk gives, in the same order, including after pieces are started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bitfield } from '../../src/swarm/bitfield.js';
import { createSource, type OrderContext } from '../../src/swarm/pick-order.js';
import { MAX_PRIORITY, PieceBuckets } from '../../src/swarm/piece-buckets.js';
import { randomInt, xoshiro128ss } from '../../src/swarm/random.js';

/** The walk without a jump: what bucketSource returned before it learned to jump. */
function plainWalk(buckets: PieceBuckets, peerHas: Bitfield): () => number {
  let level = MAX_PRIORITY;
  let avail = 0;
  let index = 0;
  return () => {
    while (level >= 1) {
      if (buckets.levelSize(level) > 0) {
        const n = buckets.bucketCount(level);
        while (avail < n) {
          const b = buckets.bucket(level, avail) as readonly number[];
          while (index < b.length) {
            const p = b[index] as number;
            if (peerHas.get(p)) return p;
            index++;
          }
          avail++;
          index = 0;
        }
      }
      level--;
      avail = 0;
      index = 0;
    }
    return -1;
  };
}

test('rarest-first walk: jumping ahead yields the same pieces in the same order as walking', () => {
  const random = xoshiro128ss(7);
  let jumpsLikely = 0;
  for (let round = 0; round < 300; round++) {
    const n = 200 + randomInt(random, 3000);
    const buckets = new PieceBuckets(n, xoshiro128ss(round));
    const priority = new Uint8Array(n);
    const availability = new Uint32Array(n);
    const levels = 1 + randomInt(random, 3);
    for (let p = 0; p < n; p++) {
      priority[p] = random() < 0.05 ? 0 : 1 + randomInt(random, levels) * 3;
      availability[p] = randomInt(random, 1 + randomInt(random, 40));
      // Some pieces are verified or in progress: not in the index.
      if (priority[p] !== 0 && random() < 0.8) buckets.add(p, priority[p] as number, availability[p] as number);
    }
    const peerHas = new Bitfield(n);
    const density = random() < 0.5 ? random() * 0.05 : random();
    for (let p = 0; p < n; p++) if (random() < density) peerHas.set(p);
    if (peerHas.count < 8) continue; // createSource lists the pieces of a peer with so few
    if (2 * peerHas.count < buckets.size) jumpsLikely++;
    // Wanted: every piece of priority > 0, those in the index and those verified or in progress.
    const want = new Bitfield(n);
    for (let p = 0; p < n; p++) if (priority[p] !== 0) want.set(p);
    const ctx: OrderContext = {
      buckets, want, priority, availability, random, pieceCount: n, seqCursor: new Float64Array(MAX_PRIORITY + 1),
    };
    const source = createSource(ctx, 'rarest', peerHas, undefined, 1);
    const reference = plainWalk(buckets, peerHas);
    for (let step = 0; ; step++) {
      const p = source.peek();
      assert.equal(p, reference(), `round ${round}, step ${step}`);
      if (p < 0) break;
      // The picker may peek without starting (availability cap): the next peek repeats the piece.
      if (random() < 0.2) continue;
      buckets.remove(p, priority[p] as number, availability[p] as number);
    }
  }
  assert.ok(jumpsLikely > 50, `only ${jumpsLikely} rounds exercised the jump`);
});
