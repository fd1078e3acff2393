// Fetching a magnet link's info dictionary from peers (BEP 9 ut_metadata over BEP 10).
//
// The fetcher stands in for the torrent while the metadata is missing: the client routes the info
// hash's connections here. Each peer gets our extension handshake; peers that offer ut_metadata
// with a metadata_size join the MetadataAssembler (src/swarm), which decides what to ask whom and
// checks the assembled dictionary against the info hash. Everything else a peer says meanwhile
// (its bitfield, haves) is kept, bounded, so the connection can be handed to the torrent with
// nothing lost once the metadata is in.
import { EventEmitter } from 'node:events';
import { ShoalError } from '../errors.js';
import { MetadataAssembler } from '../swarm/metadata-assembler.js';
import { parseInfo } from '../metainfo/index.js';
import { LayerCollector } from './layer-collector.js';
import type { PeerAddress } from '../transport/types.js';
import {
  decodeExtensionHandshake,
  decodeUtMetadata,
  encodeExtensionHandshake,
  encodeUtMetadata,
  UtMetadataError,
  type WireMessage,
} from '../wire/index.js';
import { OUR_EXTENSION_IDS } from './extensions.js';
import type { PeerLink } from './peer-link.js';
import { realScheduler, type Scheduler } from './scheduler.js';

export interface MetadataFetcherOptions {
  /** The 20-byte id used on the wire. */
  readonly infoHash: Uint8Array;
  readonly infoHashV1?: Uint8Array;
  readonly infoHashV2?: Uint8Array;
  readonly peerId: Uint8Array;
  readonly scheduler?: Scheduler;
  readonly maxMetadataSize?: number;
}

export interface MetadataFetcherEvents {
  /** The verified info dictionary, and for v2-only torrents the verified piece layers by root. */
  done: [info: Uint8Array, pieceLayers: ReadonlyMap<string, Uint8Array> | undefined];
  peers: [peers: PeerAddress[]];
  warning: [error: Error];
}

/** A connection and what its peer said before the torrent existed. */
export interface HandedOverPeer {
  readonly link: PeerLink;
  readonly earlier: readonly WireMessage[];
}

interface Entry {
  readonly link: PeerLink;
  readonly earlier: WireMessage[];
  /** The peer's id for ut_metadata messages. */
  utMetadata: number;
}

/** A peer announcing more than this many pieces before the metadata is in is misbehaving. */
const MAX_EARLY_MESSAGES = 100_000;

export class MetadataFetcher extends EventEmitter<MetadataFetcherEvents> {
  readonly infoHash: Uint8Array;
  private readonly assembler: MetadataAssembler;
  private readonly sched: Scheduler;
  private readonly links = new Map<string, Entry>();
  private readonly banned = new Set<string>();
  private nextKey = 0;
  private cancelWake: (() => void) | undefined;
  private finished = false;
  private stopped = false;
  /** Second phase of a v2-only magnet: the piece layers (BEP 52). */
  private layers: { collector: LayerCollector; info: Uint8Array } | undefined;

  constructor(private readonly opts: MetadataFetcherOptions) {
    super();
    this.infoHash = opts.infoHash;
    this.sched = opts.scheduler ?? realScheduler;
    this.assembler = new MetadataAssembler({
      ...(opts.infoHashV1 ? { infoHashV1: opts.infoHashV1 } : {}),
      ...(opts.infoHashV2 ? { infoHashV2: opts.infoHashV2 } : {}),
      ...(opts.maxMetadataSize ? { maxMetadataSize: opts.maxMetadataSize } : {}),
    });
  }

  get peerCount(): number {
    return this.links.size;
  }

  isBanned(ip: string): boolean {
    return this.banned.has(ip);
  }

  addConnection(link: PeerLink): boolean {
    if (this.stopped || this.finished || link.closed || this.banned.has(link.remoteIp)) {
      link.close();
      return false;
    }
    if (!link.features.extensionProtocol) {
      link.close(new ShoalError('PEER_NO_EXTENSIONS', 'peer cannot send metadata (no BEP 10 extension protocol)'));
      return false;
    }
    const key = `${link.address}#${this.nextKey++}`;
    const entry: Entry = { link, earlier: [], utMetadata: 0 };
    this.links.set(key, entry);
    link.send({
      type: 'extended',
      extendedId: 0,
      payload: encodeExtensionHandshake({ m: { ut_metadata: OUR_EXTENSION_IDS.ut_metadata }, v: 'shoal 0.1.0' }),
    });
    link.attach({
      message: (m) => this.onMessage(key, entry, m),
      close: () => this.onClose(key),
    });
    return !link.closed;
  }

  private onMessage(key: string, e: Entry, m: WireMessage): void {
    if (this.finished) {
      e.earlier.push(m);
      return;
    }
    if (m.type === 'extended' && m.extendedId === 0) {
      try {
        const hs = decodeExtensionHandshake(m.payload, { strict: false });
        e.utMetadata = hs.m.get('ut_metadata') ?? 0;
        if (e.utMetadata > 0 && hs.metadataSize !== undefined) this.assembler.addPeer(key, hs.metadataSize);
      } catch (err) {
        this.warn(e, err);
      }
      e.earlier.push(m);
      return this.pump();
    }
    if (this.layers && (m.type === 'hashes' || m.type === 'hash-reject')) {
      if (m.type === 'hash-reject') this.layers.collector.rejected(key, m);
      else for (const liar of this.layers.collector.received(key, m, m.hashes)) this.ban(liar);
      if (this.layers.collector.complete) return this.finish(this.layers.info, this.layers.collector.layers);
      return this.pump();
    }
    if (m.type === 'extended' && m.extendedId === OUR_EXTENSION_IDS.ut_metadata) {
      try {
        const msg = decodeUtMetadata(m.payload, this.opts.maxMetadataSize ? { maxMetadataSize: this.opts.maxMetadataSize } : {});
        const now = this.sched.now();
        if (msg.type === 'reject') this.assembler.onReject(key, msg.piece, now);
        else if (msg.type === 'request') {
          e.link.send({ type: 'extended', extendedId: e.utMetadata || OUR_EXTENSION_IDS.ut_metadata, payload: encodeUtMetadata({ type: 'reject', piece: msg.piece }) });
        } else {
          const r = this.assembler.onData(key, msg.piece, msg.totalSize, msg.data, now);
          if (r.kind === 'complete') return this.onInfo(r.info);
          if (r.kind === 'invalid') e.link.close(new ShoalError('PEER_BAD_METADATA', r.reason));
          if (r.kind === 'hash-mismatch') {
            this.emit('warning', new ShoalError('METADATA_HASH_MISMATCH', 'metadata from peers did not match the info hash; fetching again'));
            if (r.culprit !== undefined) this.ban(String(r.culprit));
          }
        }
      } catch (err) {
        // BEP 9: a message type we do not know is ignored; anything else malformed drops the peer.
        if (!(err instanceof UtMetadataError && err.code === 'UT_METADATA_UNKNOWN_TYPE')) {
          this.warn(e, err);
          e.link.close();
        }
      }
      return this.pump();
    }
    if (e.earlier.length >= MAX_EARLY_MESSAGES) {
      e.link.close(new ShoalError('PEER_FLOOD', 'too many messages before the metadata was in'));
      return;
    }
    e.earlier.push(m);
  }

  private onClose(key: string): void {
    if (!this.links.delete(key)) return;
    if (!this.finished) {
      if (!this.layers) this.assembler.removePeer(key);
      this.pump();
    }
  }

  private ban(key: string): void {
    const e = this.links.get(key);
    if (!e) return;
    this.banned.add(e.link.remoteIp);
    e.link.close(new ShoalError('PEER_BANNED', 'sent metadata that failed the info hash'));
  }

  /** The info dictionary is verified; a v2-only torrent still needs its piece layers. */
  private onInfo(info: Uint8Array): void {
    let collector: LayerCollector | undefined;
    try {
      const meta = parseInfo(info);
      if (meta.version === 'v2') collector = new LayerCollector(meta);
    } catch (e) {
      // The dictionary matches the info hash, so this is the torrent itself: report, do not retry.
      this.emit('warning', new ShoalError('METADATA_INVALID', `the torrent's info dictionary is invalid: ${e instanceof Error ? e.message : String(e)}`));
    }
    if (!collector || collector.complete) return this.finish(info, undefined);
    this.layers = { collector, info };
    this.pump();
  }

  /** Sends what the assembler (or the layer collector) asks for and sleeps until its next deadline. */
  private pump(): void {
    if (this.finished || this.stopped) return;
    const now = this.sched.now();
    if (this.layers) {
      for (const r of this.layers.collector.poll([...this.links.keys()], now)) {
        this.links.get(r.peer)?.link.send({ type: 'hash-request', ...r.fields });
      }
      this.cancelWake?.();
      this.cancelWake = this.sched.setTimer(5000, () => this.pump());
      return;
    }
    for (const r of this.assembler.poll(now)) {
      const e = this.links.get(String(r.peer));
      if (!e || e.utMetadata === 0) continue;
      e.link.send({ type: 'extended', extendedId: e.utMetadata, payload: encodeUtMetadata({ type: 'request', piece: r.piece }) });
    }
    this.cancelWake?.();
    const wake = this.assembler.nextWakeAt(now);
    this.cancelWake = wake === undefined ? undefined : this.sched.setTimer(Math.max(1, wake - now), () => this.pump());
  }

  private finish(info: Uint8Array, pieceLayers: ReadonlyMap<string, Uint8Array> | undefined): void {
    this.finished = true;
    this.cancelWake?.();
    this.emit('done', info, pieceLayers);
  }

  /** Detaches every connection (with what its peer said so far) for the torrent to adopt. */
  handOver(): HandedOverPeer[] {
    const out = [...this.links.values()].filter((e) => !e.link.closed).map((e) => ({ link: e.link, earlier: e.earlier }));
    for (const e of out) e.link.attach({});
    this.links.clear();
    this.stopped = true;
    return out;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelWake?.();
    for (const e of this.links.values()) e.link.close();
    this.links.clear();
  }

  private warn(e: Entry, err: unknown): void {
    this.emit('warning', new ShoalError('PEER_BAD_MESSAGE', `${e.link.address}: ${err instanceof Error ? err.message : String(err)}`));
  }
}
