// One torrent's swarm engine: joins the wire protocol (src/wire), the policies (src/swarm: picker,
// request pipelining, choker), verification (hash pool) and storage for every connected peer.
//
// The invariant it exists to keep: a block is held in a piece buffer until the whole piece has
// been hashed; only verified pieces are written and only written pieces are offered (`have`) or
// served. Everything that happens to a peer arrives as a WireMessage; everything the engine does
// is a send, a storage call or a timer on the injected Scheduler, so the same engine runs on
// sockets and in the simulator.
import { EventEmitter } from 'node:events';
import { ShoalError } from '../errors.js';
import { equalBytes as equal, HashLayerServer, type Metainfo } from '../metainfo/index.js';
import type { HashPool } from '../hashing/index.js';
import type { Storage } from '../storage/index.js';
import {
  Bitfield, Choker, PiecePicker, RateEstimator, SuperSeeder, xoshiro128ss, type BlockRequest, type ChokerPeer, type Random,
} from '../swarm/index.js';
import {
  checkNegotiated,
  decodeExtensionHandshake,
  validateMessage,
  type PieceMessage,
  type RequestMessage,
  type TorrentGeometry,
  type WireMessage,
} from '../wire/index.js';
import type { OutgoingMessage, PeerLink, PeerLinkHandler } from './peer-link.js';
import { PeerState } from './peer-state.js';
import { PieceCache } from './piece-cache.js';
import { CorruptionLedger, type BlockSender } from './corruption-ledger.js';
import { TorrentExtensions } from './extensions.js';
import type { PeerAddress } from '../transport/types.js';
import { BufferAssembler, type PieceAssembler } from './piece-assembler.js';
import { PieceChecker } from './piece-checker.js';
import { every, realScheduler, type Scheduler } from './scheduler.js';
import { TokenBucket } from './token-bucket.js';

export class TorrentError extends ShoalError {}

export interface TorrentOptions {
  readonly metainfo: Metainfo;
  readonly storage: Storage;
  /** Hashes pieces off the main thread; required unless `checker` is given. */
  readonly pool?: HashPool;
  /** Replaces the hash check (the simulator's peers carry no data). Default: PieceChecker on `pool`. */
  readonly checker?: Pick<PieceChecker, 'verify'>;
  /** Replaces piece assembly (default: recycled piece buffers). */
  readonly assembler?: PieceAssembler;
  readonly peerId: Uint8Array;
  /** Pieces already verified (from the resume file or a check). */
  readonly have?: Uint8Array;
  readonly scheduler?: Scheduler;
  readonly random?: Random;
  /** Our listen port, announced in the extension handshake. */
  readonly listenPort?: number;
  /** Regular unchoke slots (default 4; BEP 3). */
  readonly uploadSlots?: number;
  /** Regular unchoke slots while seeding (default 16; see choker.ts). */
  readonly seedUploadSlots?: number;
  /** Slots opened on top of those while the uplink idles (default 8; see choker.ts). */
  readonly extraUploadSlots?: number;
  /** Memory for pieces being downloaded (default 48 MiB). */
  readonly maxInflightBytes?: number;
  readonly sequential?: boolean;
  /**
   * How new pieces are chosen: 'rarest' first (default, BEP 3) or 'random' throughout (the
   * picker's random-first mode for the whole download). 'random' exists for the swarm simulator's
   * rarest-first vs random comparison.
   */
  readonly pieceStrategy?: 'rarest' | 'random';
  /** Per-file priorities 0..7 (0 = skip), indexed like metainfo.files. */
  readonly filePriorities?: readonly number[];
  readonly uploadLimiter?: TokenBucket;
  readonly downloadLimiter?: TokenBucket;
  /** Called when the set of verified pieces changed (resume data). */
  readonly onHaveChanged?: (have: Bitfield) => void;
  /**
   * Super-seeding (BEP 16, swarm/super-seeder.ts): while we are a seed, peers that connect see no
   * pieces but the few we offer them, so an initial seed's upload goes into pieces the swarm
   * lacks. Meant for the first seed of a new torrent only; off by default, as in libtorrent.
   */
  readonly superSeed?: boolean;
}

export interface TorrentEvents {
  verified: [piece: number];
  'hash-failed': [piece: number, peers: string[]];
  complete: [];
  warning: [error: Error];
  'peer-connected': [address: string];
  'peer-closed': [address: string, reason: Error | undefined];
  banned: [address: string, why: string];
  /** Peers learned from other peers (PEX), to dial. */
  peers: [peers: PeerAddress[]];
}

export interface TorrentStats {
  readonly pieceCount: number;
  readonly havePieces: number;
  readonly wantedPieces: number;
  readonly bytesWanted: number;
  readonly bytesHave: number;
  readonly downloaded: number;
  readonly uploaded: number;
  readonly downloadRate: number;
  readonly uploadRate: number;
  readonly peers: number;
  readonly seeds: number;
  readonly wasted: number;
  readonly hashFailures: number;
}

const BLOCK = 16384;
const MAX_UPLOAD_QUEUE = 2000;
/**
 * Upload send buffer (libtorrent's send_buffer_watermark): serve requests while less than
 * half a second of the peer's upload rate is queued on the connection, within these bounds.
 * Bytes handed to the socket cannot be recalled by a cancel, so a fixed 1 MiB buffer on a
 * 1 Mbit/s link would hold 8 s of blocks that end-game cancels and request timeouts can no longer
 * stop: the swarm simulator measured 10% of all bytes received as duplicates that way.
 */
const UPLOAD_LOW_WATER = 32 * 1024;
const UPLOAD_HIGH_WATER = 1024 * 1024;
/** An unchoked peer that asks us for nothing this long leaves its regular slot to another (choker.ts). */
const IDLE_SLOT_MS = 1500;
const UPLOAD_BUFFER_MS = 500;
const KEEP_ALIVE_MS = 90_000;
/** Rejected requests for announced pieces, while unchoked, before the peer counts as a liar. */
const MAX_REJECTS = 64;
/** A snubbed peer that still sends nothing after this long is dropped to free its slot. */
const STALL_DROP_MS = 120_000;
/** Peer keys whose IP is remembered for pinning liars after they left. */
const MAX_REMEMBERED_PEERS = 10_000;
const MAX_CHECK_ERRORS = 8;
const EXT_HANDSHAKE = 0;
// Payload-less messages, shared: they are sent often and never change.
const CHOKE: OutgoingMessage = { type: 'choke' };
const UNCHOKE: OutgoingMessage = { type: 'unchoke' };
const INTERESTED: OutgoingMessage = { type: 'interested' };
const NOT_INTERESTED: OutgoingMessage = { type: 'not-interested' };
const KEEP_ALIVE: OutgoingMessage = { type: 'keep-alive' };
const HAVE_ALL: OutgoingMessage = { type: 'have-all' };
const HAVE_NONE: OutgoingMessage = { type: 'have-none' };
/** Verified pieces waiting for the disk beyond this pause requesting: the disk sets the pace. */
const MAX_PENDING_WRITE_BYTES = 8 * 1024 * 1024;

export class Torrent extends EventEmitter<TorrentEvents> {
  /**
   * A connection's events, routed to the engine with its PeerState: an object whose methods are
   * shared by every connection, rather than three closures per connection. Delivering a message
   * then reads one small object instead of a closure and its context (in the swarm simulator's
   * crowds of thousands of peers, that call was 6% of the time, mostly cache misses).
   */
  private static readonly PeerEvents = class implements PeerLinkHandler {
    readonly blocksInPlace = true; // onPiece copies the block into the assembler at once
    constructor(private readonly torrent: Torrent, private readonly peer: PeerState) {}

    message(m: WireMessage): void {
      this.torrent.onMessage(this.peer, m);
    }

    drain(): void {
      this.torrent.serve(this.peer);
    }

    close(reason: Error | undefined): void {
      this.torrent.onClose(this.peer, reason);
    }
  };

  readonly metainfo: Metainfo;
  readonly infoHash: Uint8Array;
  readonly picker: PiecePicker;
  /** Verified pieces that are on disk: the only ones we offer and serve. */
  readonly have: Bitfield;
  readonly peers = new Map<string, PeerState>();
  private readonly storage: Storage;
  private readonly verifier: Pick<PieceChecker, 'verify'>;
  private readonly cache: PieceCache;
  private readonly sched: Scheduler;
  private readonly random: Random;
  private readonly choker: Choker;
  private readonly assembler: PieceAssembler;
  private readonly extensions: TorrentExtensions;
  private readonly hashServer: HashLayerServer;
  /** Present with the superSeed option; it decides only for peers greeted while we were a seed. */
  private readonly superSeeder: SuperSeeder | undefined;
  /** Who sent which block of pieces that failed their check, to pin the liar once a good copy arrives. */
  private readonly ledger = new CorruptionLedger(BLOCK);
  private readonly upLimit: TokenBucket;
  private readonly downLimit: TokenBucket;
  private readonly downRate: RateEstimator;
  private readonly upRate: RateEstimator;
  private readonly bannedIps = new Set<string>();
  /** Connections banned for corruption (their blocks may still sit in unfinished pieces). */
  private readonly bannedKeys = new Set<string>();
  /** The IP of every peer key seen lately, to ban a liar found after it left. */
  private readonly peerIps = new Map<string, string>();
  /** Peers a piece has already been reserved for after hash failures (parole). */
  private readonly paroleTried = new Map<number, Set<string>>();
  /**
   * What peers may request of us. For a v2-only torrent libtorrent pads the last file up to a
   * whole piece (BEP 52 alignment gap) and requests the gap too; we serve it as zeros. Our own
   * requests stay within the file's bytes (picker.geometry), which every peer accepts.
   */
  private readonly servedGeometry: TorrentGeometry;
  private readonly timers: (() => void)[] = [];
  private pendingWrites = 0;
  /** The pieces-in-progress cap from the in-flight budget (before pieces waiting for the disk). */
  private readonly maxPiecesInProgress: number;
  private stopped = false;
  private completeFired = false;
  private wantedPieces = 0;
  private downloaded = 0;
  private uploaded = 0;
  private wasted = 0;
  private hashFailures = 0;
  private nextPeerKey = 0;
  /** Consecutive pieces whose hash check threw (not failed: threw). */
  private checkErrors = 0;

  constructor(private readonly opts: TorrentOptions) {
    super();
    const meta = (this.metainfo = opts.metainfo);
    this.infoHash = meta.infoHash;
    this.storage = opts.storage;
    this.sched = opts.scheduler ?? realScheduler;
    this.random = opts.random ?? xoshiro128ss(Date.now() >>> 0);
    if (!opts.checker && !opts.pool) throw new TorrentError('TORRENT_NO_HASHER', 'a torrent needs a hash pool or a checker');
    this.verifier = opts.checker ?? new PieceChecker(meta, opts.pool as HashPool);
    const geometry = { pieceCount: meta.pieceCount, pieceLength: meta.pieceLength, totalLength: meta.spaceLength };
    this.servedGeometry = meta.pieces ? geometry : { ...geometry, totalLength: meta.pieceCount * meta.pieceLength };
    this.have = opts.have ? Bitfield.fromBytes(opts.have, meta.pieceCount) : new Bitfield(meta.pieceCount);
    const inflight = opts.maxInflightBytes ?? 16 * 1024 * 1024;
    this.maxPiecesInProgress = Math.max(2, Math.floor(inflight / meta.pieceLength));
    this.picker = new PiecePicker({
      geometry,
      random: this.random,
      have: this.have,
      sequential: opts.sequential ?? false,
      ...(opts.pieceStrategy === 'random' ? { randomFirstPieces: meta.pieceCount + 1 } : {}),
      maxPiecesInProgress: Math.max(2, Math.floor(inflight / meta.pieceLength)),
    });
    this.assembler = opts.assembler ?? new BufferAssembler(meta.pieceLength, Math.max(2, Math.floor(inflight / meta.pieceLength)));
    if (opts.filePriorities) this.applyFilePriorities(opts.filePriorities);
    for (let p = 0; p < meta.pieceCount; p++) if (this.picker.wants(p)) this.wantedPieces++;
    this.hashServer = new HashLayerServer(meta);
    this.superSeeder = opts.superSeed
      ? new SuperSeeder({ pieceCount: meta.pieceCount, pieceSize: (p) => this.picker.geometry.pieceSize(p), random: this.random })
      : undefined;
    this.extensions = new TorrentExtensions({
      metainfo: meta,
      ...(opts.listenPort ? { listenPort: opts.listenPort } : {}),
      onPeers: (peers) => this.emit('peers', peers),
      onWarning: (e) => this.emit('warning', e),
    });
    this.cache = new PieceCache(8 * 1024 * 1024, (p) => this.storage.readPiece(p));
    this.choker = new Choker({
      slots: opts.uploadSlots ?? 4, seedSlots: opts.seedUploadSlots ?? 16, maxExtraSlots: opts.extraUploadSlots, random: this.random,
    });
    this.upLimit = opts.uploadLimiter ?? new TokenBucket(this.sched, 0);
    this.downLimit = opts.downloadLimiter ?? new TokenBucket(this.sched, 0);
    const now = this.sched.now();
    this.downRate = new RateEstimator(now);
    this.upRate = new RateEstimator(now);
  }

  /** Starts the timers. Peers are attached with addConnection. */
  start(): void {
    this.timers.push(every(this.sched, 1000, () => this.tick()));
    this.checkComplete();
  }

  get isComplete(): boolean {
    return this.picker.isFinished() && this.pendingWrites === 0;
  }

  get peerCount(): number {
    return this.peers.size;
  }

  get isSeed(): boolean {
    return this.have.hasAll();
  }

  /** New connections are super-seeded (BEP 16): the option is on and we are a seed. */
  get superSeeding(): boolean {
    return this.superSeeder !== undefined && this.have.hasAll();
  }

  stats(): TorrentStats {
    const now = this.sched.now();
    let seeds = 0;
    for (const p of this.peers.values()) if (p.seed || p.has.hasAll()) seeds++;
    const meta = this.metainfo;
    let bytesWanted = 0;
    let bytesHave = 0;
    for (let p = 0; p < meta.pieceCount; p++) {
      const size = p === meta.pieceCount - 1 ? meta.spaceLength - p * meta.pieceLength : meta.pieceLength;
      const wanted = this.picker.priority(p) > 0 || this.have.get(p);
      if (wanted) bytesWanted += size;
      if (this.have.get(p)) bytesHave += size;
    }
    return {
      pieceCount: meta.pieceCount,
      havePieces: this.have.count,
      wantedPieces: this.wantedPieces,
      bytesWanted,
      bytesHave,
      downloaded: this.downloaded,
      uploaded: this.uploaded,
      downloadRate: this.downRate.rate(now),
      uploadRate: this.upRate.rate(now),
      peers: this.peers.size,
      seeds,
      wasted: this.wasted,
      hashFailures: this.hashFailures,
    };
  }

  isBanned(ip: string): boolean {
    return this.bannedIps.has(ip);
  }

  /** Hands over a connection whose handshake (for this torrent) is complete in both directions. */
  /**
   * Takes a connection whose handshakes are done. `earlier`: messages the peer sent before this
   * torrent existed (while its metadata was being fetched), replayed first.
   */
  addConnection(conn: PeerLink, earlier: readonly WireMessage[] = []): boolean {
    if (this.stopped || conn.closed) {
      conn.close();
      return false;
    }
    if (this.bannedIps.has(conn.remoteIp)) {
      conn.close(new TorrentError('PEER_BANNED', 'peer is banned'));
      return false;
    }
    if (equal(conn.remotePeerId, this.opts.peerId)) {
      conn.close(new TorrentError('PEER_SELF', 'connected to ourselves'));
      return false;
    }
    for (const p of this.peers.values()) {
      if (equal(p.conn.remotePeerId, conn.remotePeerId)) {
        conn.close(new TorrentError('PEER_DUPLICATE', 'already connected to this peer id'));
        return false;
      }
    }
    const key = `${conn.address}#${this.nextPeerKey++}`;
    const peer = new PeerState(key, conn, this.metainfo.pieceCount, this.sched.now());
    this.peers.set(key, peer);
    this.peerIps.set(key, conn.remoteIp);
    if (this.peerIps.size > MAX_REMEMBERED_PEERS) this.peerIps.delete(this.peerIps.keys().next().value as string);
    // Our bitfield must be the first message after the handshake (BEP 3), before anything the
    // peer's early messages make us say.
    this.sendGreeting(peer);
    for (const m of earlier) {
      if (conn.closed) break;
      this.onMessage(peer, m);
    }
    conn.attach(new Torrent.PeerEvents(this, peer));
    if (conn.closed) {
      // Closed before (or while) we attached: its close event went nowhere.
      this.onClose(peer, undefined);
      return false;
    }
    this.emit('peer-connected', conn.address);
    return true;
  }

  // ---- greeting -----------------------------------------------------------------------------

  private sendGreeting(peer: PeerState): void {
    const c = peer.conn;
    if (c.features.extensionProtocol) {
      c.send({ type: 'extended', extendedId: EXT_HANDSHAKE, payload: this.extensions.handshake() });
    }
    if (this.superSeeder && this.have.hasAll()) {
      // BEP 16: we look like a peer with nothing, then announce the pieces offered to this peer.
      peer.superSeeder = this.superSeeder;
      if (peer.fast) c.send(HAVE_NONE);
      this.announceOffers(peer, this.superSeeder.addPeer(peer.key));
    } else if (peer.fast && this.have.hasAll()) c.send(HAVE_ALL);
    else if (peer.fast && this.have.isEmpty()) c.send(HAVE_NONE);
    else if (!this.have.isEmpty()) c.send({ type: 'bitfield', bitfield: this.have.toBytes() });
    peer.lastSendAt = this.sched.now();
  }

  /** Super-seeding: tells the peer of pieces newly offered to it. */
  private announceOffers(peer: PeerState, pieces: readonly number[]): void {
    for (const index of pieces) peer.conn.send({ type: 'have', index });
  }

  // ---- incoming messages --------------------------------------------------------------------

  private onMessage(peer: PeerState, m: WireMessage): void {
    const problem = checkNegotiated(m, peer.conn.features)
      ?? validateMessage(m, m.type === 'request' || m.type === 'cancel' ? this.servedGeometry : this.picker.geometry);
    if (problem) return this.drop(peer, problem);
    const first = !peer.gotFirstMessage && m.type !== 'keep-alive' && m.type !== 'extended';
    if (m.type !== 'keep-alive' && m.type !== 'extended') peer.gotFirstMessage = true;
    switch (m.type) {
      case 'choke':
        peer.peerChoking = true;
        // Without the fast extension a choke voids every outstanding request (BEP 3); with it the
        // peer rejects them one by one (BEP 6).
        if (!peer.fast) this.releaseRequests(peer);
        this.releaseParole(peer);
        return;
      case 'unchoke':
        peer.peerChoking = false;
        peer.requests.unchoked(this.sched.now());
        return this.fillRequests(peer);
      case 'interested':
        peer.peerInterested = true;
        return this.interestChanged(peer);
      case 'not-interested':
        peer.peerInterested = false;
        return this.interestChanged(peer);
      case 'have':
        if (peer.has.set(m.index)) { // true: the piece is new to us (a repeated have changes nothing)
          // peer.announced: the picker knows this peer already, as a leecher unless peer.seed.
          if (!peer.seed) this.picker.peerHave(peer.key, m.index, peer.announced);
          peer.announced = true;
          if (peer.superSeeder) this.announceOffers(peer, peer.superSeeder.peerHas(peer.key, m.index));
          // Haves only add pieces: only a wanted one can make the peer interesting, or give a
          // starved pipeline something to request. (The commonest message of a large swarm.)
          if (this.picker.wants(m.index)) {
            if (!peer.amInterested) this.updateInterest(peer);
            else if (peer.starved) this.fillRequests(peer);
          }
        }
        return;
      case 'bitfield':
      case 'have-all':
      case 'have-none':
        if (!first || peer.announced) {
          // aria2 sends have-none and then, mid-connection, bitfields and have-all. BEP 3/6 want
          // them first, but a late one only adds haves (peers never lose pieces): merge it.
          if (m.type === 'have-none') return;
          const late = m.type === 'bitfield' ? Bitfield.fromBytes(m.bitfield, this.metainfo.pieceCount) : new Bitfield(this.metainfo.pieceCount);
          if (m.type === 'have-all') late.setAll();
          return this.mergeLateHaves(peer, late);
        }
        peer.announced = true;
        if (m.type === 'bitfield') {
          peer.has = Bitfield.fromBytes(m.bitfield, this.metainfo.pieceCount);
          this.picker.peerBitfield(peer.key, peer.has);
          peer.seed = peer.has.hasAll();
        } else if (m.type === 'have-all') {
          peer.has.setAll();
          peer.seed = true;
          this.picker.peerHaveAll(peer.key);
        } else {
          // have-none: announced too, with nothing (so that its haves need no lookup in the picker).
          this.picker.peerBitfield(peer.key, peer.has);
        }
        if (peer.superSeeder) this.announceOffers(peer, peer.superSeeder.peerHasAll(peer.key, peer.has));
        return this.updateInterest(peer);
      case 'request':
        return this.onRequest(peer, m);
      case 'cancel': {
        const i = peer.uploads.findIndex((r) => r.index === m.index && r.begin === m.begin && r.length === m.length);
        if (i >= 0) peer.uploads.splice(i, 1);
        return;
      }
      case 'piece':
        return this.onPiece(peer, m);
      case 'reject': {
        const block = { piece: m.index, begin: m.begin, length: m.length };
        if (peer.requests.removed(block)) this.picker.requestFailed(peer.key, block);
        if (this.picker.reservedFor(m.index) === peer.key) this.releaseParole(peer);
        // A peer that unchoked us and keeps rejecting pieces it claims to have is lying about them.
        if (!peer.peerChoking && peer.has.get(m.index) && ++peer.rejects > MAX_REJECTS) {
          return this.drop(peer, new TorrentError('PEER_LIAR', `rejected ${peer.rejects} requests for pieces it announced`));
        }
        return this.fillRequests(peer);
      }
      case 'allowed-fast':
        (peer.allowedFast ??= new Set()).add(m.index);
        if (peer.peerChoking) this.fillRequests(peer);
        return;
      case 'extended':
        if (m.extendedId === EXT_HANDSHAKE) {
          try {
            peer.ext = decodeExtensionHandshake(m.payload, { strict: false });
            if (peer.ext.reqq !== undefined) peer.requests.setReqq(peer.ext.reqq);
          } catch (e) {
            this.emit('warning', e instanceof Error ? e : new Error(String(e)));
          }
        } else {
          // An id we never offered is ignored: ids only live as long as one handshake.
          this.extensions.onMessage(peer, m.extendedId, m.payload);
        }
        return;
      case 'hash-request': {
        // BEP 52: v2 peers that started from a magnet link ask for the piece layers.
        const hashes = this.hashServer.answer(m);
        this.sendTo(peer, hashes ? { ...m, type: 'hashes', hashes } : { ...m, type: 'hash-reject' });
        return;
      }
      default:
        // keep-alive, port, suggest, hashes, hash-reject, unknown: nothing to do here.
        return;
    }
  }

  private mergeLateHaves(peer: PeerState, late: Bitfield): void {
    for (let p = 0; p < this.metainfo.pieceCount; p++) {
      if (!late.get(p) || peer.has.get(p)) continue;
      peer.has.set(p);
      if (!peer.seed) this.picker.peerHave(peer.key, p);
    }
    peer.announced = true;
    if (peer.superSeeder) this.announceOffers(peer, peer.superSeeder.peerHasAll(peer.key, peer.has));
    this.updateInterest(peer);
  }

  private onClose(peer: PeerState, reason: Error | undefined): void {
    if (!this.peers.delete(peer.key)) return;
    this.choker.peerRemoved(peer.key);
    this.releaseParole(peer);
    this.releaseRequests(peer);
    if (peer.announced) this.picker.peerLost(peer.key, peer.has);
    peer.superSeeder?.removePeer(peer.key);
    peer.uploads = [];
    this.emit('peer-closed', peer.address, reason);
    if (!this.stopped) for (const other of this.peers.values()) this.fillRequests(other);
  }

  private drop(peer: PeerState, why: Error): void {
    this.emit('warning', new TorrentError('PEER_DROPPED', `${peer.address}: ${why.message}`, { cause: why }));
    peer.conn.close(why);
  }

  // ---- downloading --------------------------------------------------------------------------

  private updateInterest(peer: PeerState): void {
    const want = !this.picker.isFinished() && this.picker.isInteresting(peer.has);
    if (want !== peer.amInterested) {
      peer.amInterested = want;
      this.sendTo(peer, want ? INTERESTED : NOT_INTERESTED);
    }
    if (want) this.fillRequests(peer);
  }

  /**
   * Tops up the peer's request pipeline. `lazy` (after each block) waits until a batch of slots
   * is free, so requests go out a dozen at a time rather than one per received block.
   */
  private fillRequests(peer: PeerState, lazy = false): void {
    if (this.stopped || peer.conn.closed || !peer.amInterested) return;
    if (peer.peerChoking && peer.allowedFast === undefined) return;
    if (this.storage.pendingWriteBytes > MAX_PENDING_WRITE_BYTES) {
      peer.starved = true;
      return;
    }
    if (!this.downLimit.unlimited && this.downLimit.waitMs() > 0) return this.retryLater(peer, this.downLimit.waitMs());
    const now = this.sched.now();
    const room = peer.requests.room(now);
    if (room <= 0 || (lazy && room < Math.min(16, Math.ceil(peer.requests.outstanding / 4)))) return;
    const picks = this.picker.pickBlocks(peer.key, peer.has, room,
      peer.peerChoking && peer.allowedFast ? { fastAllowed: peer.allowedFast } : undefined);
    peer.starved = picks.length < room;
    if (picks.length === 0) {
      if (!this.picker.isInteresting(peer.has)) this.updateInterest(peer);
      return;
    }
    peer.requests.sent(picks, now);
    peer.lastSendAt = now;
    peer.conn.sendRequests(picks);
  }

  /** Tries fillRequests again after `ms` (rate limit), once per peer at a time. */
  private retryLater(peer: PeerState, ms: number): void {
    if (peer.retryArmed) return;
    peer.retryArmed = true;
    this.sched.setTimer(ms, () => {
      peer.retryArmed = false;
      this.fillRequests(peer);
    });
  }

  private releaseRequests(peer: PeerState): void {
    for (const b of peer.requests.clear()) this.picker.cancelled(peer.key, b);
    this.picker.peerGone(peer.key);
  }

  private onPiece(peer: PeerState, m: PieceMessage): void {
    const now = this.sched.now();
    const len = m.block.length;
    const block: BlockRequest = { piece: m.index, begin: m.begin, length: len };
    peer.requests.received(block, now);
    this.downLimit.consume(len);
    peer.downloaded += len;
    this.downloaded += len;
    this.downRate.add(len, now);
    let r;
    try {
      r = this.picker.blockReceived(peer.key, block);
    } catch (e) {
      return this.drop(peer, e instanceof Error ? e : new Error(String(e)));
    }
    for (const other of r.cancel) {
      const o = this.peers.get(String(other));
      if (o && o.requests.removed(block)) this.sendTo(o, { type: 'cancel', index: block.piece, begin: block.begin, length: block.length });
    }
    if (!r.accepted) {
      this.wasted += len;
    } else {
      this.assembler.write(m.index, m.begin, m.block, this.picker.geometry.pieceSize(m.index));
      if (r.pieceComplete) void this.verifyPiece(m.index);
    }
    this.fillRequests(peer, true);
  }

  private async verifyPiece(piece: number): Promise<void> {
    const data = this.assembler.take(piece);
    if (!data) return;
    let result;
    try {
      result = await this.verifier.verify(piece, data);
    } catch (e) {
      if (this.stopped) return;
      this.emit('warning', e instanceof Error ? e : new Error(String(e)));
      this.picker.pieceFailed(piece);
      // Hashing itself is broken (workers cannot start): downloading on would loop for ever.
      if (++this.checkErrors >= MAX_CHECK_ERRORS) {
        this.emit('warning', new TorrentError('HASHING_FAILED', `${this.checkErrors} pieces could not be hashed in a row; stopping`));
        this.stop();
      }
      return;
    }
    this.checkErrors = 0;
    if (this.stopped) return;
    if (!result.ok) return this.onHashFailure(piece, result.data);
    this.pinLiars(piece, result.data);
    for (const c of this.picker.pieceVerified(piece)) {
      const o = this.peers.get(String(c.peer));
      if (o && o.requests.removed(c.block)) this.sendTo(o, { type: 'cancel', index: c.block.piece, begin: c.block.begin, length: c.block.length });
    }
    this.pendingWrites++;
    this.capPiecesInProgress();
    try {
      await this.storage.writePiece(piece, result.data);
      this.assembler.release(result.data);
    } catch (e) {
      this.pendingWrites--;
      this.emit('warning', e instanceof Error ? e : new Error(String(e)));
      if (!this.stopped) this.stop();
      return;
    }
    this.pendingWrites--;
    this.capPiecesInProgress();
    this.have.set(piece);
    this.opts.onHaveChanged?.(this.have);
    if (this.stopped) return;
    this.emit('verified', piece);
    const msg: OutgoingMessage = { type: 'have', index: piece };
    for (const p of this.peers.values()) {
      // A peer that has the piece has no use for the have (libtorrent's send_redundant_have
      // off): in a large swarm this halves the commonest message. Only such a peer can have
      // stopped being interesting, too.
      if (!p.has.get(piece)) this.sendTo(p, msg);
      else if (p.amInterested && !this.picker.isInteresting(p.has)) this.updateInterest(p);
    }
    this.checkComplete();
    // A verified piece frees a place under the pieces-in-progress cap and write budget: the
    // peers that could not fill their pipelines may now.
    for (const p of this.peers.values()) if (p.starved) this.fillRequests(p);
  }

  /**
   * Verified pieces waiting for the disk hold their buffers like pieces in progress, so they
   * count toward the in-progress cap: a slow disk or a busy event loop cannot grow memory past the
   * in-flight budget (measured on loopback: up to 20 pieces queued for writing on top of 16 in
   * progress). Storage without a write queue (the simulator's) leaves the cap alone.
   */
  private capPiecesInProgress(): void {
    const writing = this.storage.pendingWriteBytes > 0 ? this.pendingWrites : 0;
    this.picker.setMaxPiecesInProgress(Math.max(2, this.maxPiecesInProgress - writing));
  }

  private onHashFailure(piece: number, data: Uint8Array): void {
    this.hashFailures++;
    const sources = this.picker.blockSources(piece);
    const senders = this.picker.pieceFailed(piece).map(String);
    this.wasted += data.length;
    // Remember who sent what, so the liar can be pinned when a good copy verifies.
    // Senders may have left already (a liar often does): their IP is still known.
    this.ledger.recordFailure(piece, data, sources.map((from): BlockSender | undefined => {
      const ip = from === undefined ? undefined : this.peerIps.get(String(from));
      return ip === undefined ? undefined : { key: String(from), ip };
    }));
    this.assembler.release(data);
    const addrs: string[] = [];
    // A sender already banned for corruption explains the failure: its blocks were still in the
    // piece when others completed it. Blaming the co-senders would ban honest peers.
    const explained = senders.some((k) => this.bannedKeys.has(k));
    for (const key of senders) {
      const p = this.peers.get(key);
      if (!p) continue;
      addrs.push(p.address);
      p.strikes++;
      // A piece that came from one peer alone convicts it.
      if (!explained && senders.length === 1) this.ban(p, `sent data for piece ${piece} that failed its hash check`);
    }
    // Several senders: nobody can tell who lied, so the piece is fetched again whole from one
    // peer (parole). A second failure then has one sender; a pass lets the ledger name the liar.
    if (!explained && senders.length > 1) this.parole(piece);
    else if (this.picker.reservedFor(piece) !== undefined && senders.length === 1) this.picker.unreserve(piece);
    this.emit('hash-failed', piece, addrs);
    this.emit('warning', new TorrentError('HASH_FAILED', `piece ${piece} failed its hash check (from ${addrs.join(', ') || 'gone peers'})`));
    for (const p of this.peers.values()) this.fillRequests(p);
  }

  /** Reserves a piece for one peer that has it and has not had it on parole yet (see onHashFailure). */
  private parole(piece: number): void {
    const tried = this.paroleTried.get(piece) ?? new Set<string>();
    const candidates = [...this.peers.values()].filter((p) => p.has.get(piece) && !tried.has(p.key) && !p.conn.closed);
    if (candidates.length === 0) {
      this.picker.unreserve(piece);
      this.paroleTried.delete(piece);
      return;
    }
    const owner = candidates[Math.floor(this.random() * candidates.length)] as PeerState;
    tried.add(owner.key);
    this.paroleTried.set(piece, tried);
    this.picker.reserve(piece, owner.key);
  }

  /** The owner of paroled pieces will not deliver them (left, choked us, rejected): start over with another peer. */
  private releaseParole(peer: PeerState): void {
    for (const piece of this.picker.reservationsOf(peer.key)) {
      // Blocks it already sent may be the corrupt ones: drop them with the reservation.
      this.picker.pieceFailed(piece);
      this.picker.unreserve(piece);
      this.parole(piece);
    }
  }

  private pinLiars(piece: number, good: Uint8Array): void {
    this.paroleTried.delete(piece);
    for (const liar of this.ledger.liars(piece, good)) {
      const p = this.peers.get(liar.key);
      if (p) this.ban(p, `sent a corrupt block of piece ${piece}`);
      else {
        this.bannedIps.add(liar.ip);
        this.bannedKeys.add(liar.key);
      }
    }
  }

  private ban(peer: PeerState, why: string): void {
    this.bannedIps.add(peer.conn.remoteIp);
    this.bannedKeys.add(peer.key);
    this.emit('banned', peer.address, why);
    peer.conn.close(new TorrentError('PEER_BANNED', why));
  }

  private checkComplete(): void {
    if (this.completeFired || !this.isComplete) return;
    this.completeFired = true;
    for (const p of this.peers.values()) {
      if (p.amInterested) {
        p.amInterested = false;
        this.sendTo(p, NOT_INTERESTED);
      }
    }
    void this.storage.sync().then(
      () => {
        if (this.stopped) return;
        this.emit('complete');
        // Two seeds have nothing to trade.
        if (this.isSeed) for (const p of this.peers.values()) if (p.seed || p.has.hasAll()) p.conn.close();
      },
      (e: unknown) => this.emit('warning', e instanceof Error ? e : new Error(String(e))),
    );
  }

  // ---- uploading ----------------------------------------------------------------------------

  private onRequest(peer: PeerState, m: RequestMessage): void {
    if (peer.amChoking || !this.have.get(m.index) || (peer.superSeeder && !peer.superSeeder.mayServe(peer.key, m.index))) {
      // BEP 6: a fast peer is told; others just get nothing (BEP 3). A super-seeded peer may ask
      // only for what we offered it (it cannot know of the rest unless it guesses).
      if (peer.fast) this.sendTo(peer, { type: 'reject', index: m.index, begin: m.begin, length: m.length });
      return;
    }
    if (peer.uploads.length >= MAX_UPLOAD_QUEUE) {
      return this.drop(peer, new TorrentError('PEER_FLOOD', `more than ${MAX_UPLOAD_QUEUE} requests queued`));
    }
    peer.uploads.push(m);
    peer.lastWantAt = this.sched.now();
    this.serve(peer);
  }

  private serve(peer: PeerState): void {
    if (peer.serving || this.stopped) return;
    peer.serving = true;
    void this.serveLoop(peer).finally(() => {
      peer.serving = false;
    });
  }

  private async serveLoop(peer: PeerState): Promise<void> {
    this.noteDrained(peer);
    while (!peer.conn.closed && !peer.amChoking && peer.uploads.length > 0) {
      if (peer.conn.pendingBytes >= this.uploadWatermark(peer)) return; // resumed by 'drain'
      const req = peer.uploads[0] as RequestMessage;
      if (!this.upLimit.tryTake(req.length)) {
        this.sched.setTimer(this.upLimit.waitMs(), () => this.serve(peer));
        return;
      }
      peer.uploads.shift();
      let data: Uint8Array;
      try {
        data = await this.cache.get(req.index);
      } catch (e) {
        this.emit('warning', e instanceof Error ? e : new Error(String(e)));
        if (peer.fast) this.sendTo(peer, { type: 'reject', index: req.index, begin: req.begin, length: req.length });
        continue;
      }
      if (peer.conn.closed || peer.amChoking) return;
      let block = data.subarray(req.begin, req.begin + req.length);
      if (block.length < req.length) {
        // The alignment gap after a v2 torrent's last file (see servedGeometry): zeros.
        const padded = new Uint8Array(req.length);
        padded.set(block);
        block = padded;
      }
      peer.conn.send({ type: 'piece', index: req.index, begin: req.begin, block });
      const now = this.sched.now();
      peer.lastSendAt = now;
      peer.uploaded += block.length;
      this.uploaded += block.length;
      this.upRate.add(block.length, now);
      if (peer.superSeeder) this.announceOffers(peer, peer.superSeeder.served(peer.key, req.index, block.length));
    }
  }

  /**
   * Counts into the peer's upload rate the piece bytes that have left the send buffer since the
   * last call. Counting bytes as they are queued would let a young connection's rate feed on its
   * own buffer (more queued, higher rate, larger watermark) and overstate slow peers' rates to
   * the seeding choker.
   */
  private noteDrained(peer: PeerState): void {
    const left = peer.uploaded - peer.conn.pendingBytes;
    if (left > peer.uploadCounted) {
      peer.uploadRate.add(left - peer.uploadCounted, this.sched.now());
      peer.uploadCounted = left;
    }
  }

  private uploadWatermark(peer: PeerState): number {
    const want = (peer.uploadRate.rate(this.sched.now()) * UPLOAD_BUFFER_MS) / 1000;
    return Math.min(UPLOAD_HIGH_WATER, Math.max(UPLOAD_LOW_WATER, want));
  }

  // ---- choking ------------------------------------------------------------------------------

  /**
   * Between its rounds the choker only gives free slots away, so a choked peer's change of interest
   * can only matter while a slot is free or a round is due; otherwise skip building the snapshot
   * (the cost that dominated large swarms, where interest flips with every piece). A peer we
   * unchoke that lost interest frees its slot, so that case always runs.
   */
  private interestChanged(peer: PeerState): void {
    if (peer.amChoking && this.sched.now() < this.choker.nextRoundAt
      && this.choker.regularPeers().length >= this.choker.slots && this.choker.optimisticPeers().length > 0) return;
    this.rechoke();
  }

  /**
   * Applies the choker's changes; it runs a full round itself every 10 s and repairs in between.
   * `sampleUplink` (the 1 s tick): tell the choker whether our uplink is idle right now, nothing
   * queued for any unchoked peer, so that it can open extra slots.
   */
  private rechoke(sampleUplink = false): void {
    if (this.stopped) return;
    const now = this.sched.now();
    const snapshot: ChokerPeer[] = [];
    let uplinkIdle = sampleUplink;
    for (const p of this.peers.values()) {
      if (!p.amChoking && (p.uploads.length > 0 || p.conn.pendingBytes > 0)) uplinkIdle = false;
      const v = p.chokerView;
      v.now = now;
      v.interested = p.peerInterested;
      v.amChoking = p.amChoking;
      v.snubbed = p.requests.snubbed;
      v.isSeed = p.seed || p.has.hasAll();
      v.idle = !p.amChoking && p.uploads.length === 0 && p.conn.pendingBytes === 0 && now - p.lastWantAt >= IDLE_SLOT_MS;
      snapshot.push(v);
    }
    const d = this.choker.tick(snapshot, now, this.isSeed, uplinkIdle);
    for (const key of d.choke) {
      const p = this.peers.get(String(key));
      if (p) this.setChoke(p, true);
    }
    for (const key of d.unchoke) {
      const p = this.peers.get(String(key));
      if (p) this.setChoke(p, false);
    }
  }

  private setChoke(peer: PeerState, choke: boolean): void {
    if (peer.amChoking === choke) return;
    peer.amChoking = choke;
    if (!choke) peer.lastWantAt = this.sched.now();
    this.sendTo(peer, choke ? CHOKE : UNCHOKE);
    if (choke) {
      // BEP 6: requests we will not serve are rejected explicitly; BEP 3 peers infer it from the choke.
      if (peer.fast) for (const r of peer.uploads) this.sendTo(peer, { type: 'reject', index: r.index, begin: r.begin, length: r.length });
      peer.uploads = [];
    } else {
      this.serve(peer);
    }
  }

  // ---- housekeeping -------------------------------------------------------------------------

  private tick(): void {
    const now = this.sched.now();
    let released = false;
    for (const peer of this.peers.values()) {
      this.noteDrained(peer);
      const t = peer.requests.tick(now);
      if (t.timedOut.length > 0) released = true;
      for (const b of t.timedOut) {
        this.picker.cancelled(peer.key, b);
        this.sendTo(peer, { type: 'cancel', index: b.piece, begin: b.begin, length: b.length });
      }
      if (t.becameSnubbed) peer.snubbedAt = now;
      else if (!peer.requests.snubbed) peer.snubbedAt = undefined;
      if (peer.snubbedAt !== undefined && now - peer.snubbedAt > STALL_DROP_MS) {
        this.drop(peer, new TorrentError('PEER_STALLED', `sent nothing for ${Math.round((now - peer.snubbedAt) / 1000) + 60} s while owing us data`));
        continue;
      }
      if (now - peer.lastSendAt > KEEP_ALIVE_MS) this.sendTo(peer, KEEP_ALIVE);
    }
    // Peers whose pipelines are full need nothing; timed-out blocks are free for anyone again.
    for (const peer of this.peers.values()) if (released || peer.starved) this.fillRequests(peer);
    this.rechoke(true);
    this.extensions.exchangePeers(this.peers.values(), now);
  }

  private sendTo(peer: PeerState, m: OutgoingMessage): void {
    peer.lastSendAt = this.sched.now();
    peer.conn.send(m);
  }

  private applyFilePriorities(priorities: readonly number[]): void {
    const meta = this.metainfo;
    const perPiece = new Int8Array(meta.pieceCount).fill(-1);
    meta.files.forEach((f, i) => {
      if (f.pad || f.length === 0) return;
      const prio = priorities[i] ?? 4;
      const first = Math.floor(f.offset / meta.pieceLength);
      const last = Math.floor((f.offset + f.length - 1) / meta.pieceLength);
      for (let p = first; p <= last; p++) perPiece[p] = Math.max(perPiece[p] as number, prio);
    });
    const ranges = [];
    for (let p = 0; p < meta.pieceCount; p++) {
      const prio = perPiece[p] as number;
      ranges.push({ firstPiece: p, lastPiece: p, priority: prio < 0 ? 0 : prio });
    }
    this.picker.setPriorities(ranges);
  }

  /** Closes every peer and stops the timers; idempotent. Storage is the owner's to close. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) t();
    for (const p of [...this.peers.values()]) p.conn.close();
    this.assembler.clear();
    this.cache.clear();
  }

  /** Resolves when every verified piece handed to storage has been written. */
  async drain(): Promise<void> {
    await this.storage.flush();
  }
}
