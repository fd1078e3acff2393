// The swarm simulation: peers arrive (flash crowd or Poisson), find each other through a
// simulated tracker, connect over simulated links and run shoal's real Torrent engine; they leave
// on completion, after a seeding time, or mid-download (churn); seeders may leave too. The run
// samples a time series (upload utilization, piece availability, progress) and keeps one record
// per peer. Same config and seed, same result.
import type { Metainfo } from '../../src/metainfo/index.js';
import { xoshiro128ss, type Random } from '../../src/swarm/random.js';
import { VirtualClock } from './clock.js';
import type { PeerClass, SwarmConfig } from './config.js';
import { simMetainfo } from './metainfo.js';
import { connect } from './network.js';
import { ipOf, SimPeer, type PeerRecord } from './peer.js';
import { SimTracker } from './tracker.js';

export interface Sample {
  /** Virtual time, ms. */
  readonly t: number;
  readonly leechers: number;
  readonly seeds: number;
  readonly completed: number;
  /** Verified pieces of all leechers / (configured leechers x pieces). */
  readonly progress: number;
  /** Wire bytes all hosts committed to their uplinks during the sample period / their capacity. */
  readonly utilization: number;
  /**
   * The same bytes / the capacity the swarm could use: the smaller of the hosts' upload capacity
   * and the unfinished leechers' download capacity (the fluid model behind the Kumar & Ross
   * bound). Once only slow-downlink leechers are left, upload capacity nobody can receive is
   * not counted as unused.
   */
  readonly usableUtilization: number;
  /** Copies of the rarest / an average piece among the peers present. */
  readonly minAvailability: number;
  readonly meanAvailability: number;
}

export interface RunStats {
  readonly wallMs: number;
  /** CPU time of this process (user + system), ms: the machine is shared, wall time is not. */
  readonly cpuMs: number;
  readonly virtualMs: number;
  /** Clock tasks (engine timers, uplink turns, delivery batches). */
  readonly events: number;
  /** Peer messages delivered. */
  readonly messages: number;
  readonly quanta: number;
  readonly peakHeapBytes: number;
  readonly peakRssBytes: number;
}

export interface SimResult {
  readonly config: SwarmConfig;
  readonly fileBytes: number;
  readonly peers: readonly PeerRecord[];
  readonly samples: readonly Sample[];
  readonly stats: RunStats;
  /** Engine warnings by code (dropped peers and the like). */
  readonly warnings: ReadonlyMap<string, number>;
  /** All leechers that did not leave early finished. */
  readonly finished: boolean;
  /** The run stopped because no piece was verified for `stallStopMs`. */
  readonly stalled: boolean;
  /** Notable moments: seeders leaving (time in ms, what, payload bytes the seeder had sent). */
  readonly timeline: readonly { readonly t: number; readonly event: string; readonly bytes?: number }[];
}

export interface RunOptions {
  /** Called on every sample (progress output). */
  readonly onSample?: (s: Sample, stats: RunStats) => void;
}

export class Simulation {
  readonly clock: VirtualClock;
  readonly meta: Metainfo;
  private readonly rand: Random;
  private readonly tracker: SimTracker<SimPeer>;
  private readonly zeros: Uint8Array;
  private readonly all: SimPeer[] = [];
  private readonly present = new Set<SimPeer>();
  /** Per piece, how many present peers have it verified. */
  private readonly avail: Int32Array;
  /** Per piece, how many present leechers have it verified; and how many pieces have one at least. */
  private readonly leecherAvail: Int32Array;
  private covered = 0;
  private lastProgressAt = 0;
  private stalled = false;
  private readonly timeline: { t: number; event: string; bytes?: number }[] = [];
  private readonly warnings = new Map<string, number>();
  private pendingArrivals = 0;
  /** Departures decided but not yet done (they run later in the same quantum). */
  private pendingLeaves = 0;
  private unfinished = 0;
  private totalVerified = 0;
  private lastBytes = 0;
  private lastSampleAt = 0;
  private readonly samples: Sample[] = [];
  private peakHeap = 0;
  private peakRss = 0;
  private cpuStart = process.cpuUsage();

  constructor(readonly cfg: SwarmConfig) {
    this.clock = new VirtualClock(cfg.quantumMs);
    this.meta = simMetainfo({ pieceCount: cfg.pieceCount, pieceLength: cfg.pieceLength });
    this.rand = xoshiro128ss(cfg.seed);
    this.tracker = new SimTracker(xoshiro128ss((cfg.seed * 7919 + 1) >>> 0));
    this.zeros = new Uint8Array(cfg.pieceLength);
    this.avail = new Int32Array(cfg.pieceCount);
    this.leecherAvail = new Int32Array(cfg.pieceCount);
  }

  /** The peers in the swarm now (for diagnostics that read their state between samples). */
  presentPeers(): Iterable<SimPeer> {
    return this.present;
  }

  async run(opts: RunOptions = {}): Promise<SimResult> {
    const cfg = this.cfg;
    const started = performance.now();
    this.cpuStart = process.cpuUsage();
    for (let i = 0; i < cfg.seeders.count; i++) this.arrive('seeder', cfg.seeders, 'seeder', false, false);
    this.scheduleArrivals();
    const seederWatch = cfg.seeders.leaveAfterBytes !== undefined || cfg.seeders.leaveWhenSwarmHasCopy === true;
    let nextSample = cfg.sampleMs;
    const stats = (): RunStats => this.runStats(started);
    await this.clock.run({
      until: cfg.maxTimeMs,
      afterQuantum: (now) => {
        if (seederWatch) this.checkSeeders();
        if (now >= nextSample) {
          nextSample = now + cfg.sampleMs;
          const s = this.sample(now);
          opts.onSample?.(s, stats());
        }
      },
      done: () => {
        if (this.unfinished === 0 && this.pendingArrivals === 0 && this.pendingLeaves === 0) return true;
        if (this.pendingArrivals === 0 && this.clock.now() - this.lastProgressAt > cfg.stallStopMs) this.stalled = true;
        return this.stalled;
      },
    });
    const end = this.clock.now();
    if (this.samples.length === 0 || (this.samples[this.samples.length - 1] as Sample).t < end) this.sample(end);
    for (const p of this.present) p.snapshot();
    for (const p of [...this.present]) p.stop(end);
    // Let the engines' closing promises settle before the caller reads anything.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return {
      config: cfg,
      fileBytes: this.meta.length,
      peers: this.all.map((p) => p.record),
      samples: this.samples,
      stats: stats(),
      warnings: this.warnings,
      finished: this.unfinished === 0,
      stalled: this.stalled,
      timeline: this.timeline,
    };
  }

  // ---- arrivals and departures --------------------------------------------------------------

  private scheduleArrivals(): void {
    const cfg = this.cfg;
    const a = cfg.arrivals;
    let t = 0;
    const freeRiders = Math.round(cfg.freeRiders * cfg.peers);
    const leavers = cfg.churn ? Math.round(cfg.churn.leaveFraction * cfg.peers) : 0;
    // Which leechers free-ride or leave early: fixed fractions, chosen at random positions.
    const role = new Uint8Array(cfg.peers);
    const pick = (n: number, value: number): void => {
      for (let k = 0; k < n;) {
        const i = Math.floor(this.rand() * cfg.peers);
        if (role[i] === 0) {
          role[i] = value;
          k++;
        }
      }
    };
    pick(Math.min(freeRiders, cfg.peers), 1);
    pick(Math.min(leavers, cfg.peers - freeRiders), 2);
    for (let i = 0; i < cfg.peers; i++) {
      if (a.kind === 'flash') t = this.rand() * (a.windowMs ?? 1000);
      else t += (-Math.log(1 - this.rand()) / a.perSecond) * 1000;
      const cls = this.pickClass();
      const r = role[i];
      this.pendingArrivals++;
      this.unfinished++;
      this.clock.setTimer(t, () => {
        this.pendingArrivals--;
        this.arrive('leecher', cls, cls.name, r === 1, r === 2);
      });
    }
  }

  private pickClass(): PeerClass {
    const classes = this.cfg.classes;
    const total = classes.reduce((s, c) => s + (c.weight ?? 1), 0);
    let r = this.rand() * total;
    for (const c of classes) {
      r -= c.weight ?? 1;
      if (r < 0) return c;
    }
    return classes[classes.length - 1] as PeerClass;
  }

  private arrive(kind: 'seeder' | 'leecher', cap: { upload: number; download: number }, className: string,
    freeRider: boolean, leaver: boolean, replacement = false): SimPeer {
    const cfg = this.cfg;
    const index = this.all.length;
    const [lo, hi] = cfg.latencyMs;
    let leaveAtPieces: number | undefined;
    if (leaver && cfg.churn) {
      const [a, b] = cfg.churn.atProgress;
      leaveAtPieces = Math.max(1, Math.floor((a + this.rand() * (b - a)) * cfg.pieceCount));
    }
    const peer = new SimPeer(this.clock, this.meta, this.zeros, {
      index,
      kind,
      className,
      host: {
        upload: cap.upload,
        download: cap.download,
        latencyMs: lo + this.rand() * (hi - lo),
        ...(freeRider ? { drop: FREE_RIDER_DROPS } : {}),
      },
      ip: ipOf(index),
      freeRider,
      ...(leaveAtPieces !== undefined ? { leaveAtPieces } : {}),
      replacement,
      seed: cfg.seed,
      ...(cfg.uploadSlots !== undefined ? { uploadSlots: cfg.uploadSlots } : {}),
      ...(cfg.pieceStrategy !== undefined ? { pieceStrategy: cfg.pieceStrategy } : {}),
      ...(cfg.maxInflightBytes !== undefined ? { maxInflightBytes: cfg.maxInflightBytes } : {}),
      ...(kind === 'seeder' && cfg.seeders.superSeed ? { superSeed: true } : {}),
    });
    this.all.push(peer);
    this.present.add(peer);
    const t = peer.torrent;
    if (kind === 'seeder') for (let p = 0; p < cfg.pieceCount; p++) this.avail[p] = (this.avail[p] as number) + 1;
    t.on('verified', (piece) => this.onVerified(peer, piece));
    t.on('complete', () => this.onComplete(peer));
    t.on('warning', (e) => {
      const code = (e as { code?: string }).code ?? 'WARNING';
      const inner = (e.cause as { code?: string } | undefined)?.code;
      const key = inner ? `${code}/${inner}` : code;
      this.warnings.set(key, (this.warnings.get(key) ?? 0) + 1);
    });
    t.start();
    this.tracker.join(peer);
    if (kind === 'leecher') {
      this.announce(peer, cfg.tracker.dialTarget);
      peer.addTimer(this.every(cfg.tracker.reannounceMs, () => {
        if (peer.complete) return;
        const tr = cfg.tracker;
        if (peer.connections < tr.dialTarget) this.announce(peer, tr.dialTarget);
        // A peer that got nothing for a while looks further: its neighbours may all lack what
        // it needs (a seeder whose neighbours all finished and left is otherwise never found).
        else if (this.clock.now() - peer.record.lastProgressAt >= tr.reannounceMs) this.announce(peer, tr.maxConnections);
      }));
    }
    if (kind === 'seeder' && cfg.seeders.leaveAtMs !== undefined) {
      peer.addTimer(this.clock.setTimer(cfg.seeders.leaveAtMs, () => this.leave(peer)));
    }
    return peer;
  }

  private every(ms: number, fn: () => void): () => void {
    let stopped = false;
    const clock = this.clock;
    let cancel = clock.setTimer(ms, tick);
    function tick(): void {
      if (stopped) return;
      fn();
      cancel = clock.setTimer(ms, tick);
    }
    return () => {
      stopped = true;
      cancel();
    };
  }

  private leave(peer: SimPeer): void {
    if (!peer.present) return;
    const now = this.clock.now();
    this.present.delete(peer);
    this.tracker.leave(peer);
    const have = peer.torrent.have;
    const leecher = peer.record.kind === 'leecher';
    for (let p = 0; p < this.cfg.pieceCount; p++) {
      if (!have.get(p)) continue;
      this.avail[p] = (this.avail[p] as number) - 1;
      if (leecher) {
        const a = (this.leecherAvail[p] as number) - 1;
        this.leecherAvail[p] = a;
        if (a === 0) this.covered--;
      }
    }
    if (!leecher) this.timeline.push({ t: now, event: 'seeder left', bytes: peer.host.payloadSent });
    if (peer.record.kind === 'leecher' && !peer.complete) this.unfinished--;
    peer.stop(now);
  }

  private checkSeeders(): void {
    const limit = this.cfg.seeders.leaveAfterBytes ?? Infinity;
    const copy = this.cfg.seeders.leaveWhenSwarmHasCopy === true && this.covered === this.cfg.pieceCount;
    // The seeders are the first peers created.
    for (let i = 0; i < this.cfg.seeders.count; i++) {
      const p = this.all[i] as SimPeer;
      if (p.present && (copy || p.host.payloadSent >= limit)) this.leave(p);
    }
  }

  // ---- peer discovery and connections -------------------------------------------------------

  /** Asks the tracker for peers and dials them while below `limit` connections. */
  private announce(peer: SimPeer, limit: number): void {
    const tr = this.cfg.tracker;
    for (const other of this.tracker.announce(peer, tr.peersPerAnnounce)) {
      if (peer.connections >= limit) break;
      if (other.connections >= tr.maxConnections || (other.complete && peer.complete)) continue;
      if (peer.isConnectedTo(other)) continue;
      this.dial(peer, other);
    }
  }

  /** TCP and BitTorrent handshakes take about one and a half round trips. */
  private dial(a: SimPeer, b: SimPeer): void {
    a.pendingConnections++;
    b.pendingConnections++;
    const rtt = 2 * (a.host.latency + b.host.latency);
    this.clock.setTimer(1.5 * rtt, () => {
      a.pendingConnections--;
      b.pendingConnections--;
      const max = this.cfg.tracker.maxConnections;
      if (!a.present || !b.present || a.connections >= max || b.connections >= max) return;
      if ((a.complete && b.complete) || a.isConnectedTo(b)) return;
      const [la, lb] = connect(a.host, b.host, a.peerId, b.peerId);
      a.torrent.addConnection(la);
      b.torrent.addConnection(lb);
    });
  }

  // ---- progress -----------------------------------------------------------------------------

  private onVerified(peer: SimPeer, piece: number): void {
    if (!peer.present) return;
    const now = this.clock.now();
    this.avail[piece] = (this.avail[piece] as number) + 1;
    if (peer.record.kind === 'leecher') {
      const a = (this.leecherAvail[piece] as number) + 1;
      this.leecherAvail[piece] = a;
      if (a === 1 && ++this.covered === this.cfg.pieceCount && !this.timeline.some((x) => x.event === COPY_EVENT)) {
        // The first full copy among the leechers, and what the seeders uploaded to get there
        // (BEP 16's measure of a seeding policy: 150-200% for a plain seed, about 105% super-seeding).
        let bytes = 0;
        for (let i = 0; i < this.cfg.seeders.count; i++) bytes += (this.all[i] as SimPeer).host.payloadSent;
        this.timeline.push({ t: now, event: COPY_EVENT, bytes });
      }
    }
    this.totalVerified++;
    this.lastProgressAt = now;
    peer.onVerified(now, this.cfg.pieceCount);
    const at = peer.record.leaveAtPieces;
    if (at !== undefined && peer.record.verified >= at && !peer.complete) {
      this.clock.soon({ run: () => this.churnOut(peer) });
    }
  }

  private churnOut(peer: SimPeer): void {
    if (!peer.present || peer.complete) return;
    this.leave(peer);
    const churn = this.cfg.churn;
    if (churn?.replaceAfterMs === undefined) return;
    this.pendingArrivals++;
    this.unfinished++;
    this.clock.setTimer(churn.replaceAfterMs, () => {
      this.pendingArrivals--;
      const cls = this.pickClass();
      this.arrive('leecher', cls, cls.name, false, false, true);
    });
  }

  private onComplete(peer: SimPeer): void {
    if (peer.record.kind === 'seeder' || peer.complete || !peer.present) return;
    const now = this.clock.now();
    peer.record.completeAt = now;
    this.unfinished--;
    const seedTime = this.cfg.seedTimeMs;
    if (seedTime === Infinity) return;
    if (seedTime <= 0) {
      this.pendingLeaves++;
      this.clock.soon({
        run: () => {
          this.pendingLeaves--;
          this.leave(peer);
        },
      });
    }
    else peer.addTimer(this.clock.setTimer(seedTime, () => this.leave(peer)));
  }

  // ---- measurements -------------------------------------------------------------------------

  private sample(now: number): Sample {
    let bytes = 0;
    for (const p of this.all) bytes += p.host.bytesSent;
    let capacity = 0;
    let intake = 0;
    let leechers = 0;
    let seeds = 0;
    for (const p of this.present) {
      capacity += p.host.up; // bytes per ms
      if (p.complete) seeds++;
      else {
        leechers++;
        intake += p.host.down;
      }
    }
    const dt = now - this.lastSampleAt;
    const sent = bytes - this.lastBytes;
    const utilization = dt > 0 && capacity > 0 ? sent / (capacity * dt) : 0;
    const usable = Math.min(capacity, intake);
    const usableUtilization = dt > 0 && usable > 0 ? sent / (usable * dt) : 0;
    this.lastBytes = bytes;
    this.lastSampleAt = now;
    let min = Infinity;
    let sum = 0;
    for (let p = 0; p < this.cfg.pieceCount; p++) {
      const a = this.avail[p] as number;
      if (a < min) min = a;
      sum += a;
    }
    let completed = 0;
    for (const p of this.all) if (p.record.kind === 'leecher' && p.complete) completed++;
    const s: Sample = {
      t: now,
      leechers,
      seeds,
      completed,
      progress: this.totalVerified / (this.cfg.peers * this.cfg.pieceCount),
      utilization,
      usableUtilization,
      minAvailability: this.present.size > 0 ? min : 0,
      meanAvailability: this.present.size > 0 ? sum / this.cfg.pieceCount : 0,
    };
    this.samples.push(s);
    const mem = process.memoryUsage();
    if (mem.heapUsed > this.peakHeap) this.peakHeap = mem.heapUsed;
    if (mem.rss > this.peakRss) this.peakRss = mem.rss;
    return s;
  }

  private runStats(started: number): RunStats {
    let messages = 0;
    for (const p of this.all) messages += p.host.messagesReceived;
    const cpu = process.cpuUsage(this.cpuStart);
    return {
      wallMs: performance.now() - started,
      cpuMs: (cpu.user + cpu.system) / 1000,
      virtualMs: this.clock.now(),
      events: this.clock.tasksRun,
      messages,
      quanta: this.clock.quantaRun,
      peakHeapBytes: this.peakHeap,
      peakRssBytes: this.peakRss,
    };
  }
}

/** A free-rider never unchokes anyone, so nobody ever requests from it. */
const FREE_RIDER_DROPS: ReadonlySet<string> = new Set(['unchoke', 'piece']);
/** Timeline event: the leechers together hold every piece for the first time. */
export const COPY_EVENT = 'leechers hold a full copy';
