// MetadataAssembler: fetches the info dictionary of a magnet link from peers (BEP 9) and checks
// it against the info hash (SHA-1 for v1, SHA-256 for v2 per BEP 52; a hybrid checks both).
// Pure state machine: the caller reports peers, data, rejects and the time; the assembler says
// which requests to send and, at the end, hands back the verified info bytes.
//
// - Peers announce `metadata_size` in their extension handshake. Sizes above the cap are refused.
//   Peers that disagree form one candidate per size; the candidate with the most peers is fetched
//   (a tie keeps the current one), so one liar about the size cannot stall an honest swarm.
// - Each 16 KiB piece is asked of one peer at a time. A timeout or reject frees the piece for
//   another peer and rests the peer for a while. Late data for a timed-out request still counts.
// - When every piece is in, the whole dictionary is hashed. A mismatch discards it and names the
//   contributors. One contributor is proven guilty: it is banned (`culprit`). With several, all
//   become suspects: they are only used when no unsuspected peer can take requests (none left,
//   or all resting), and then one at a time (a "solo" round), so each is either cleared by a good
//   hash or proven guilty by a bad one.
import { createHash } from 'node:crypto';
import { DEFAULT_MAX_METADATA_SIZE, METADATA_PIECE_SIZE, metadataPieceCount, metadataPieceLength } from '../wire/ut-metadata.js';
import { SwarmError } from './errors.js';
import type { PeerId } from './types.js';

export interface MetadataAssemblerOptions {
  /** 20-byte SHA-1 info hash (v1 or hybrid). At least one of the two hashes is required. */
  readonly infoHashV1?: Uint8Array;
  /** 32-byte SHA-256 info hash (v2 or hybrid). */
  readonly infoHashV2?: Uint8Array;
  /** Largest metadata_size accepted (default 32 MiB). */
  readonly maxMetadataSize?: number;
  /** A request unanswered this long is given to another peer, ms (default 20,000). */
  readonly requestTimeoutMs?: number;
  /** A peer that rejected or timed out gets no request for this long, ms (default 30,000). */
  readonly backoffMs?: number;
  /** Requests outstanding per peer (default 2). */
  readonly maxOutstandingPerPeer?: number;
  /** Distinct sizes tracked at once (default 4); peers announcing a further size are refused. */
  readonly maxSizeCandidates?: number;
  /** Peers remembered as banned (default 1,024). */
  readonly maxBanned?: number;
}

export interface MetadataRequest {
  readonly peer: PeerId;
  readonly piece: number;
}

export type AddPeerResult =
  | 'accepted'
  /** metadata_size zero, not an integer, or above the cap: the peer cannot serve metadata. */
  | 'bad-size'
  /** Already tracking maxSizeCandidates other sizes. */
  | 'too-many-sizes'
  /** The peer sent metadata that failed the hash before. */
  | 'banned'
  /** The metadata is already complete. */
  | 'done';

export type MetadataDataResult =
  /** Stored; more pieces are needed. */
  | { readonly kind: 'accepted' }
  /** Harmless but useless: unrequested, already have it, unknown or banned peer, or done. */
  | { readonly kind: 'ignored'; readonly reason: string }
  /** Contradicts what the peer announced (size, piece length): the caller may drop the peer. */
  | { readonly kind: 'invalid'; readonly reason: string }
  /** Every piece is in and the hash matches: the info dictionary. */
  | { readonly kind: 'complete'; readonly info: Uint8Array }
  /** Every piece is in but the hash does not match; the round restarts. */
  | { readonly kind: 'hash-mismatch'; readonly contributors: readonly PeerId[]; readonly culprit?: PeerId };

interface PeerState {
  size: number;
  /** piece → deadline, for the active candidate. */
  readonly outstanding: Map<number, number>;
  /** Pieces whose request timed out: a late answer is still taken. */
  readonly expired: Set<number>;
  backoffUntil: number;
  suspect: boolean;
}

interface Candidate {
  readonly size: number;
  readonly count: number;
  readonly peers: Set<PeerId>;
  /** Allocated while the candidate is being fetched. */
  buffer: Uint8Array | undefined;
  readonly have: Uint8Array;
  received: number;
  readonly contributor: (PeerId | undefined)[];
  readonly assigned: (PeerId | undefined)[];
}

export class MetadataAssembler {
  private readonly v1: Uint8Array | undefined;
  private readonly v2: Uint8Array | undefined;
  private readonly maxSize: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly perPeer: number;
  private readonly maxCandidates: number;
  private readonly maxBanned: number;
  private readonly peers = new Map<PeerId, PeerState>();
  private readonly candidates = new Map<number, Candidate>();
  private readonly banned = new Set<PeerId>();
  private active: Candidate | undefined;
  /** The suspect fetching alone in this round, if any. */
  private solo: PeerId | undefined;
  private result: Uint8Array | undefined;

  constructor(opts: MetadataAssemblerOptions) {
    if (opts.infoHashV1 === undefined && opts.infoHashV2 === undefined) throw new SwarmError('SWARM_BAD_ARGUMENT', 'metadata: an info hash (v1 or v2) is required');
    if (opts.infoHashV1 !== undefined && opts.infoHashV1.length !== 20) throw new SwarmError('SWARM_BAD_ARGUMENT', `metadata: v1 info hash of ${opts.infoHashV1.length} bytes, expected 20`);
    if (opts.infoHashV2 !== undefined && opts.infoHashV2.length !== 32) throw new SwarmError('SWARM_BAD_ARGUMENT', `metadata: v2 info hash of ${opts.infoHashV2.length} bytes, expected 32`);
    this.v1 = opts.infoHashV1?.slice();
    this.v2 = opts.infoHashV2?.slice();
    this.maxSize = opts.maxMetadataSize ?? DEFAULT_MAX_METADATA_SIZE;
    this.timeoutMs = opts.requestTimeoutMs ?? 20_000;
    this.backoffMs = opts.backoffMs ?? 30_000;
    this.perPeer = Math.max(1, opts.maxOutstandingPerPeer ?? 2);
    this.maxCandidates = Math.max(1, opts.maxSizeCandidates ?? 4);
    this.maxBanned = opts.maxBanned ?? 1024;
  }

  /** True once the metadata is verified. */
  get done(): boolean {
    return this.result !== undefined;
  }

  /** The verified info dictionary, once done. */
  get info(): Uint8Array | undefined {
    return this.result;
  }

  /** Progress of the size being fetched. */
  get progress(): { readonly size: number; readonly received: number; readonly pieces: number } | undefined {
    const c = this.active;
    return c && { size: c.size, received: c.received, pieces: c.count };
  }

  isBanned(peer: PeerId): boolean {
    return this.banned.has(peer);
  }

  /** A peer that supports ut_metadata announced `metadataSize`. Calling again updates its size. */
  addPeer(peer: PeerId, metadataSize: number): AddPeerResult {
    if (this.result) return 'done';
    if (this.banned.has(peer)) return 'banned';
    if (!Number.isSafeInteger(metadataSize) || metadataSize <= 0 || metadataSize > this.maxSize) return 'bad-size';
    const old = this.peers.get(peer);
    if (old?.size === metadataSize) return 'accepted';
    if (!this.candidates.has(metadataSize)) {
      // Moving this peer may empty its old candidate, which frees a slot.
      const freed = old !== undefined && this.candidates.get(old.size)?.peers.size === 1 ? 1 : 0;
      if (this.candidates.size - freed >= this.maxCandidates) return 'too-many-sizes';
    }
    if (old) this.removePeer(peer);
    let c = this.candidates.get(metadataSize);
    if (!c) {
      const count = metadataPieceCount(metadataSize);
      c = { size: metadataSize, count, peers: new Set(), buffer: undefined, have: new Uint8Array(count), received: 0, contributor: new Array(count), assigned: new Array(count) };
      this.candidates.set(metadataSize, c);
    }
    c.peers.add(peer);
    this.peers.set(peer, { size: metadataSize, outstanding: new Map(), expired: new Set(), backoffUntil: -Infinity, suspect: false });
    return 'accepted';
  }

  /** The peer disconnected (or the caller dropped it). Its requests go to others. */
  removePeer(peer: PeerId): void {
    const p = this.peers.get(peer);
    if (!p) return;
    this.peers.delete(peer);
    const c = this.candidates.get(p.size);
    if (!c) return;
    for (const piece of p.outstanding.keys()) c.assigned[piece] = undefined;
    c.peers.delete(peer);
    if (this.solo === peer) this.restartRound(c);
    if (c.peers.size === 0) {
      this.candidates.delete(c.size);
      if (this.active === c) this.active = undefined;
    }
  }

  /** The peer rejected our request: it does not have the metadata (BEP 9). */
  onReject(peer: PeerId, piece: number, now: number): void {
    const p = this.peers.get(peer);
    if (!p || !p.outstanding.has(piece)) return;
    this.unassign(peer, p, piece);
    p.backoffUntil = now + this.backoffMs;
    if (this.solo === peer && this.active) this.restartRound(this.active);
  }

  /** A data message arrived. `data` is copied; the caller may reuse its buffer. */
  onData(peer: PeerId, piece: number, totalSize: number, data: Uint8Array, now: number): MetadataDataResult {
    if (this.result) return { kind: 'ignored', reason: 'metadata already complete' };
    const p = this.peers.get(peer);
    if (!p) return { kind: 'ignored', reason: this.banned.has(peer) ? 'banned peer' : 'unknown peer' };
    const want = metadataPieceLength(p.size, piece);
    let invalid: string | undefined;
    if (totalSize !== p.size) invalid = `total_size ${totalSize} differs from the peer's metadata_size ${p.size}`;
    else if (want === 0 || !Number.isSafeInteger(piece)) invalid = `piece ${piece} outside the metadata`;
    else if (data.length !== want) invalid = `piece ${piece} has ${data.length} bytes, expected ${want}`;
    if (invalid !== undefined) {
      // Free the piece for others now rather than at the timeout, and rest the peer.
      if (p.outstanding.has(piece)) this.unassign(peer, p, piece);
      p.backoffUntil = now + this.backoffMs;
      return { kind: 'invalid', reason: invalid };
    }
    const c = this.active;
    const asked = p.outstanding.has(piece) || p.expired.has(piece);
    if (!c || c.size !== p.size || !asked) return { kind: 'ignored', reason: 'unrequested piece' };
    if (p.outstanding.has(piece)) this.unassign(peer, p, piece);
    p.expired.delete(piece);
    if (c.have[piece]) return { kind: 'ignored', reason: 'piece already received' };
    const holder = c.assigned[piece];
    if (holder !== undefined) {
      // A late answer beat the peer the piece was given to after the timeout; its answer is moot.
      const h = this.peers.get(holder);
      if (h) {
        this.unassign(holder, h, piece);
        h.expired.add(piece);
      }
    }
    c.buffer ??= new Uint8Array(c.size);
    c.buffer.set(data, piece * METADATA_PIECE_SIZE);
    c.have[piece] = 1;
    c.contributor[piece] = peer;
    c.received++;
    if (c.received < c.count) return { kind: 'accepted' };
    return this.verify(c);
  }

  /**
   * Expires overdue requests and hands out new ones. Call after every event and when
   * nextWakeAt() passes; send every returned request.
   */
  poll(now: number): MetadataRequest[] {
    if (this.result) return [];
    for (const [id, p] of this.peers) {
      for (const [piece, deadline] of p.outstanding) {
        if (deadline > now) continue;
        this.unassign(id, p, piece);
        p.expired.add(piece);
        p.backoffUntil = now + this.backoffMs;
        if (this.solo === id && this.active) this.restartRound(this.active);
      }
    }
    const c = this.chooseActive();
    if (!c) return [];
    if (this.solo === undefined && !this.hasRestedClean(c, now)) this.startSolo(c, now);
    const out: MetadataRequest[] = [];
    for (let piece = 0; piece < c.count; piece++) {
      if (c.have[piece] || c.assigned[piece] !== undefined) continue;
      const peer = this.pickPeer(c, now);
      if (peer === undefined) break;
      const p = this.peers.get(peer) as PeerState;
      p.outstanding.set(piece, now + this.timeoutMs);
      c.assigned[piece] = peer;
      out.push({ peer, piece });
    }
    return out;
  }

  /** When poll() next has something to do (a deadline or the end of a rest), if anything. */
  nextWakeAt(now: number): number | undefined {
    if (this.result) return undefined;
    let at = Infinity;
    for (const p of this.peers.values()) {
      for (const d of p.outstanding.values()) at = Math.min(at, d);
      if (p.backoffUntil > now) at = Math.min(at, p.backoffUntil);
    }
    return at === Infinity ? undefined : at;
  }

  private unassign(peer: PeerId, p: PeerState, piece: number): void {
    p.outstanding.delete(piece);
    const c = this.candidates.get(p.size);
    if (c && c.assigned[piece] === peer) c.assigned[piece] = undefined;
  }

  private chooseActive(): Candidate | undefined {
    let best = this.active;
    for (const c of this.candidates.values()) if (!best || c.peers.size > best.peers.size) best = c;
    if (best !== this.active) {
      if (this.active) this.restartRound(this.active);
      if (this.active) this.active.buffer = undefined;
      this.active = best;
    }
    return best;
  }

  /** Whether an unsuspected peer can take a request now (or soon, once its requests return). */
  private hasRestedClean(c: Candidate, now: number): boolean {
    for (const id of c.peers) {
      const p = this.peers.get(id) as PeerState;
      if (!p.suspect && p.backoffUntil <= now) return true;
    }
    return false;
  }

  /**
   * No unsuspected peer can help (none left, or all resting after timeouts and rejects): let the
   * first rested suspect fetch alone, from an empty round, so the hash judges it alone.
   */
  private startSolo(c: Candidate, now: number): void {
    for (const id of c.peers) {
      const p = this.peers.get(id) as PeerState;
      if (!p.suspect || p.backoffUntil > now) continue;
      if (c.received > 0 || c.assigned.some((a) => a !== undefined)) this.restartRound(c);
      this.solo = id;
      return;
    }
  }

  /**
   * The rested unsuspected peer with the fewest outstanding requests; else the solo suspect.
   * An unsuspected peer that returns from its rest may join a solo round: if the hash then
   * fails it simply becomes a suspect too.
   */
  private pickPeer(c: Candidate, now: number): PeerId | undefined {
    let best: PeerId | undefined;
    let bestLoad = Infinity;
    for (const id of c.peers) {
      const p = this.peers.get(id) as PeerState;
      if (p.suspect || p.backoffUntil > now || p.outstanding.size >= this.perPeer) continue;
      if (p.outstanding.size < bestLoad) {
        best = id;
        bestLoad = p.outstanding.size;
      }
    }
    if (best !== undefined || this.solo === undefined) return best;
    const p = this.peers.get(this.solo) as PeerState;
    return p.backoffUntil <= now && p.outstanding.size < this.perPeer ? this.solo : undefined;
  }

  /** Forgets the round's pieces (and requests) of `c`; a solo round ends. */
  private restartRound(c: Candidate): void {
    c.have.fill(0);
    c.received = 0;
    c.contributor.fill(undefined);
    c.assigned.fill(undefined);
    for (const id of c.peers) {
      const p = this.peers.get(id);
      if (!p) continue;
      p.outstanding.clear();
      p.expired.clear();
    }
    if (this.solo !== undefined && c.peers.has(this.solo)) {
      // Put the solo peer at the back of the line for the next solo round.
      const id = this.solo;
      c.peers.delete(id);
      c.peers.add(id);
    }
    this.solo = undefined;
  }

  private verify(c: Candidate): MetadataDataResult {
    const info = c.buffer as Uint8Array;
    const ok = (this.v1 === undefined || equal(createHash('sha1').update(info).digest(), this.v1))
      && (this.v2 === undefined || equal(createHash('sha256').update(info).digest(), this.v2));
    if (ok) {
      this.result = info;
      this.peers.clear();
      this.candidates.clear();
      this.active = undefined;
      return { kind: 'complete', info };
    }
    const contributors = [...new Set(c.contributor.filter((x): x is PeerId => x !== undefined))];
    this.restartRound(c);
    if (contributors.length === 1) {
      const culprit = contributors[0] as PeerId;
      this.removePeer(culprit);
      if (this.banned.size < this.maxBanned) this.banned.add(culprit);
      return { kind: 'hash-mismatch', contributors, culprit };
    }
    for (const id of contributors) {
      const p = this.peers.get(id);
      if (p) p.suspect = true;
    }
    return { kind: 'hash-mismatch', contributors };
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
