// The order in which the piece picker starts NEW pieces for one peer.
//
// Three policies, all "highest priority first" and all limited to pieces the peer has:
//   random      the first few pieces of a download (see piece-picker.ts): any piece the peer has,
//               uniformly at random, so we quickly own something to trade;
//   rarest      rarest-first with random tie-breaking (the BEP 3 / libtorrent default);
//   sequential  lowest index first, for streaming.
//
// A source is created for one pickBlocks call and yields pieces best-first with peek(); the picker
// starts the piece it peeked (removing it from the bucket index) and peeks again. How the source
// finds pieces depends on how many pieces the peer has:
//   - a peer with many pieces: walk the bucket index best-first and stop at the first piece the
//     peer has. For a seed that is the very first entry, O(1). A walk that meets none of the
//     peer's pieces early jumps to the right entry with one pass over the peer's bitfield, so it
//     never costs much more than that pass (see bucketSource).
//   - a peer with few pieces (or a BEP 6 allowed-fast set while choked): list the candidates once
//     from the peer's bitfield (O(pieces / 8 + peer's pieces)) and sort them; walking the index
//     would visit almost every piece before meeting one the peer has.
import type { Bitfield } from './bitfield.js';
import { MAX_PRIORITY, type PieceBuckets } from './piece-buckets.js';
import type { Random } from './random.js';

export interface OrderContext {
  readonly buckets: PieceBuckets;
  /** Pieces we still want: every piece in `buckets` is one (so scans skip the others by bytes). */
  readonly want: Bitfield;
  readonly priority: Uint8Array;
  readonly availability: Uint32Array;
  readonly random: Random;
  readonly pieceCount: number;
  /** Per priority level: no piece below this index is startable at that level (sequential hint). */
  readonly seqCursor: Float64Array;
}

export type OrderMode = 'random' | 'rarest' | 'sequential';

export interface PieceSource {
  /** Best startable piece the peer has, or -1. Stays the same until that piece is started. */
  peek(): number;
}

/** Random probes tried before falling back to the ordered scan in 'random' mode. */
const RANDOM_PROBES = 16;
/** Index entries a walk visits before it considers jumping ahead (see bucketSource). */
const WALK_BUDGET = 16;
/** A jump's cost in walked entries per piece the peer has (bitfield pass, position and key reads). */
const JUMP_COST = 2;

/**
 * Builds the source for one pick. `wantPieces` estimates how many new pieces the caller may start;
 * it decides between walking the index and listing the peer's pieces.
 */
export function createSource(
  ctx: OrderContext,
  mode: OrderMode,
  peerHas: Bitfield,
  allowed: ReadonlySet<number> | undefined,
  wantPieces: number,
): PieceSource {
  if (allowed !== undefined) {
    const list: number[] = [];
    for (const p of allowed) if (p >>> 0 === p && p < ctx.pieceCount && peerHas.get(p) && ctx.buckets.has(p)) list.push(p);
    return listSource(ctx, mode, list);
  }
  const startable = ctx.buckets.size;
  const has = Math.max(1, peerHas.count);
  // Expected index entries visited before collecting `wantPieces` the peer has, vs. the cost of
  // one pass over the peer's bitfield plus sorting what it yields.
  const scanCost = Math.min(startable, (wantPieces * ctx.pieceCount) / has);
  const listCost = ctx.pieceCount / 8 + peerHas.count * 4;
  if (scanCost > listCost) {
    const list: number[] = [];
    for (let p = peerHas.nextSetIn(ctx.want, 0); p !== -1; p = peerHas.nextSetIn(ctx.want, p + 1)) if (ctx.buckets.has(p)) list.push(p);
    return listSource(ctx, mode, list);
  }
  if (mode === 'sequential') return sequentialSource(ctx, peerHas);
  return new BucketSource(ctx, peerHas, mode === 'random');
}

/** Sorts an explicit candidate list once by the policy, then hands it out. */
function listSource(ctx: OrderContext, mode: OrderMode, pieces: number[]): PieceSource {
  const { priority, availability, random, buckets } = ctx;
  const keyed = pieces.map((p) => ({
    p,
    prio: priority[p] as number,
    avail: mode === 'rarest' ? (availability[p] as number) : 0,
    tie: mode === 'sequential' ? p : random(),
  }));
  keyed.sort((a, b) => b.prio - a.prio || a.avail - b.avail || a.tie - b.tie);
  let i = 0;
  return {
    peek(): number {
      while (i < keyed.length) {
        const p = (keyed[i] as { p: number }).p;
        if (buckets.has(p)) return p;
        i++; // started by an earlier peek
      }
      return -1;
    },
  };
}

/**
 * Walks the bucket index best-first. Starting a piece removes it with swap-with-last, which puts
 * an unvisited piece at the current position; so the position is re-read, not advanced, after a
 * piece is taken.
 *
 * A walk that meets none of the peer's pieces in its first WALK_BUDGET entries may jump ahead:
 * one pass over the peer's bitfield finds the entry the walk would stop at (the peer's piece
 * that comes first in walk order at or after the current position), and the walk resumes there.
 * Same answer, cheaper when the peer has few of the startable pieces. That is common: a peer
 * whose pieces we already have or are fetching is walked past the whole index, after every piece
 * it announces (the swarm simulator's 1,000-peer flash crowd spent 13% of its time here).
 */
class BucketSource implements PieceSource {
  private probes: number;
  /** The walk's position: priority level, availability bucket, index in that bucket. */
  private level = MAX_PRIORITY;
  private avail = 0;
  private index = 0;
  /** Jumping costs about this many walked entries per piece the peer has. */
  private readonly jumpCost: number;

  // A class rather than closures: a source is made for most picks, and closures over this state
  // were three allocations each.
  constructor(private readonly ctx: OrderContext, private readonly peerHas: Bitfield, randomFirst: boolean) {
    this.probes = randomFirst ? RANDOM_PROBES : 0;
    this.jumpCost = JUMP_COST * peerHas.count;
  }

  peek(): number {
    const { buckets } = this.ctx;
    const peerHas = this.peerHas;
    while (this.probes > 0) {
      const top = buckets.topLevel();
      if (top === 0) return -1;
      const p = buckets.randomAt(top);
      if (peerHas.get(p)) return p;
      this.probes--;
    }
    let budget = WALK_BUDGET;
    while (this.level >= 1) {
      if (buckets.levelSize(this.level) > 0) {
        const n = buckets.bucketCount(this.level);
        while (this.avail < n) {
          const b = buckets.bucket(this.level, this.avail) as readonly number[];
          while (this.index < b.length) {
            const p = b[this.index] as number;
            if (peerHas.get(p)) return p;
            this.index++;
            if (--budget === 0 && this.jumpCost < buckets.size) return this.jump();
          }
          this.avail++;
          this.index = 0;
        }
      }
      this.level--;
      this.avail = 0;
      this.index = 0;
    }
    return -1;
  }

  /** Moves the walk to the first of the peer's pieces at or after its position; -1 if none. */
  private jump(): number {
    const { buckets, priority, availability, want } = this.ctx;
    const peerHas = this.peerHas;
    const level = this.level;
    const avail = this.avail;
    const index = this.index;
    let best = -1;
    let bestLevel = 0;
    let bestAvail = 0;
    let bestIndex = 0;
    for (let p = peerHas.nextSetIn(want, 0); p !== -1; p = peerHas.nextSetIn(want, p + 1)) {
      const i = buckets.position(p);
      if (i < 0) continue;
      // Walk order: level down, then availability up, then position in the bucket up.
      const l = priority[p] as number;
      if (l > level) continue;
      const a = availability[p] as number;
      if (l === level && (a < avail || (a === avail && i < index))) continue;
      if (best >= 0 && (l < bestLevel || (l === bestLevel && (a > bestAvail || (a === bestAvail && i > bestIndex))))) continue;
      best = p;
      bestLevel = l;
      bestAvail = a;
      bestIndex = i;
    }
    if (best < 0) {
      this.level = 0;
      return -1;
    }
    this.level = bestLevel;
    this.avail = bestAvail;
    this.index = bestIndex;
    return best;
  }
}

/** Lowest startable index the peer has, level by level. */
function sequentialSource(ctx: OrderContext, peerHas: Bitfield): PieceSource {
  const { buckets, priority, seqCursor, pieceCount } = ctx;
  const startableAt = (p: number, level: number): boolean => buckets.has(p) && priority[p] === level;
  let level = MAX_PRIORITY;
  let idx = -1;
  return {
    peek(): number {
      while (level >= 1) {
        if (buckets.levelSize(level) > 0) {
          if (idx < 0) {
            // Move the level's cursor past pieces that are no longer startable; amortised, since
            // the cursor only moves back when a piece becomes startable again.
            let c = seqCursor[level] as number;
            while (c < pieceCount && !startableAt(c, level)) c++;
            seqCursor[level] = c;
            idx = c;
          }
          for (idx = peerHas.nextSet(idx); idx !== -1; idx = peerHas.nextSet(idx + 1)) {
            if (startableAt(idx, level)) return idx;
          }
        }
        level--;
        idx = -1;
      }
      return -1;
    },
  };
}
