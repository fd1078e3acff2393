// The rarest-first index of the piece picker: pieces we could start, bucketed by
// (priority, availability).
//
// Rarest-first (BEP 3 "Algorithms"; the BitTorrent economics paper) downloads first the pieces the
// fewest connected peers have, so that rare pieces get replicated before their only holders leave,
// and so that we hold pieces others want (which earns us unchokes). Re-sorting 50,000 pieces on
// every 'have' message would be far too slow, so, like libtorrent, pieces live in buckets:
//
//   buckets[priority][availability] = [piece, piece, ...]     (unordered dense arrays)
//
// A 'have' moves one piece from bucket a to bucket a+1: a swap-with-last removal and a push, O(1).
// Picking walks priorities from 7 down to 1 and availabilities upwards, so the first piece the peer
// has is the best one. Ties are broken at random without any work at pick time: each piece is
// inserted at a uniformly random position of its bucket (the "inside-out" Fisher-Yates step), and
// swap-with-last removal keeps the order of the others uniformly random, so scanning a bucket from
// its start meets the pieces in a random order.
//
// Only pieces we could start live here: not verified, not in progress, priority > 0. Availability
// here excludes seeds: a seed adds one to every piece, which changes no ordering, so the picker
// counts seeds separately and a 'have all' is O(1) instead of O(pieces).
import { randomInt, type Random } from './random.js';

export const MAX_PRIORITY = 7;

export class PieceBuckets {
  /** buckets[priority][availability]: pieces with that key, in random order. */
  private readonly buckets: number[][][] = [];
  /** Position of a piece in its bucket, -1 when the piece is not in the index. */
  private readonly slot: Int32Array;
  private readonly perLevel = new Array<number>(MAX_PRIORITY + 1).fill(0);
  private total = 0;
  private readonly random: Random;

  constructor(pieceCount: number, random: Random) {
    this.slot = new Int32Array(pieceCount).fill(-1);
    this.random = random;
    for (let p = 0; p <= MAX_PRIORITY; p++) this.buckets.push([]);
  }

  /** Number of pieces in the index. */
  get size(): number {
    return this.total;
  }

  has(piece: number): boolean {
    return (this.slot[piece] as number) >= 0;
  }

  /** Position of `piece` in its bucket, -1 when it is not in the index. */
  position(piece: number): number {
    return this.slot[piece] as number;
  }

  /** Pieces of priority `priority` in the index. */
  levelSize(priority: number): number {
    return this.perLevel[priority] as number;
  }

  /** Highest priority with at least one piece, or 0 when empty. */
  topLevel(): number {
    for (let p = MAX_PRIORITY; p > 0; p--) if ((this.perLevel[p] as number) > 0) return p;
    return 0;
  }

  /** Pieces in the index that no connected peer (other than seeds) has. */
  unavailableCount(): number {
    let n = 0;
    for (let p = 1; p <= MAX_PRIORITY; p++) n += (this.buckets[p] as number[][])[0]?.length ?? 0;
    return n;
  }

  /** Bucket array for (priority, availability); undefined when never used. Read-only for callers. */
  bucket(priority: number, availability: number): readonly number[] | undefined {
    return (this.buckets[priority] as number[][])[availability];
  }

  /** Number of availability buckets allocated at `priority` (some may be empty). */
  bucketCount(priority: number): number {
    return (this.buckets[priority] as number[][]).length;
  }

  add(piece: number, priority: number, availability: number): void {
    const level = this.buckets[priority] as number[][];
    while (level.length <= availability) level.push([]);
    const b = level[availability] as number[];
    b.push(piece);
    // Move the new piece to a random position of its bucket so that ties are broken at random.
    const last = b.length - 1;
    const j = randomInt(this.random, b.length);
    if (j !== last) {
      const other = b[j] as number;
      b[j] = piece;
      b[last] = other;
      this.slot[other] = last;
    }
    this.slot[piece] = j;
    this.perLevel[priority] = (this.perLevel[priority] as number) + 1;
    this.total++;
  }

  remove(piece: number, priority: number, availability: number): void {
    const i = this.slot[piece] as number;
    const b = (this.buckets[priority] as number[][])[availability] as number[];
    const moved = b.pop() as number;
    if (moved !== piece) {
      b[i] = moved;
      this.slot[moved] = i;
    }
    this.slot[piece] = -1;
    this.perLevel[priority] = (this.perLevel[priority] as number) - 1;
    this.total--;
  }

  /** A uniformly random piece of level `priority` (which must be non-empty). O(buckets at that level). */
  randomAt(priority: number): number {
    let k = randomInt(this.random, this.perLevel[priority] as number);
    for (const b of this.buckets[priority] as number[][]) {
      if (k < b.length) return b[k] as number;
      k -= b.length;
    }
    return -1;
  }
}
