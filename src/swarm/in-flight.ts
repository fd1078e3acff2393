// Bookkeeping of the blocks in flight: pieces in progress and each peer's outstanding requests.
//
// This is the half of the piece picker that does not decide anything: it records which peer asked
// for which block, what arrived from whom, and releases requests when a peer chokes us, rejects a
// request or disconnects. The policy half (piece-picker.ts) decides what to ask for.
//
// A piece in progress whose blocks are all back in state none (no data, no request) is handed back
// through `onUntouched`, so that it counts as "not started" again and frees its in-progress slot.
import { BLOCK_RECEIVED, BLOCK_REQUESTED, DownloadingPiece, NO_PEERS } from './downloading.js';
import type { BlockRequest, Geometry } from './geometry.js';
import type { PeerId } from './types.js';

export interface PeerBlock {
  peer: PeerId;
  block: BlockRequest;
}

export interface ReceiveOutcome {
  accepted: boolean;
  requested: boolean;
  cancel: readonly PeerId[];
  pieceComplete: boolean;
}

/** The usual `cancel`: shared, since a block arrives for every 16 KiB received and rarely has duplicates. */
export { NO_PEERS };

export class InFlight {
  /** Pieces in progress, including complete ones awaiting their hash check. */
  readonly pieces = new Map<number, DownloadingPiece>();
  /** Pieces in progress with at least one block in state none. */
  readonly open = new Set<number>();
  /** Per peer, its outstanding requests as piece * blocksPerPiece + block. */
  private readonly outstanding = new Map<PeerId, Set<number>>();
  private readonly geometry: Geometry;
  private readonly onUntouched: (piece: number) => void;

  constructor(geometry: Geometry, onUntouched: (piece: number) => void) {
    this.geometry = geometry;
    this.onUntouched = onUntouched;
  }

  get size(): number {
    return this.pieces.size;
  }

  start(piece: number): DownloadingPiece {
    const d = new DownloadingPiece(piece, this.geometry.blocksIn(piece));
    this.pieces.set(piece, d);
    this.open.add(piece);
    return d;
  }

  outstandingCount(peer: PeerId): number {
    return this.outstanding.get(peer)?.size ?? 0;
  }

  /** Requests free blocks of `d` for `peer`, in block order, until `out` holds `max`. */
  takeFree(d: DownloadingPiece, peer: PeerId, out: BlockRequest[], max: number): void {
    while (out.length < max) {
      const b = d.nextNone();
      if (b < 0) break;
      this.addRequest(d, b, peer, out);
    }
    if (d.none === 0) this.open.delete(d.piece);
  }

  /**
   * End-game: requests blocks that other peers already requested, fewest requesters first, never
   * two requests from the same peer, at most `maxRequesters` per block.
   */
  takeDuplicates(peer: PeerId, eligible: (piece: number) => boolean, maxRequesters: number,
    out: BlockRequest[], max: number): void {
    for (let r = 1; r < maxRequesters; r++) {
      for (const d of this.pieces.values()) {
        if (d.none + d.received === d.blockCount || !eligible(d.piece)) continue;
        for (let b = 0; b < d.blockCount; b++) {
          if (d.state[b] !== BLOCK_REQUESTED) continue;
          const list = d.requesters[b] as PeerId[];
          if (list.length !== r || list.includes(peer)) continue;
          this.addRequest(d, b, peer, out);
          if (out.length >= max) return;
        }
      }
    }
  }

  private addRequest(d: DownloadingPiece, b: number, peer: PeerId, out: BlockRequest[]): void {
    d.addRequester(b, peer);
    let set = this.outstanding.get(peer);
    if (set === undefined) this.outstanding.set(peer, (set = new Set()));
    set.add(this.key(d.piece, b));
    out.push(this.geometry.request(d.piece, b));
  }

  /** Block `b` of in-progress piece `d` arrived from `peer`. */
  receive(peer: PeerId, d: DownloadingPiece, b: number): ReceiveOutcome {
    const key = this.key(d.piece, b);
    const requested = this.outstanding.get(peer)?.delete(key) ?? false;
    if (d.state[b] === BLOCK_RECEIVED) {
      // Lost an end-game race, or a peer sending what we already have.
      return { accepted: false, requested, cancel: NO_PEERS, pieceComplete: false };
    }
    let cancel: PeerId[] | undefined;
    for (const q of d.receive(b, peer)) {
      if (q === peer) continue;
      (cancel ??= []).push(q);
      this.outstanding.get(q)?.delete(key);
    }
    if (d.none === 0) this.open.delete(d.piece);
    return { accepted: true, requested, cancel: cancel ?? NO_PEERS, pieceComplete: d.complete };
  }

  /** Forgets one outstanding request (rejected, cancelled, timed out). False if there was none. */
  release(peer: PeerId, piece: number, b: number): boolean {
    const d = this.pieces.get(piece);
    if (d === undefined || !(this.outstanding.get(peer)?.delete(this.key(piece, b)) ?? false)) return false;
    d.removeRequester(b, peer);
    this.settle(d);
    return true;
  }

  /** Forgets every outstanding request of `peer`; returns them. */
  releasePeer(peer: PeerId): BlockRequest[] {
    const set = this.outstanding.get(peer);
    if (set === undefined) return [];
    this.outstanding.delete(peer);
    const bpp = this.geometry.blocksPerPiece;
    const released: BlockRequest[] = [];
    const touched = new Set<DownloadingPiece>();
    for (const key of set) {
      const piece = Math.floor(key / bpp);
      const b = key - piece * bpp;
      const d = this.pieces.get(piece);
      if (d === undefined) continue;
      d.removeRequester(b, peer);
      touched.add(d);
      released.push(this.geometry.request(piece, b));
    }
    for (const d of touched) this.settle(d);
    return released;
  }

  /** The piece is done with (verified): drops it; returns requests still outstanding for it. */
  finish(piece: number): PeerBlock[] {
    const d = this.pieces.get(piece);
    if (d === undefined) return [];
    this.pieces.delete(piece);
    this.open.delete(piece);
    const cancels: PeerBlock[] = [];
    for (let b = 0; b < d.blockCount; b++) {
      for (const q of d.requesters[b] ?? []) {
        this.outstanding.get(q)?.delete(this.key(piece, b));
        cancels.push({ peer: q, block: this.geometry.request(piece, b) });
      }
    }
    return cancels;
  }

  /** Hash failure: received data is discarded; returns the peers that had sent it. */
  fail(piece: number): PeerId[] {
    const d = this.pieces.get(piece);
    if (d === undefined) return [];
    const contributors = d.contributors();
    d.resetReceived();
    this.settle(d);
    return contributors;
  }

  private settle(d: DownloadingPiece): void {
    if (d.untouched) {
      this.pieces.delete(d.piece);
      this.open.delete(d.piece);
      this.onUntouched(d.piece);
    } else if (d.none > 0) {
      this.open.add(d.piece);
    }
  }

  private key(piece: number, b: number): number {
    return piece * this.geometry.blocksPerPiece + b;
  }
}
