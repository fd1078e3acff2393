// What the torrent knows about one connected peer: the four BEP 3 state bits, what the peer has,
// its request pipeline (swarm/request-queue), its upload queue, and rates for the choker.
import { Bitfield, RateEstimator, RequestQueue, type ChokerPeer, type SuperSeeder } from '../swarm/index.js';
import type { ExtensionHandshake, PexState, RequestMessage } from '../wire/index.js';
import type { PeerLink } from './peer-link.js';

export class PeerState {
  /** BEP 3: every connection starts choked and not interested, on both sides. */
  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  /** The peer's pieces. */
  has: Bitfield;
  /** The picker has been told about this peer's pieces (bitfield, have-all, have-none or a first have). */
  announced = false;
  seed = false;
  /** Set when we super-seed this peer (BEP 16: it was greeted while we were a super-seed). */
  superSeeder: SuperSeeder | undefined;
  /** Any message after the handshake has arrived: a bitfield is no longer allowed. */
  gotFirstMessage = false;
  readonly requests: RequestQueue;
  /** Rate of piece bytes that left our send buffer for this peer (see Torrent.noteDrained). */
  readonly uploadRate: RateEstimator;
  /** Piece bytes counted into uploadRate so far. */
  uploadCounted = 0;
  /** Requests the peer made of us, in order; served while we do not choke it. */
  uploads: RequestMessage[] = [];
  serving = false;
  /**
   * BEP 6: pieces the peer lets us request while it chokes us; created by the first allowed-fast
   * message (most peers send none, and swarms of thousands of connections feel every empty Set).
   */
  allowedFast: Set<number> | undefined;
  ext: ExtensionHandshake | undefined;
  /** What PEX has told this peer so far (BEP 11). */
  pex: PexState | undefined;
  /** Hash failures of pieces this peer contributed to. */
  strikes = 0;
  /** Requests it rejected for pieces it announced, while unchoking us. */
  rejects = 0;
  /** Since when the request pipeline has considered the peer snubbed. */
  snubbedAt: number | undefined;
  /** A rate-limit retry of fillRequests is scheduled. */
  retryArmed = false;
  /**
   * The last fillRequests could not fill the pipeline (the picker had too little for this peer,
   * or writes were backed up): retry when pieces verify or the peer announces a wanted piece.
   */
  starved = true;
  /** When it last asked us for a block, or we last unchoked it: whether it uses its slot. */
  lastWantAt = 0;
  /** When we last sent anything (keep-alives) and last unchoked it (optimistic rotation). */
  lastSendAt: number;
  readonly connectedAt: number;
  /** Bytes of piece data this peer sent us / we sent it (for stats). */
  downloaded = 0;
  uploaded = 0;
  /**
   * What the choker is shown of this peer, refreshed in place before each of its runs (every
   * second, and on interest changes): a new object per peer and run was a large share of a big
   * swarm's garbage. The choker keeps ids only, never these objects.
   */
  readonly chokerView: ChokerView;

  constructor(readonly key: string, readonly conn: PeerLink, pieceCount: number, now: number) {
    this.has = new Bitfield(pieceCount);
    this.requests = new RequestQueue({ now });
    this.uploadRate = new RateEstimator(now);
    this.connectedAt = now;
    this.lastSendAt = now;
    this.chokerView = new ChokerView(this);
  }

  get fast(): boolean {
    return this.conn.features.fast;
  }

  get address(): string {
    return this.conn.address;
  }
}

/**
 * A peer as the choker sees it. The flags are set by the engine before each choker run; the
 * rates are measured when the choker reads them, at that run's time: most runs only check the
 * slot holders and never rank anyone, and measuring two rates for every peer every second was
 * a measurable share of a large swarm's time (rate windows are cold in memory).
 */
export class ChokerView implements ChokerPeer {
  interested = false;
  amChoking = true;
  snubbed = false;
  isSeed = false;
  idle = false;
  /** The time of the choker run the view is refreshed for (ms). */
  now = 0;

  readonly id: string;
  readonly connectedAt: number;

  constructor(private readonly peer: PeerState) {
    this.id = peer.key;
    this.connectedAt = peer.connectedAt;
  }

  get downloadRate(): number {
    return this.peer.requests.rate.rate(this.now);
  }

  get uploadRate(): number {
    return this.peer.uploadRate.rate(this.now);
  }
}
