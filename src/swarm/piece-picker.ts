// The piece picker: which blocks to request from which peer (BEP 3 "Algorithms", BEP 6).
//
// The picker is the download's memory of what exists where. It knows, per piece, how many
// connected peers have it (availability), whether we have verified it, its priority, and, for the
// pieces in progress, the state of every 16 KiB block (see downloading.ts). The engine tells it
// what peers announce and what arrives; it answers pickBlocks(peer) with requests to send.
//
// Policy, in the order pickBlocks applies it:
//  1. Finish what is started. Blocks of pieces already in progress that the peer has come first
//     (most advanced piece first; lowest index first in sequential mode). A piece only becomes
//     useful, to us and to others, once complete and verified, and in-progress pieces hold memory.
//     A not-yet-started piece of strictly higher priority still goes first.
//  2. Start new pieces (pick-order.ts), highest priority first:
//       - while we have fewer than `randomFirstPieces` (default 4) verified pieces, at random among
//         those the peer has: the rarest pieces are by definition held by few peers and slow to
//         get, and a newcomer needs any complete piece quickly to have something to trade;
//       - then rarest-first, ties broken at random (so that peers do not all chase the same piece);
//       - or lowest index first in `sequential` mode (streaming).
//     Priorities 0..7 per piece, default 4; 0 means "do not download". File priorities arrive as
//     piece ranges; a piece shared by two files gets the higher of the two.
//     At most `maxPiecesInProgress` pieces are in progress at once (each holds a piece buffer until
//     verified); at the cap only blocks of started pieces are handed out. A piece in progress that
//     cannot advance (priority set to 0, or every peer that had it left) does not count toward the
//     cap, or a few orphaned pieces could stall the whole download.
//  3. End-game. Once no piece is left to start (every wanted piece is verified or in progress),
//     a peer whose queue has run dry gets blocks already requested from OTHER peers, up to
//     `endgameMaxRequesters` outstanding requests per block, fewest requesters first. BEP 3:
//     this stops the last pieces from trickling in through one slow peer. A peer only gets
//     duplicates while it has fewer than `endgameQueue` (1) requests outstanding, as in
//     libtorrent's strict end game: handing a fast peer a full pipeline of duplicates fetches
//     many blocks twice (the swarm simulator measured 17% duplicate bytes that way), while one
//     at a time still lets every idle peer race the slow ones. When a block arrives,
//     blockReceived names the other peers whose duplicate requests must now be cancelled.
//
// Availability counts peers, with seeds kept as one shared counter (see piece-buckets.ts). When
// a peer is choked (BEP 3) its outstanding requests are void: peerChoked releases them. With the
// fast extension (BEP 6) a choke does not cancel requests; the peer rejects each one, so the engine
// calls requestFailed per reject instead, and while choked asks pickBlocks with `fastAllowed`.
// A piece that fails its hash check goes back to "not started" and the picker reports which peers
// sent its blocks, so that the engine can ban the liar.
//
// Costs: availability updates and request bookkeeping are O(1); a pick costs O(partial pieces the
// picker holds + blocks returned), plus, for new pieces, O(1) for a seed and at most one pass over
// the peer's bitfield otherwise. End-game picks scan the blocks of the pieces in progress.
import { Bitfield } from './bitfield.js';
import type { DownloadingPiece } from './downloading.js';
import { SwarmError } from './errors.js';
import { Geometry, type BlockRequest } from './geometry.js';
import { InFlight, NO_PEERS, type PeerBlock } from './in-flight.js';
import { createSource, type OrderContext, type PieceSource } from './pick-order.js';
import { MAX_PRIORITY, PieceBuckets } from './piece-buckets.js';
import type { PeerId } from './types.js';

import type { BlockReceivedResult, PickOptions, PiecePickerOptions, PriorityRange } from './picker-types.js';

export type { PeerBlock } from './in-flight.js';
export type { BlockReceivedResult, PickOptions, PiecePickerOptions, PriorityRange } from './picker-types.js';

const DEFAULT_IN_PROGRESS_BYTES = 256 * 1024 * 1024;

/**
 * One pickBlocks call, passed to its helpers: a pick runs for every few blocks received, and
 * closures over these would be several allocations per pick.
 */
interface Pick {
  readonly peer: PeerId;
  readonly peerHas: Bitfield;
  readonly allowed: ReadonlySet<number> | undefined;
  readonly out: BlockRequest[];
  readonly max: number;
  /** Created on first use (sourceOf). */
  source: PieceSource | undefined;
}

export class PiecePicker {
  readonly geometry: Geometry;
  private readonly have: Bitfield;
  /** Pieces we still want: not verified and priority > 0. */
  private readonly want: Bitfield;
  private readonly prio: Uint8Array;
  /** Per piece, how many non-seed peers announced it. */
  private readonly avail: Uint32Array;
  private seeds = 0;
  /** Peers that announced pieces; true when counted as a seed. */
  private readonly announced = new Map<PeerId, boolean>();
  /** Pieces that could be started, by (priority, availability). */
  private readonly buckets: PieceBuckets;
  /** Pieces only one peer may be asked for (see reserve()). */
  private readonly reserved = new Map<number, PeerId>();
  private readonly flight: InFlight;
  /** Pieces in progress that count toward the cap (see countsTowardCap). */
  private active = 0;
  private readonly seqCursor = new Float64Array(MAX_PRIORITY + 1);
  private readonly order: OrderContext;
  private sequentialMode: boolean;
  private readonly randomFirst: number;
  private maxInProgress: number;
  private readonly maxRequesters: number;
  /** Bumped whenever a piece enters the startable index. */
  private indexVersion = 0;
  /**
   * Per peer, the (index version, peer's piece count) of the last full search that found no
   * piece to start: until either changes, searching again cannot succeed. A peer with nothing
   * new for us would otherwise walk the whole index after every verified piece.
   */
  private readonly nothingNew = new Map<PeerId, number>();
  private readonly endgameQueue: number;

  constructor(opts: PiecePickerOptions) {
    const g = (this.geometry = new Geometry(opts.geometry));
    const n = g.pieceCount;
    this.sequentialMode = opts.sequential ?? false;
    this.randomFirst = opts.randomFirstPieces ?? 4;
    this.maxInProgress = opts.maxPiecesInProgress ?? Math.max(8, Math.floor(DEFAULT_IN_PROGRESS_BYTES / g.pieceLength));
    this.maxRequesters = opts.endgameMaxRequesters ?? 3;
    this.endgameQueue = opts.endgameQueue ?? 1;
    if (!(this.maxInProgress >= 1)) throw new SwarmError('SWARM_BAD_ARGUMENT', 'maxPiecesInProgress must be >= 1');
    if (!(this.maxRequesters >= 1)) throw new SwarmError('SWARM_BAD_ARGUMENT', 'endgameMaxRequesters must be >= 1');
    if (!(this.endgameQueue >= 1)) throw new SwarmError('SWARM_BAD_ARGUMENT', 'endgameQueue must be >= 1');
    const dp = opts.defaultPriority ?? 4;
    checkPriority(dp);
    if (opts.have !== undefined && opts.have.size !== n) {
      throw new SwarmError('SWARM_BAD_ARGUMENT', `have bitfield of ${opts.have.size} pieces for a ${n}-piece torrent`);
    }
    this.have = opts.have?.clone() ?? new Bitfield(n);
    this.want = new Bitfield(n);
    this.prio = new Uint8Array(n).fill(dp);
    this.avail = new Uint32Array(n);
    this.buckets = new PieceBuckets(n, opts.random);
    this.flight = new InFlight(g, (piece) => {
      // The piece went back to "not started".
      if (this.countsTowardCap(piece)) this.active--;
      this.toIndex(piece);
    });
    this.order = {
      buckets: this.buckets, want: this.want, priority: this.prio, availability: this.avail,
      random: opts.random, pieceCount: n, seqCursor: this.seqCursor,
    };
    if (dp > 0) {
      for (let p = this.have.nextClear(0); p !== -1; p = this.have.nextClear(p + 1)) {
        this.want.set(p);
        this.buckets.add(p, dp, 0);
      }
    }
  }

  // ---- availability -------------------------------------------------------------------------

  /** The peer's initial bitfield (BEP 3). A full bitfield counts the peer as a seed. */
  peerBitfield(peer: PeerId, bitfield: Bitfield): void {
    this.checkSize(bitfield);
    if (bitfield.hasAll()) {
      this.peerHaveAll(peer);
      return;
    }
    this.announce(peer, false);
    for (let p = bitfield.nextSet(0); p !== -1; p = bitfield.nextSet(p + 1)) this.incAvail(p);
  }

  /** BEP 6 'have all': O(1), the peer joins the seed counter. */
  peerHaveAll(peer: PeerId): void {
    this.announce(peer, true);
    this.seeds++;
    if (this.seeds === 1) this.recountActive();
  }

  /**
   * A 'have' for a piece the peer did not have before (the caller checks that against its bitfield).
   * `knownLeecher`: the caller knows the peer is already announced here and not as a seed (an
   * earlier peerBitfield without every piece, or peerHave); the picker then skips its own lookup
   * of the peer, a measurable share of a large swarm's time, since 'have' is its commonest message.
   */
  peerHave(peer: PeerId, piece: number, knownLeecher = false): void {
    this.checkPiece(piece);
    if (!knownLeecher) {
      const seed = this.announced.get(peer);
      if (seed === true) return;
      if (seed === undefined) this.announced.set(peer, false);
    }
    this.incAvail(piece);
  }

  /** The peer left: forget what it announced. `bitfield` is its final bitfield. */
  peerLost(peer: PeerId, bitfield: Bitfield): void {
    this.nothingNew.delete(peer);
    const seed = this.announced.get(peer);
    if (seed === undefined) return;
    this.announced.delete(peer);
    if (seed) {
      this.seeds--;
      if (this.seeds === 0) this.recountActive();
      return;
    }
    this.checkSize(bitfield);
    for (let p = bitfield.nextSet(0); p !== -1; p = bitfield.nextSet(p + 1)) this.decAvail(p);
  }

  /** Number of connected peers known to have `piece`. */
  availability(piece: number): number {
    this.checkPiece(piece);
    return (this.avail[piece] as number) + this.seeds;
  }

  // ---- our pieces ---------------------------------------------------------------------------

  hasPiece(piece: number): boolean {
    return this.have.get(piece);
  }

  get haveCount(): number {
    return this.have.count;
  }

  /** A copy of our bitfield (what we announce). */
  bitfield(): Bitfield {
    return this.have.clone();
  }

  /** True when every piece with priority > 0 is verified. */
  isFinished(): boolean {
    return this.want.isEmpty();
  }

  /** Whether we want `piece` (not verified, priority > 0): is a peer's 'have' interesting? */
  wants(piece: number): boolean {
    return this.want.get(piece);
  }

  /** Does the peer have a piece we want? Decides our BEP 3 'interested' state. O(pieces / 8). */
  isInteresting(peerHas: Bitfield): boolean {
    this.checkSize(peerHas);
    return peerHas.intersects(this.want);
  }

  // ---- priorities and modes -----------------------------------------------------------------

  priority(piece: number): number {
    this.checkPiece(piece);
    return this.prio[piece] as number;
  }

  /** 0 = do not download, 1..7 = low..high. A piece in progress keeps its blocks either way. */
  setPiecePriority(piece: number, priority: number): void {
    this.checkPiece(piece);
    checkPriority(priority);
    const old = this.prio[piece] as number;
    if (old === priority) return;
    if (this.buckets.has(piece)) this.buckets.remove(piece, old, this.avail[piece] as number);
    const counted = this.flight.pieces.has(piece) && this.countsTowardCap(piece);
    this.prio[piece] = priority;
    if (this.flight.pieces.has(piece)) this.active += Number(this.countsTowardCap(piece)) - Number(counted);
    if (!this.have.get(piece)) {
      if (priority > 0) this.want.set(piece);
      else this.want.clear(piece);
    }
    this.toIndex(piece);
  }

  /**
   * Applies file priorities given as piece ranges. A piece covered by several ranges (it straddles
   * files) gets the highest; pieces covered by no range keep their priority.
   */
  setPriorities(ranges: readonly PriorityRange[]): void {
    const n = this.geometry.pieceCount;
    const next = new Int8Array(n).fill(-1);
    for (const r of ranges) {
      checkPriority(r.priority);
      this.checkPiece(r.firstPiece);
      this.checkPiece(r.lastPiece);
      for (let p = r.firstPiece; p <= r.lastPiece; p++) if (r.priority > (next[p] as number)) next[p] = r.priority;
    }
    for (let p = 0; p < n; p++) {
      const v = next[p] as number;
      if (v >= 0) this.setPiecePriority(p, v);
    }
  }

  get sequential(): boolean {
    return this.sequentialMode;
  }

  setSequential(on: boolean): void {
    this.sequentialMode = on;
    this.seqCursor.fill(0);
  }

  setMaxPiecesInProgress(n: number): void {
    if (!(n >= 1)) throw new SwarmError('SWARM_BAD_ARGUMENT', 'maxPiecesInProgress must be >= 1');
    this.maxInProgress = n;
  }

  // ---- picking ------------------------------------------------------------------------------

  /**
   * Up to `max` block requests for `peer`, recorded as outstanding for it. `peerHas` is the peer's
   * current bitfield. Returns [] when the peer has nothing we can ask for right now.
   */
  pickBlocks(peer: PeerId, peerHas: Bitfield, max: number, opts?: PickOptions): BlockRequest[] {
    this.checkSize(peerHas);
    const out: BlockRequest[] = [];
    if (!(max > 0)) return out;
    const allowed = opts?.fastAllowed;
    const pick: Pick = { peer, peerHas, allowed, out, max, source: undefined };
    // Pieces reserved for this peer (see reserve()) come first and only ever go to it.
    if (this.reserved.size > 0) {
      for (const [p, owner] of this.reserved) {
        if (owner !== peer || !peerHas.get(p) || !this.want.get(p) || (allowed !== undefined && !allowed.has(p))) continue;
        this.flight.takeFree(this.flight.pieces.get(p) ?? this.startPiece(p), peer, out, max);
        if (out.length >= max) return out;
      }
    }
    const partials = this.partialsFor(peer, peerHas, allowed);
    // Rarest-first applied to sources: what only this peer (and seeds) can give comes before
    // partial pieces that others could complete. A seed that is the swarm's bottleneck is then
    // asked for pieces nobody has rather than for the rest of pieces its neighbours are already
    // passing around (the swarm simulator's slow-seeder swarm had it upload 1.47 copies).
    const uniqueFirst = !this.sequentialMode && this.have.count >= this.randomFirst;
    // Availability counts this peer unless it is a seed (or never announced anything).
    const onlyHere = this.announced.get(peer) === false ? 1 : 0;
    // Pieces of availability <= uniqueLimit only this peer (and seeds) can give; none when -1.
    const uniqueLimit = uniqueFirst ? onlyHere : -1;
    if (uniqueFirst) {
      if (this.takePartials(pick, partials, uniqueLimit, true)) return out;
      this.takeNewPieces(pick, 1, onlyHere);
      if (out.length >= max) return out;
    }
    if (this.takePartials(pick, partials, uniqueLimit, false)) return out;
    const stamp = allowed === undefined ? this.indexVersion * (this.geometry.pieceCount + 1) + peerHas.count : -1;
    if (stamp < 0 || this.nothingNew.get(peer) !== stamp) {
      if (this.takeNewPieces(pick, 1) && stamp >= 0) this.nothingNew.set(peer, stamp);
    }
    if (out.length >= max || !this.inEndgame()) return out;
    // outstandingCount already includes what this call picked.
    const dupRoom = Math.min(max - out.length, this.endgameQueue - this.flight.outstandingCount(peer));
    if (dupRoom > 0) {
      const eligible = (p: number): boolean =>
        (this.prio[p] as number) > 0 && peerHas.get(p) && (allowed === undefined || allowed.has(p))
        && (this.reserved.get(p) ?? peer) === peer;
      this.flight.takeDuplicates(peer, eligible, this.maxRequesters, out, out.length + dupRoom);
    }
    return out;
  }

  /**
   * End-game is reached when no piece is left to start: every wanted piece that any connected peer
   * has is verified or in progress.
   */
  inEndgame(): boolean {
    const startable = this.buckets.size - (this.seeds > 0 ? 0 : this.buckets.unavailableCount());
    return startable === 0 && this.flight.size > 0;
  }

  /** In-progress pieces with free blocks that the peer may serve, best first. */
  private partialsFor(peer: PeerId, peerHas: Bitfield, allowed: ReadonlySet<number> | undefined): DownloadingPiece[] {
    const open = this.flight.open;
    if (open.size === 0) return [];
    const list: DownloadingPiece[] = [];
    for (const p of open) {
      if ((this.prio[p] as number) === 0 || !peerHas.get(p)) continue;
      if (this.reserved.size > 0 && this.reserved.has(p)) continue; // served first, to its owner only
      if (allowed !== undefined && !allowed.has(p)) continue;
      list.push(this.flight.pieces.get(p) as DownloadingPiece);
    }
    const seq = this.sequentialMode;
    const prio = this.prio;
    list.sort((a, b) => (prio[b.piece] as number) - (prio[a.piece] as number)
      || (seq ? 0 : a.none / a.blockCount - b.none / b.blockCount)
      || a.piece - b.piece);
    return list;
  }

  /**
   * Free blocks of the partial pieces whose availability is <= uniqueLimit (`unique`) or not
   * (`!unique`), in the given order, each after any new piece of strictly higher priority. True
   * when the pick is full.
   */
  private takePartials(pick: Pick, partials: readonly DownloadingPiece[], uniqueLimit: number, unique: boolean): boolean {
    const { out, max } = pick;
    for (const d of partials) {
      if (((this.avail[d.piece] as number) <= uniqueLimit) !== unique) continue;
      // A not-yet-started piece of strictly higher priority beats this partial piece.
      this.takeNewPieces(pick, (this.prio[d.piece] as number) + 1);
      if (out.length >= max) return true;
      this.flight.takeFree(d, pick.peer, out, max);
      if (out.length >= max) return true;
    }
    return false;
  }

  /**
   * Starts new pieces the peer has, of priority >= minPriority and (if given) availability <=
   * maxAvail. True when it ran out of such pieces (not of room, cap or availability).
   */
  private takeNewPieces(pick: Pick, minPriority: number, maxAvail = Infinity): boolean {
    const { out, max } = pick;
    while (out.length < max && this.active < this.maxInProgress) {
      if (this.buckets.topLevel() < minPriority) return true;
      const p = this.sourceOf(pick).peek();
      if (p < 0 || (this.prio[p] as number) < minPriority) return true;
      if ((this.avail[p] as number) > maxAvail) return false;
      this.flight.takeFree(this.startPiece(p), pick.peer, out, max);
    }
    return false;
  }

  /** The pick's source of new pieces, created on first use: most picks only continue started pieces. */
  private sourceOf(pick: Pick): PieceSource {
    if (pick.source === undefined) {
      const mode = this.sequentialMode ? 'sequential' : this.have.count < this.randomFirst ? 'random' : 'rarest';
      const wantPieces = Math.ceil((pick.max - pick.out.length) / this.geometry.blocksPerPiece);
      pick.source = createSource(this.order, mode, pick.peerHas, pick.allowed, wantPieces);
    }
    return pick.source;
  }

  private startPiece(p: number): DownloadingPiece {
    if (this.buckets.has(p)) this.buckets.remove(p, this.prio[p] as number, this.avail[p] as number);
    if (this.countsTowardCap(p)) this.active++;
    return this.flight.start(p);
  }

  // ---- block events -------------------------------------------------------------------------

  /**
   * A block arrived from `peer`. Throws SWARM_BAD_BLOCK if it is not one of our blocks in shape.
   * Data for a wanted piece is accepted even if unsolicited (a request released by a choke may
   * still be answered, BEP 3); `requested` tells the caller whether this peer had asked for it.
   */
  blockReceived(peer: PeerId, block: BlockRequest): BlockReceivedResult {
    const b = this.geometry.blockIndex(block);
    let d = this.flight.pieces.get(block.piece);
    if (d === undefined) {
      if (!this.want.get(block.piece)) return { accepted: false, requested: false, cancel: NO_PEERS, pieceComplete: false };
      d = this.startPiece(block.piece);
    }
    return this.flight.receive(peer, d, b);
  }

  /** The peer rejected a request (BEP 6 'reject request'); the block may be picked again. */
  requestFailed(peer: PeerId, block: BlockRequest): boolean {
    return this.flight.release(peer, block.piece, this.geometry.blockIndex(block));
  }

  /** We cancelled a request (e.g. it timed out); the block may be picked again. */
  cancelled(peer: PeerId, block: BlockRequest): boolean {
    return this.requestFailed(peer, block);
  }

  /** The peer choked us without the fast extension: all its requests are void. Returns them. */
  peerChoked(peer: PeerId): BlockRequest[] {
    return this.flight.releasePeer(peer);
  }

  /** The peer disconnected: releases its requests (call peerLost for its availability). */
  peerGone(peer: PeerId): BlockRequest[] {
    this.nothingNew.delete(peer);
    return this.flight.releasePeer(peer);
  }

  /** Outstanding requests recorded for `peer`. */
  outstandingCount(peer: PeerId): number {
    return this.flight.outstandingCount(peer);
  }

  // ---- piece events -------------------------------------------------------------------------

  /** All blocks of `piece` are received (the piece awaits its hash check). */
  isPieceComplete(piece: number): boolean {
    return this.flight.pieces.get(piece)?.complete ?? false;
  }

  /**
   * The piece passed its hash check (or was found on disk). Returns requests still outstanding for
   * it, which the caller cancels; normally none.
   */
  pieceVerified(piece: number): PeerBlock[] {
    this.checkPiece(piece);
    this.reserved.delete(piece);
    if (this.flight.pieces.has(piece) && this.countsTowardCap(piece)) this.active--;
    const cancels = this.flight.finish(piece);
    if (this.buckets.has(piece)) this.buckets.remove(piece, this.prio[piece] as number, this.avail[piece] as number);
    this.have.set(piece);
    this.want.clear(piece);
    return cancels;
  }

  /**
   * The piece failed its hash check: its data is discarded and it will be downloaded again.
   * Returns the peers that sent its blocks (candidates for a ban).
   */
  pieceFailed(piece: number): PeerId[] {
    this.checkPiece(piece);
    return this.flight.fail(piece);
  }

  /**
   * Reserves a piece for one peer: only that peer is given its blocks, and before anything else.
   * After a piece made of several peers' blocks fails its hash check nobody can tell who lied;
   * downloading it again whole from one peer settles it: a second failure convicts that peer, a
   * pass clears it and lets the corrupt blocks of the first attempt name the liar (libtorrent
   * calls this parole).
   */
  reserve(piece: number, peer: PeerId): void {
    this.checkPiece(piece);
    this.reserved.set(piece, peer);
    if (this.buckets.has(piece)) this.buckets.remove(piece, this.prio[piece] as number, this.avail[piece] as number);
  }

  /** Ends a reservation; the piece is open to every peer again. */
  unreserve(piece: number): void {
    if (this.reserved.delete(piece)) this.toIndex(piece);
  }

  /** The peer a piece is reserved for, if any. */
  reservedFor(piece: number): PeerId | undefined {
    return this.reserved.get(piece);
  }

  /** Pieces reserved for `peer`. */
  reservationsOf(peer: PeerId): number[] {
    const out: number[] = [];
    for (const [p, owner] of this.reserved) if (owner === peer) out.push(p);
    return out;
  }

  /** Distinct peers that sent blocks of a piece in progress. */
  pieceContributors(piece: number): PeerId[] {
    return this.flight.pieces.get(piece)?.contributors() ?? [];
  }

  /** For a piece in progress, the sender of each block (undefined where not received). */
  blockSources(piece: number): (PeerId | undefined)[] {
    return [...(this.flight.pieces.get(piece)?.from ?? [])];
  }

  get piecesInProgress(): number {
    return this.flight.size;
  }

  /** Pieces in progress that count toward `maxPiecesInProgress`. */
  get activePiecesInProgress(): number {
    return this.active;
  }

  // ---- internals ----------------------------------------------------------------------------

  private announce(peer: PeerId, seed: boolean): void {
    if (this.announced.has(peer)) {
      throw new SwarmError('SWARM_BAD_ARGUMENT', `peer ${String(peer)} announced its pieces twice`);
    }
    this.announced.set(peer, seed);
  }

  /** Puts `piece` in the startable index if it belongs there and is not already. */
  private toIndex(piece: number): void {
    const pr = this.prio[piece] as number;
    if (pr === 0 || this.have.get(piece) || this.flight.pieces.has(piece) || this.buckets.has(piece) || this.reserved.has(piece)) return;
    this.buckets.add(piece, pr, this.avail[piece] as number);
    this.indexVersion++;
    if (piece < (this.seqCursor[pr] as number)) this.seqCursor[pr] = piece;
  }

  private incAvail(p: number): void {
    this.setAvail(p, (this.avail[p] as number) + 1);
  }

  private decAvail(p: number): void {
    const a = this.avail[p] as number;
    if (a > 0) this.setAvail(p, a - 1);
  }

  private setAvail(p: number, next: number): void {
    const a = this.avail[p] as number;
    if (this.buckets.has(p)) {
      const pr = this.prio[p] as number;
      this.buckets.remove(p, pr, a);
      this.buckets.add(p, pr, next);
    } else if (this.seeds === 0 && (a === 0) !== (next === 0) && this.flight.pieces.has(p) && (this.prio[p] as number) > 0) {
      // An in-progress piece became (un)available: it starts or stops counting toward the cap.
      this.active += next === 0 ? -1 : 1;
    }
    this.avail[p] = next;
  }

  /**
   * Whether an in-progress piece counts toward the cap: it is wanted and some connected peer has it.
   * Orphaned pieces (nobody has them) and unwanted ones would otherwise hold slots forever.
   */
  private countsTowardCap(p: number): boolean {
    return (this.prio[p] as number) > 0 && ((this.avail[p] as number) > 0 || this.seeds > 0);
  }

  private recountActive(): void {
    let n = 0;
    for (const p of this.flight.pieces.keys()) if (this.countsTowardCap(p)) n++;
    this.active = n;
  }

  private checkPiece(piece: number): void {
    if (piece >>> 0 !== piece || piece >= this.geometry.pieceCount) {
      throw new SwarmError('SWARM_INDEX_RANGE', `piece index ${piece} out of range [0, ${this.geometry.pieceCount})`);
    }
  }

  private checkSize(bf: Bitfield): void {
    if (bf.size !== this.geometry.pieceCount) {
      throw new SwarmError('SWARM_BAD_ARGUMENT', `bitfield of ${bf.size} pieces for a ${this.geometry.pieceCount}-piece torrent`);
    }
  }
}

function checkPriority(p: number): void {
  if (!Number.isInteger(p) || p < 0 || p > MAX_PRIORITY) {
    throw new SwarmError('SWARM_BAD_ARGUMENT', `piece priority ${p} is not an integer in 0..${MAX_PRIORITY}`);
  }
}
