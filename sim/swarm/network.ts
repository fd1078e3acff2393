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
// event costs no allocation; consecutive deliveries of one connection share one event. A message
// holds one small object (its Envelope, recycled once delivered) from send to delivery.
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
  /** Peer messages delivered on links that are closed now (open links count their own). */
  private closedReceived = 0;
  readonly links = new Set<SimLink>();

  constructor(readonly clock: VirtualClock, readonly index: number, readonly ip: string, opts: HostOptions) {
    if (!(opts.upload > 0) || !(opts.download > 0)) throw new RangeError('host capacities must be positive');
    this.up = opts.upload / 1000;
    this.down = opts.download / 1000;
    this.latency = opts.latencyMs;
    this.drop = opts.drop;
  }

  /**
   * Peer messages delivered to this host. Each link counts its own, so that a delivery touches
   * no host object (one cache miss less per message).
   */
  get messagesReceived(): number {
    let n = this.closedReceived;
    for (const l of this.links) n += l.received;
    return n;
  }

  /** A link of this host closed: it leaves the host's set, its count stays. */
  detach(link: SimLink): void {
    if (this.links.delete(link)) this.closedReceived += link.received;
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

/**
 * A message on one direction of a connection, from the moment it is sent until it is delivered:
 * queued for the uplink, then in flight. One object per message, linked in send order: what a
 * delivery reads sits together (a simulation of thousands of peers is bound by memory latency,
 * and parallel arrays cost a cache miss per array), and queues need no compaction.
 */
class Envelope {
  next: Envelope | undefined = undefined;
  /** When it is due at its next stage (exact ms); set when the uplink takes it. */
  time = 0;
  constructor(
    /** undefined: the close notice (or a spare envelope). */
    public msg: WireMessage | undefined,
    public size: number,
    /** Its next stage is the receiver's downlink (a piece), not delivery. */
    public down: boolean,
  ) {}
}

/**
 * Delivered envelopes, reused. A large swarm sends millions of messages (haves, mostly); a new
 * envelope for each made a sixth of all the bytes the simulation allocated, and those that wait
 * behind slow uplinks live long enough to reach the old generation before they die.
 */
const spareEnvelopes: Envelope[] = [];
const MAX_SPARE_ENVELOPES = 1 << 16;

function envelope(msg: WireMessage | undefined, size: number): Envelope {
  const e = spareEnvelopes.pop();
  if (e === undefined) return new Envelope(msg, size, false);
  e.msg = msg;
  e.size = size;
  e.down = false;
  e.time = 0;
  return e;
}

function recycle(e: Envelope): void {
  if (spareEnvelopes.length >= MAX_SPARE_ENVELOPES) return;
  e.msg = undefined;
  e.next = undefined;
  spareEnvelopes.push(e);
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
  /**
   * handler.message, kept here and called on the handler: a delivery then reads no field of the
   * handler object (one cache miss less per message).
   */
  private deliver: PeerLinkHandler['message'] | undefined;
  private early: WireMessage[] = [];
  /** Outgoing, not yet taken by the uplink: qFirst .. qLast. */
  private qFirst: Envelope | undefined;
  private qLast: Envelope | undefined;
  private queued = 0;
  private wantDrain = false;
  /** Taken by the uplink, not yet delivered to the other end: fFirst .. fLast. */
  private fFirst: Envelope | undefined;
  private fLast: Envelope | undefined;
  private inflight = 0;
  private deliveryArmed = false;
  /** Messages delivered to this end; the host adds them up (see SimHost.messagesReceived). */
  received = 0;
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
    this.deliver = handler.message;
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
    if (size <= SMALL && this.qFirst === undefined && !this.inRing && this.windowOpen()) {
      // Nothing of ours waits for the uplink: a control message leaves at once. Its few bytes are
      // still charged to the uplink, which finishes its current work that much later.
      this.local.charge(size);
      const e = envelope(m, size);
      e.time = this.local.clock.now() + size / this.local.up + this.delay;
      this.toFlight(e);
      this.inflight += size;
      this.armDelivery();
      return;
    }
    const e = envelope(m, size);
    if (this.qLast === undefined) this.qFirst = e;
    else this.qLast.next = e;
    this.qLast = e;
    this.queued += size;
    if (this.queued >= DRAIN_MARK) this.wantDrain = true;
    if (!this.inRing && this.windowOpen()) this.local.enqueue(this);
  }

  /** Appends the envelopes first .. last (already linked, last.next unset) to the flight list. */
  private toFlight(first: Envelope, last: Envelope = first): void {
    if (this.fLast === undefined) this.fFirst = first;
    else this.fLast.next = first;
    this.fLast = last;
  }

  hasQueued(): boolean {
    return this.qFirst !== undefined;
  }

  windowOpen(): boolean {
    return this.inflight < this.window;
  }

  /**
   * The uplink takes the next unit (control messages up to and including one piece), starting
   * at `start` at `up` bytes/ms. Returns its size.
   */
  commitUnit(start: number, up: number): number {
    const first = this.qFirst;
    if (first === undefined) return 0;
    let last = first;
    let bytes = first.size;
    while ((last.msg as OutgoingMessage).type !== 'piece' && last.next !== undefined) {
      last = last.next;
      bytes += last.size;
    }
    if ((last.msg as OutgoingMessage).type === 'piece') {
      last.down = true;
      this.local.payloadSent += last.size - 13;
    }
    const arrive = start + bytes / up + this.delay;
    for (let e = first; ; e = e.next as Envelope) {
      e.time = arrive;
      if (e === last) break;
    }
    this.qFirst = last.next;
    if (this.qFirst === undefined) this.qLast = undefined;
    last.next = undefined;
    this.toFlight(first, last);
    this.inflight += bytes;
    this.queued -= bytes;
    this.armDelivery();
    if (this.wantDrain && this.queued === 0) {
      this.wantDrain = false;
      this.handler?.drain?.();
    }
    return bytes;
  }

  private armDelivery(): void {
    if (this.deliveryArmed || this.fFirst === undefined) return;
    this.deliveryArmed = true;
    this.local.clock.at(this.fFirst.time, this);
  }

  /** Deliveries: moves the head of the flight queue through the downlink and to the other end. */
  run(): void {
    this.deliveryArmed = false;
    const horizon = this.local.clock.horizon;
    let e = this.fFirst;
    while (e !== undefined) {
      const t = e.time;
      if (t > horizon) break;
      if (e.down) {
        const r = this.remote;
        const start = t > r.dFree ? t : r.dFree;
        r.dFree = start + e.size / r.down;
        e.time = r.dFree;
        e.down = false;
        continue;
      }
      const next = e.next;
      this.fFirst = next;
      if (next === undefined) this.fLast = undefined;
      this.inflight -= e.size;
      const m = e.msg;
      recycle(e);
      if (m === undefined) this.other.remoteClosed();
      else this.other.receive(m);
      e = this.fFirst; // a handler may have closed us (the close notice goes at the end)
    }
    this.armDelivery();
    if (!this.closed && !this.inRing && this.qFirst !== undefined && this.windowOpen()) this.local.enqueue(this);
  }

  private receive(m: WireMessage): void {
    if (this.closed) return;
    this.received++;
    const deliver = this.deliver;
    if (deliver !== undefined) deliver.call(this.handler, m);
    else this.early.push(m);
  }

  /** Our side closes: unsent data is dropped, what is in flight still arrives, then the close. */
  close(reason?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.dropQueue();
    const e = envelope(undefined, 0);
    e.time = Math.max(this.fLast?.time ?? 0, this.local.clock.now() + this.delay);
    this.toFlight(e);
    this.armDelivery();
    this.local.detach(this);
    this.handler?.close?.(reason);
  }

  private remoteClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.dropQueue();
    this.local.detach(this);
    this.handler?.close?.(new ConnectionClosed('connection closed by the peer'));
  }

  private dropQueue(): void {
    this.qFirst = undefined;
    this.qLast = undefined;
    this.queued = 0;
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
