// A deterministic in-process network for the DHT: virtual clock, seeded PRNG, per-node access
// latency, random loss and silent departures. It drives DhtCore, the production state machine,
// unchanged: datagrams (or, with `encode: false`, the same messages without the codec round trip)
// go from one core's outbox to another's receive() after a simulated delay; each core's
// nextDeadline() is honoured with tick().
import { DhtCore, type DhtCoreOptions } from '../../src/discovery/dht/core.js';
import { TimerQueue } from '../../src/discovery/dht/timer-queue.js';
import type { KrpcAddress } from '../../src/krpc/index.js';
import { xoshiro128ss, type Random } from '../../src/swarm/random.js';

export interface SimOptions {
  readonly seed: number;
  /** Packet loss probability per datagram (default 0). */
  readonly loss?: number;
  /** Each node's one-way access delay is drawn from [min, max] ms (default 5..50). */
  readonly accessDelayMs?: readonly [number, number];
  /** Extra random jitter per datagram, ms (default 5). */
  readonly jitterMs?: number;
  /** Pass datagrams through the KRPC codec (default true). */
  readonly encode?: boolean;
}

export class SimNode {
  alive = true;
  wakeAt: number | undefined;
  constructor(
    readonly core: DhtCore,
    readonly address: KrpcAddress,
    readonly accessDelayMs: number,
    readonly index: number,
  ) {}
}

type Event =
  | { kind: 'deliver'; to: SimNode; from: KrpcAddress; data: Uint8Array | undefined; message: unknown }
  | { kind: 'wake'; node: SimNode; at: number }
  | { kind: 'call'; fn: () => void };

export function bytesFrom(random: Random): (n: number) => Uint8Array {
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const x = Math.floor(random() * 4294967296);
      out[i] = x & 0xff;
      if (i + 1 < n) out[i + 1] = (x >>> 8) & 0xff;
      if (i + 2 < n) out[i + 2] = (x >>> 16) & 0xff;
      if (i + 3 < n) out[i + 3] = (x >>> 24) & 0xff;
    }
    return out;
  };
}

export class SimNetwork {
  now = 0;
  readonly random: Random;
  readonly randomBytes: (n: number) => Uint8Array;
  private readonly events = new TimerQueue<Event>();
  private readonly byAddress = new Map<string, SimNode>();
  readonly nodes: SimNode[] = [];
  private readonly loss: number;
  private readonly access: readonly [number, number];
  private readonly jitter: number;
  readonly encode: boolean;
  readonly stats = { datagrams: 0, lost: 0, toDead: 0, bytes: 0, events: 0 };
  private nextIp = 0;

  constructor(opts: SimOptions) {
    this.random = xoshiro128ss(opts.seed);
    this.randomBytes = bytesFrom(this.random);
    this.loss = opts.loss ?? 0;
    this.access = opts.accessDelayMs ?? [5, 50];
    this.jitter = opts.jitterMs ?? 5;
    this.encode = opts.encode ?? true;
  }

  /** A fresh public-looking IPv4 address (so BEP 42 ids are derived and checked). */
  allocateIp(): string {
    // 11.0.0.1 onwards: outside the BEP 42 local ranges
    const n = 0x0b000001 + this.nextIp++;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }

  addNode(opts: Partial<DhtCoreOptions> & { host?: string; port?: number } = {}): SimNode {
    const host = opts.host ?? this.allocateIp();
    const port = opts.port ?? 6881;
    const seed = Math.floor(this.random() * 2 ** 32);
    const nodeRandom = xoshiro128ss(seed);
    const core = new DhtCore({
      now: this.now,
      random: nodeRandom,
      randomBytes: bytesFrom(nodeRandom),
      externalIp: host,
      rateLimit: false,
      ...opts,
    });
    const [lo, hi] = this.access;
    const node = new SimNode(core, { host, port }, lo + this.random() * (hi - lo), this.nodes.length);
    this.nodes.push(node);
    this.byAddress.set(`${host}|${port}`, node);
    return node;
  }

  /** The node leaves without a word; datagrams to it vanish. */
  kill(node: SimNode): void {
    node.alive = false;
    node.core.close();
    node.core.takeOutgoing();
    this.byAddress.delete(`${node.address.host}|${node.address.port}`);
  }

  /** Runs `fn` against a node's core now and flushes what it sent. */
  act<T>(node: SimNode, fn: (core: DhtCore) => T): T {
    node.core.tick(this.now);
    const r = fn(node.core);
    this.flush(node);
    return r;
  }

  /** Schedules a callback at a virtual time. */
  at(time: number, fn: () => void): void {
    this.events.push(time, { kind: 'call', fn });
  }

  private flush(node: SimNode): void {
    if (!node.alive) return;
    const out = this.encode ? node.core.takeDatagrams() : node.core.takeOutgoing();
    for (const o of out) {
      this.stats.datagrams++;
      const data = 'data' in o ? o.data : undefined;
      if (data) this.stats.bytes += data.length;
      if (this.loss > 0 && this.random() < this.loss) {
        this.stats.lost++;
        continue;
      }
      const to = this.byAddress.get(`${o.to.host}|${o.to.port}`);
      if (!to) {
        this.stats.toDead++;
        continue;
      }
      const delay = node.accessDelayMs + to.accessDelayMs + this.random() * this.jitter;
      this.events.push(this.now + delay, { kind: 'deliver', to, from: node.address, data, message: 'message' in o ? o.message : undefined });
    }
    const d = node.core.nextDeadline();
    if (d !== undefined && d !== node.wakeAt) {
      node.wakeAt = d;
      this.events.push(Math.max(d, this.now), { kind: 'wake', node, at: d });
    }
  }

  /** Processes events up to virtual time `until` (or until `stop()` returns true). */
  run(until: number, stop?: () => boolean): void {
    for (;;) {
      const t = this.events.peekTime();
      if (t === undefined || t > until) break;
      const e = this.events.popDue(t) as Event;
      this.now = t;
      this.stats.events++;
      if (e.kind === 'call') e.fn();
      else if (e.kind === 'wake') {
        if (!e.node.alive || e.node.wakeAt !== e.at) continue;
        e.node.wakeAt = undefined;
        e.node.core.tick(this.now);
        this.flush(e.node);
      } else {
        if (!e.to.alive) continue;
        if (e.data) e.to.core.receive(e.data, e.from, this.now);
        else e.to.core.receiveMessage(e.message as Parameters<DhtCore['receiveMessage']>[0], e.from, this.now);
        this.flush(e.to);
      }
      if (stop?.()) return;
    }
    if (this.now < until) this.now = until;
  }

  /** Delivers one raw datagram to a node now (tests: garbage, spoofed replies). */
  inject(to: SimNode, from: KrpcAddress, data: Uint8Array): void {
    to.core.receive(data, from, this.now);
    this.flush(to);
  }
}
