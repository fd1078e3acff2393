// The simulated network under the swarm: hosts with an upload and a download capacity and a
// one-way access latency, joined by SimLinks that implement the engine's PeerLink and carry
// message objects (never bytes) on virtual time.
//
// Model, per direction A -> B of a connection:
//  - A's uplink is one server of capacity up(A) shared round-robin among A's connections that
//    have something queued: each turn sends one "unit", the queued control messages up to and
//    including the next piece message. Piece messages are what costs, so this is fair sharing by
//    bytes among the connections A is uploading to (the unchoked ones), and a have or a request
//    never waits behind more than one block per connection.
//  - After propagation (latency(A) + latency(B)) a unit carrying a piece enters B's downlink, a
//    FIFO server of capacity down(B) fed in arrival order (store and forward of one block, so many
//    slow senders share a fast downlink in parallel). Control-only units are a few bytes; they
//    skip the downlink queue. A connection delivers in order (TCP): nothing overtakes its head.
//  - Back-pressure: a connection holds at most a window of bytes in flight (committed by A's
//    uplink, not yet delivered), about one bandwidth-delay product plus 100 ms of queue. While the
//    window is full A's uplink serves its other connections, so a receiver with a slow downlink
//    does not waste the sender's capacity. pendingBytes is what A queued and its uplink has not
//    taken yet, as on a socket (Node's writableLength); like a net.Socket the link asks for a
//    drain() once that rose to 16 KiB, and calls it when the uplink has taken everything.
//
// Every host is one SimTask (its uplink) and every link endpoint is one (its deliveries), so an
// event costs no allocation; consecutive deliveries of one connection share one event.
import type { OutgoingMessage, PeerLink, PeerLinkHandler } from '../../src/session/peer-link.js';
import type { BlockRequest } from '../../src/swarm/index.js';
import type { ReservedFlags, WireMessage } from '../../src/wire/index.js';
import type { SimTask, VirtualClock } from './clock.js';
import { wireSize } from './wire-size.js';

export interface HostOptions {
  /** Upload capacity, bytes per second. */
  readonly upload: number;
  /** Download capacity, bytes per second. */
  readonly download: number;
  /** One-way access latency, ms (a connection's propagation delay is the sum of both ends'). */
  readonly latencyMs: number;
  /** Outgoing message types this host never sends (a free-rider drops its unchokes). */
  readonly drop?: ReadonlySet<string>;
}

const FEATURES: Required<ReservedFlags> = { fast: true, extensionProtocol: false, dht: false, v2: false };
/** pendingBytes from which a link reports drain() once empty (net.Socket's writableHighWaterMark). */
const DRAIN_MARK = 16 * 1024;
const MIN_WINDOW = 64 * 1024;
/** Messages up to this size (everything but pieces, bitfields and large extended messages). */
const SMALL = 1024;
/** Queueing a window allows on top of the bandwidth-delay product, ms. */
const WINDOW_QUEUE_MS = 100;

export class ConnectionClosed extends Error {
  readonly code = 'SIM_CONNECTION_CLOSED';
}

/** A simulated host: its uplink is a SimTask that serves its connections in turn. */
export class SimHost implements SimTask {
  /** Capacities in bytes per ms. */
  readonly up: number;
  readonly down: number;
  readonly latency: number;
  readonly drop: ReadonlySet<string> | undefined;
  /** Connections with queued data and an open window, served in turn from ringHead. */
  private ring: SimLink[] = [];
  private ringHead = 0;
  /** When the uplink finishes what it has committed (exact ms). */
  private tFree = 0;
  private scheduled = false;
  private running = false;
  /** When the downlink finishes what it has accepted (exact ms). */
  dFree = 0;
  /** Bytes committed to the uplink (all messages) and piece payload bytes among them. */
  bytesSent = 0;
  payloadSent = 0;
  /** Peer messages delivered to this host. */
  messagesReceived = 0;
  readonly links = new Set<SimLink>();

  constructor(readonly clock: VirtualClock, readonly index: number, readonly ip: string, opts: HostOptions) {
    if (!(opts.upload > 0) || !(opts.download > 0)) throw new RangeError('host capacities must be positive');
    this.up = opts.upload / 1000;
    this.down = opts.download / 1000;
    this.latency = opts.latencyMs;
    this.drop = opts.drop;
  }

  /** Called by a link that has data and an open window and is not in the ring yet. */
  enqueue(link: SimLink): void {
    link.inRing = true;
    this.ring.push(link);
    if (this.scheduled || this.running) return;
    const now = this.clock.now();
    if (this.tFree < now) this.tFree = now; // the uplink was idle
    this.scheduled = true;
    this.clock.at(this.tFree, this);
  }

  /** Bytes sent outside the turn-taking (control messages on an idle connection). */
  charge(bytes: number): void {
    const now = this.clock.now();
    if (this.tFree < now) this.tFree = now;
    this.tFree += bytes / this.up;
    this.bytesSent += bytes;
  }

  run(): void {
    this.scheduled = false;
    this.running = true;
    while (this.ringHead < this.ring.length && this.clock.due(this.tFree)) {
      const link = this.ring[this.ringHead++] as SimLink;
      link.inRing = false;
      if (link.closed || !link.hasQueued()) continue;
      const bytes = link.commitUnit(this.tFree, this.up);
      this.tFree += bytes / this.up;
      this.bytesSent += bytes;
      if (link.hasQueued() && link.windowOpen()) {
        link.inRing = true;
        this.ring.push(link);
      }
    }
    if (this.ringHead > 256 && this.ringHead * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.ringHead);
      this.ringHead = 0;
    }
    this.running = false;
    if (this.ringHead < this.ring.length) {
      this.scheduled = true;
      this.clock.at(this.tFree, this);
    }
  }
}

/** One end of a simulated connection: what the local host's Torrent talks to. */
export class SimLink implements PeerLink, SimTask {
  readonly features = FEATURES;
  readonly address: string;
  readonly remoteIp: string;
  readonly remotePort = 6881;
  other!: SimLink;
  closed = false;
  inRing = false;
  private handler: Partial<PeerLinkHandler> | undefined;
  private early: WireMessage[] = [];
  /** Outgoing, not yet taken by the uplink. */
  private queue: OutgoingMessage[] = [];
  private sizes: number[] = [];
  private qHead = 0;
  private queued = 0;
  private wantDrain = false;
  /**
   * Taken by the uplink, not yet delivered to the other end, as parallel arrays (no object per
   * message): the message (undefined: the close notice), its size, the time it is due at its next
   * stage, and whether that stage is the receiver's downlink (pieces) or delivery.
   */
  private fMsg: (WireMessage | undefined)[] = [];
  private fSize: number[] = [];
  private fTime: number[] = [];
  private fDown: boolean[] = [];
  private fHead = 0;
  private inflight = 0;
  private deliveryArmed = false;
  /** Propagation delay and flight window of this direction. */
  readonly delay: number;
  readonly window: number;

  constructor(readonly local: SimHost, readonly remote: SimHost, readonly remotePeerId: Uint8Array, readonly outgoing: boolean) {
    this.remoteIp = remote.ip;
    this.address = `${remote.ip}:6881`;
    this.delay = local.latency + remote.latency;
    const rate = Math.min(local.up, remote.down);
    this.window = Math.max(MIN_WINDOW, rate * (2 * this.delay + WINDOW_QUEUE_MS));
  }

  get pendingBytes(): number {
    return this.queued;
  }

  attach(handler: Partial<PeerLinkHandler>): void {
    this.handler = handler;
    const early = this.early;
    this.early = [];
    for (const m of early) {
      if (this.closed) return;
      handler.message?.(m);
    }
  }

  send(m: OutgoingMessage): void {
    if (this.closed) return;
    if (this.local.drop?.has(m.type)) return;
    this.push(m, wireSize(m));
  }

  sendRequests(blocks: readonly BlockRequest[]): void {
    if (this.closed) return;
    for (const b of blocks) this.push({ type: 'request', index: b.piece, begin: b.begin, length: b.length }, 17);
  }

  private push(m: OutgoingMessage, size: number): void {
    if (size <= SMALL && this.qHead === this.queue.length && !this.inRing && this.windowOpen()) {
      // Nothing of ours waits for the uplink: a control message leaves at once. Its few bytes are
      // still charged to the uplink, which finishes its current work that much later.
      this.local.charge(size);
      this.toFlight(m, size, this.local.clock.now() + size / this.local.up + this.delay, false);
      this.inflight += size;
      this.armDelivery();
      return;
    }
    this.queue.push(m);
    this.sizes.push(size);
    this.queued += size;
    if (this.queued >= DRAIN_MARK) this.wantDrain = true;
    if (!this.inRing && this.windowOpen()) this.local.enqueue(this);
  }

  private toFlight(m: WireMessage, size: number, t: number, downlink: boolean): void {
    this.fMsg.push(m);
    this.fSize.push(size);
    this.fTime.push(t);
    this.fDown.push(downlink);
  }

  hasQueued(): boolean {
    return this.qHead < this.queue.length;
  }

  windowOpen(): boolean {
    return this.inflight < this.window;
  }

  /**
   * The uplink takes the next unit (control messages up to and including one piece), starting
   * at `start` at `up` bytes/ms. Returns its size.
   */
  commitUnit(start: number, up: number): number {
    let bytes = 0;
    const first = this.qHead;
    let piece = false;
    while (this.qHead < this.queue.length) {
      const m = this.queue[this.qHead] as OutgoingMessage;
      bytes += this.sizes[this.qHead] as number;
      this.qHead++;
      if (m.type === 'piece') {
        piece = true;
        break;
      }
    }
    const finish = start + bytes / up;
    const arrive = finish + this.delay;
    for (let i = first; i < this.qHead; i++) {
      const size = this.sizes[i] as number;
      const isPiece = piece && i === this.qHead - 1;
      this.toFlight(this.queue[i] as OutgoingMessage, size, arrive, isPiece);
      if (isPiece) this.local.payloadSent += size - 13;
    }
    this.inflight += bytes;
    this.queued -= bytes;
    if (this.qHead > 256 && this.qHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.qHead);
      this.sizes = this.sizes.slice(this.qHead);
      this.qHead = 0;
    } else if (this.qHead === this.queue.length) {
      this.queue.length = 0;
      this.sizes.length = 0;
      this.qHead = 0;
    }
    this.armDelivery();
    if (this.wantDrain && this.queued === 0) {
      this.wantDrain = false;
      this.handler?.drain?.();
    }
    return bytes;
  }

  private armDelivery(): void {
    if (this.deliveryArmed || this.fHead >= this.fMsg.length) return;
    this.deliveryArmed = true;
    this.local.clock.at(this.fTime[this.fHead] as number, this);
  }

  /** Deliveries: moves the head of the flight queue through the downlink and to the other end. */
  run(): void {
    this.deliveryArmed = false;
    const horizon = this.local.clock.horizon;
    const times = this.fTime;
    let h = this.fHead;
    while (h < times.length) {
      const t = times[h] as number;
      if (t > horizon) break;
      if (this.fDown[h]) {
        const r = this.remote;
        const start = t > r.dFree ? t : r.dFree;
        r.dFree = start + (this.fSize[h] as number) / r.down;
        times[h] = r.dFree;
        this.fDown[h] = false;
        continue;
      }
      const m = this.fMsg[h];
      this.fMsg[h] = undefined;
      this.inflight -= this.fSize[h] as number;
      this.fHead = ++h;
      if (m === undefined) this.other.remoteClosed();
      else this.other.receive(m);
      h = this.fHead; // a handler may have closed us; the arrays are still ours
    }
    this.compactFlight();
    this.armDelivery();
    if (!this.closed && !this.inRing && this.hasQueued() && this.windowOpen()) this.local.enqueue(this);
  }

  private compactFlight(): void {
    const h = this.fHead;
    const n = this.fMsg.length;
    if (h === n) {
      this.fMsg.length = 0;
      this.fSize.length = 0;
      this.fTime.length = 0;
      this.fDown.length = 0;
      this.fHead = 0;
    } else if (h > 256 && h * 2 > n) {
      this.fMsg = this.fMsg.slice(h);
      this.fSize = this.fSize.slice(h);
      this.fTime = this.fTime.slice(h);
      this.fDown = this.fDown.slice(h);
      this.fHead = 0;
    }
  }

  private receive(m: WireMessage): void {
    if (this.closed) return;
    this.local.messagesReceived++;
    const h = this.handler;
    if (h?.message) h.message(m);
    else this.early.push(m);
  }

  /** Our side closes: unsent data is dropped, what is in flight still arrives, then the close. */
  close(reason?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.sizes = [];
    this.qHead = 0;
    this.queued = 0;
    const last = this.fTime.length > this.fHead ? (this.fTime[this.fTime.length - 1] as number) : 0;
    this.fMsg.push(undefined);
    this.fSize.push(0);
    this.fTime.push(Math.max(last, this.local.clock.now() + this.delay));
    this.fDown.push(false);
    this.armDelivery();
    this.local.links.delete(this);
    this.handler?.close?.(reason);
  }

  private remoteClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.sizes = [];
    this.qHead = 0;
    this.queued = 0;
    this.local.links.delete(this);
    this.handler?.close?.(new ConnectionClosed('connection closed by the peer'));
  }
}

/** Creates a connection that `a` dialled to `b`: returns the end for `a` and the end for `b`. */
export function connect(a: SimHost, b: SimHost, idA: Uint8Array, idB: Uint8Array): [SimLink, SimLink] {
  const la = new SimLink(a, b, idB, true);
  const lb = new SimLink(b, a, idA, false);
  la.other = lb;
  lb.other = la;
  a.links.add(la);
  b.links.add(lb);
  return [la, lb];
}
