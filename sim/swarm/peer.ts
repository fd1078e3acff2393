// One simulated peer: a host on the simulated network, shoal's real Torrent engine on top of it,
// and the record the reports are made from (arrival, completion, per-1% progress times, stalls).
import { Torrent } from '../../src/session/torrent.js';
import { VirtualAssembler } from '../../src/session/piece-assembler.js';
import type { Metainfo } from '../../src/metainfo/index.js';
import { xoshiro128ss } from '../../src/swarm/random.js';
import type { VirtualClock } from './clock.js';
import { SimHost, type HostOptions } from './network.js';
import { NullStorage } from './null-storage.js';

export type PeerKind = 'seeder' | 'leecher';

/** What a simulated peer leaves behind for the report. */
export interface PeerRecord {
  readonly index: number;
  readonly kind: PeerKind;
  readonly className: string;
  /** Bytes per second. */
  readonly upload: number;
  readonly download: number;
  readonly freeRider: boolean;
  /** A churn leaver: leaves at this many verified pieces. */
  readonly leaveAtPieces: number | undefined;
  /** A churn replacement. */
  readonly replacement: boolean;
  arriveAt: number;
  completeAt: number | undefined;
  leftAt: number | undefined;
  verified: number;
  /** Time at which k% of the pieces were verified (index k = 1..100), NaN until then. */
  readonly milestones: Float64Array;
  lastProgressAt: number;
  /** Longest time without a verified piece while incomplete (ms). */
  longestStall: number;
  downloaded: number;
  uploaded: number;
  wasted: number;
  hashFailures: number;
}

/** The checker of peers that carry no data: every piece is good. */
const TRUSTING_CHECKER = {
  verify: (_piece: number, data: Uint8Array) => Promise.resolve({ ok: true, data }),
};

export interface SimPeerOptions {
  readonly index: number;
  readonly kind: PeerKind;
  readonly className: string;
  readonly host: HostOptions;
  readonly ip: string;
  readonly freeRider: boolean;
  readonly leaveAtPieces?: number;
  readonly replacement?: boolean;
  readonly seed: number;
  readonly uploadSlots?: number;
  readonly pieceStrategy?: 'rarest' | 'random';
  readonly maxInflightBytes?: number;
  readonly superSeed?: boolean;
}

export function peerIdOf(index: number): Uint8Array {
  const id = new Uint8Array(20);
  id.set(new TextEncoder().encode(`-SM0001-${String(index).padStart(12, '0')}`));
  return id;
}

export function ipOf(index: number): string {
  const n = index + 1;
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export class SimPeer {
  readonly index: number;
  readonly host: SimHost;
  readonly torrent: Torrent;
  readonly peerId: Uint8Array;
  readonly record: PeerRecord;
  present = true;
  /** Connections being set up (counted against the limit). */
  pendingConnections = 0;
  private stopTimers: (() => void)[] = [];

  constructor(clock: VirtualClock, meta: Metainfo, zeros: Uint8Array, o: SimPeerOptions) {
    this.index = o.index;
    this.peerId = peerIdOf(o.index);
    this.host = new SimHost(clock, o.index, o.ip, o.host);
    const storage = new NullStorage({ pieceLength: meta.pieceLength, pieceCount: meta.pieceCount, files: meta.files }, zeros);
    let have: Uint8Array | undefined;
    if (o.kind === 'seeder') {
      have = new Uint8Array(Math.ceil(meta.pieceCount / 8)).fill(0xff);
      const spare = have.length * 8 - meta.pieceCount;
      if (spare > 0) have[have.length - 1] = (0xff << spare) & 0xff;
    }
    this.torrent = new Torrent({
      metainfo: meta,
      storage,
      peerId: this.peerId,
      ...(have ? { have } : {}),
      scheduler: clock,
      random: xoshiro128ss((o.seed ^ Math.imul(o.index + 1, 0x9e3779b1)) >>> 0),
      checker: TRUSTING_CHECKER,
      assembler: new VirtualAssembler(),
      ...(o.uploadSlots !== undefined ? { uploadSlots: o.uploadSlots } : {}),
      ...(o.pieceStrategy !== undefined ? { pieceStrategy: o.pieceStrategy } : {}),
      ...(o.maxInflightBytes !== undefined ? { maxInflightBytes: o.maxInflightBytes } : {}),
      ...(o.superSeed ? { superSeed: true } : {}),
    });
    const now = clock.now();
    this.record = {
      index: o.index,
      kind: o.kind,
      className: o.className,
      upload: o.host.upload,
      download: o.host.download,
      freeRider: o.freeRider,
      leaveAtPieces: o.leaveAtPieces,
      replacement: o.replacement ?? false,
      arriveAt: now,
      completeAt: o.kind === 'seeder' ? now : undefined,
      leftAt: undefined,
      verified: o.kind === 'seeder' ? meta.pieceCount : 0,
      milestones: new Float64Array(101).fill(NaN),
      lastProgressAt: now,
      longestStall: 0,
      downloaded: 0,
      uploaded: 0,
      wasted: 0,
      hashFailures: 0,
    };
    this.record.milestones[0] = now;
  }

  get connections(): number {
    return this.host.links.size + this.pendingConnections;
  }

  get complete(): boolean {
    return this.record.completeAt !== undefined;
  }

  isConnectedTo(other: SimPeer): boolean {
    for (const l of this.host.links) if (l.remote === other.host) return true;
    return false;
  }

  /** A piece verified at `now`: updates progress, milestones and the stall record. */
  onVerified(now: number, pieceCount: number): void {
    const r = this.record;
    r.verified++;
    const stall = now - r.lastProgressAt;
    if (stall > r.longestStall) r.longestStall = stall;
    r.lastProgressAt = now;
    const k = Math.floor((r.verified * 100) / pieceCount);
    for (let j = k; j >= 1 && Number.isNaN(r.milestones[j] as number); j--) r.milestones[j] = now;
  }

  addTimer(cancel: () => void): void {
    this.stopTimers.push(cancel);
  }

  /** Copies the engine's counters into the record. */
  snapshot(): void {
    const s = this.torrent.stats();
    const r = this.record;
    r.downloaded = s.downloaded;
    r.uploaded = s.uploaded;
    r.wasted = s.wasted;
    r.hashFailures = s.hashFailures;
  }

  /** Leaves the swarm: the engine closes every connection. */
  stop(now: number): void {
    if (!this.present) return;
    this.present = false;
    for (const t of this.stopTimers) t();
    this.stopTimers = [];
    this.snapshot();
    this.record.leftAt = now;
    if (!this.complete) {
      const stall = now - this.record.lastProgressAt;
      if (stall > this.record.longestStall) this.record.longestStall = stall;
    }
    this.torrent.stop();
  }
}
