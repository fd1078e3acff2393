// Per-block state of one piece in progress, as the piece picker tracks it.
//
// A piece is "in progress" from the moment its first block is requested until it is verified or
// fails its hash check. Each of its blocks is in one of three states:
//   none       nobody is fetching it;
//   requested  one or more peers have an outstanding request for it (more than one only in
//              end-game mode, see piece-picker.ts);
//   received   its data arrived; `from` records which peer sent it, so that a piece failing its
//              hash check can be blamed on the peers that contributed to it.
import type { PeerId } from './types.js';

export const BLOCK_NONE = 0;
export const BLOCK_REQUESTED = 1;
export const BLOCK_RECEIVED = 2;

/** An empty peer list, shared (frozen): most blocks have no other requester to report. */
export const NO_PEERS: readonly PeerId[] = Object.freeze([]);

export class DownloadingPiece {
  readonly piece: number;
  readonly blockCount: number;
  readonly state: Uint8Array;
  /** For each requested block, the peers with an outstanding request for it. */
  readonly requesters: (PeerId[] | undefined)[];
  /** For each received block, the peer that sent it. */
  readonly from: (PeerId | undefined)[];
  /** Blocks in state none. */
  none: number;
  /** Blocks in state received. */
  received = 0;
  /** No block before this index is in state none (a hint that keeps block scans short). */
  private firstNone = 0;

  constructor(piece: number, blockCount: number) {
    this.piece = piece;
    this.blockCount = blockCount;
    this.state = new Uint8Array(blockCount);
    this.requesters = new Array<PeerId[] | undefined>(blockCount);
    this.from = new Array<PeerId | undefined>(blockCount);
    this.none = blockCount;
  }

  get complete(): boolean {
    return this.received === this.blockCount;
  }

  /** True when no block was received and none is requested: the piece can go back to "not started". */
  get untouched(): boolean {
    return this.none === this.blockCount;
  }

  /** Next block in state none at or after the hint, or -1. */
  nextNone(): number {
    for (let b = this.firstNone; b < this.blockCount; b++) {
      if (this.state[b] === BLOCK_NONE) {
        this.firstNone = b;
        return b;
      }
    }
    this.firstNone = this.blockCount;
    return -1;
  }

  /** Records a request from `peer` for block `b` (state none or, in end-game, requested). */
  addRequester(b: number, peer: PeerId): void {
    const list = this.requesters[b];
    if (list === undefined) this.requesters[b] = [peer];
    else list.push(peer);
    if (this.state[b] === BLOCK_NONE) {
      this.state[b] = BLOCK_REQUESTED;
      this.none--;
    }
  }

  /** Forgets `peer`'s request for block `b`; the block goes back to none when nobody else asked. */
  removeRequester(b: number, peer: PeerId): boolean {
    const list = this.requesters[b];
    if (list === undefined) return false;
    const i = list.indexOf(peer);
    if (i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) {
      this.requesters[b] = undefined;
      if (this.state[b] === BLOCK_REQUESTED) {
        this.state[b] = BLOCK_NONE;
        this.none++;
        if (b < this.firstNone) this.firstNone = b;
      }
    }
    return true;
  }

  /**
   * Marks block `b` received from `peer`. Returns every peer that had a request for it (including
   * `peer` if it had one); their requests are now void.
   */
  receive(b: number, peer: PeerId): readonly PeerId[] {
    const list = this.requesters[b] ?? NO_PEERS;
    this.requesters[b] = undefined;
    if (this.state[b] === BLOCK_NONE) this.none--;
    this.state[b] = BLOCK_RECEIVED;
    this.from[b] = peer;
    this.received++;
    return list;
  }

  /** A hash failure: every received block goes back to none (requests in flight stay). */
  resetReceived(): void {
    for (let b = 0; b < this.blockCount; b++) {
      if (this.state[b] !== BLOCK_RECEIVED) continue;
      this.state[b] = BLOCK_NONE;
      this.from[b] = undefined;
      this.none++;
      this.received--;
    }
    this.firstNone = 0;
  }

  /** Distinct peers that sent at least one received block. */
  contributors(): PeerId[] {
    const seen = new Set<PeerId>();
    for (const p of this.from) if (p !== undefined) seen.add(p);
    return [...seen];
  }
}
