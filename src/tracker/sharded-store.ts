// Swarms sharded over the processes of a tracker cluster (`--workers N` with the memory store):
// process i owns the swarms whose info hash maps to i and keeps them in its own MemoryStore. Any
// process may receive any request (they share the ports); for a swarm owned elsewhere the store
// call becomes one datagram to the owner over a loopback UDP socket and one back. So the memory
// store's per-announce cost is kept and the work spreads over cores, with no external service.
// Links are trusted only from 127.0.0.1 and from the ports of the cluster's own processes.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { ShoalError } from '../errors.js';
import type { AnnounceEvent, SwarmCounts } from '../tracker-proto/index.js';
import { ANNOUNCE_EVENTS } from '../tracker-proto/index.js';
import type { MemoryStore } from './memory-store.js';
import type { StoreAnnounce, StoreAnnounceResult, StoreStats, TrackerStore } from './store.js';

const T_ANNOUNCE = 1;
const T_SCRAPE = 2;
const T_STATS = 3;
const REPLY = 0x80;

/** Which shard owns a swarm: info hashes are uniform, so their first 32 bits spread evenly. */
export function shardOf(infoHash: Uint8Array, shards: number): number {
  const head = ((infoHash[0] as number) << 24) | ((infoHash[1] as number) << 16) | ((infoHash[2] as number) << 8) | (infoHash[3] as number);
  return (head >>> 0) % shards;
}

interface Pending {
  resolve(b: Buffer): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class ShardedStore implements TrackerStore {
  private socket: Socket | undefined;
  private ports: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly local: MemoryStore,
    readonly index: number,
    readonly shards: number,
    private readonly timeoutMs = 2000,
  ) {}

  /** Binds this shard's loopback link; returns its port (to be shared with the other shards). */
  async open(): Promise<number> {
    const s = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    s.on('message', (m, r) => this.onMessage(m, r));
    s.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      // exclusive: in a cluster worker a plain bind would share one handle among all workers.
      s.bind({ port: 0, address: '127.0.0.1', exclusive: true }, () => {
        s.off('error', reject);
        resolve();
      });
    });
    this.socket = s;
    return s.address().port;
  }

  /** The link ports of all shards, by index (from the cluster primary). */
  setPorts(ports: number[]): void {
    this.ports = ports;
  }

  get ready(): boolean {
    return this.ports.length === this.shards && this.ports.every((p) => p > 0);
  }

  private owner(h: Uint8Array): number {
    return shardOf(h, this.shards);
  }

  private call(shard: number, req: Buffer): Promise<Buffer> {
    const port = this.ports[shard];
    if (this.closed || !this.socket || port === undefined) {
      return Promise.reject(new ShoalError('TRACKER_SHARD_UNAVAILABLE', `shard ${shard} is not reachable`));
    }
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    req.writeUInt32BE(id, 1);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ShoalError('TRACKER_SHARD_TIMEOUT', `shard ${shard} did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket?.send(req, port, '127.0.0.1');
    });
  }

  private onMessage(m: Buffer, r: RemoteInfo): void {
    if (r.address !== '127.0.0.1' || !this.ports.includes(r.port) || m.length < 5) return;
    const type = m[0] as number;
    const id = m.readUInt32BE(1);
    if (type & REPLY) {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.resolve(m);
      return;
    }
    let out: Buffer | undefined;
    try {
      if (type === T_ANNOUNCE) out = encodeResult(id, this.local.announce(decodeAnnounce(m)));
      else if (type === T_SCRAPE) {
        const n = m.readUInt16BE(5);
        const hashes: Uint8Array[] = [];
        for (let i = 0; i < n && 7 + 20 * i + 20 <= m.length; i++) hashes.push(m.subarray(7 + 20 * i, 27 + 20 * i));
        out = encodeCounts(id, this.local.scrape(hashes));
      } else if (type === T_STATS) {
        const st = this.local.stats();
        out = Buffer.alloc(5 + 32);
        out[0] = T_STATS | REPLY;
        out.writeUInt32BE(id, 1);
        out.writeDoubleBE(st.swarms, 5);
        out.writeDoubleBE(st.peers, 13);
        out.writeDoubleBE(st.seeders, 21);
        out.writeDoubleBE(st.leechers, 29);
      }
    } catch {
      out = undefined; // a malformed link message: the caller times out
    }
    if (out) this.socket?.send(out, r.port, '127.0.0.1');
  }

  announce(a: StoreAnnounce): StoreAnnounceResult | Promise<StoreAnnounceResult> {
    const o = this.owner(a.infoHash);
    if (o === this.index) return this.local.announce(a);
    return this.call(o, encodeAnnounce(a)).then(decodeResult);
  }

  async scrape(infoHashes: readonly Uint8Array[], now: number): Promise<SwarmCounts[]> {
    const out: SwarmCounts[] = new Array<SwarmCounts>(infoHashes.length);
    const byShard = new Map<number, number[]>();
    infoHashes.forEach((h, i) => {
      const o = this.owner(h);
      const list = byShard.get(o) ?? [];
      list.push(i);
      byShard.set(o, list);
    });
    await Promise.all(
      [...byShard].map(async ([shard, idx]) => {
        const hashes = idx.map((i) => infoHashes[i] as Uint8Array);
        let counts: SwarmCounts[];
        if (shard === this.index) counts = this.local.scrape(hashes);
        else {
          const req = Buffer.alloc(7 + 20 * hashes.length);
          req[0] = T_SCRAPE;
          req.writeUInt16BE(hashes.length, 5);
          hashes.forEach((h, j) => req.set(h, 7 + 20 * j));
          counts = decodeCounts(await this.call(shard, req));
        }
        idx.forEach((i, j) => (out[i] = counts[j] ?? { complete: 0, incomplete: 0, downloaded: 0 }));
      }),
    );
    void now;
    return out;
  }

  /** Totals over every shard (a shard that does not answer counts as empty). */
  async stats(): Promise<StoreStats> {
    const all = await Promise.all(
      Array.from({ length: this.shards }, async (_, shard) => {
        if (shard === this.index) return this.local.stats();
        try {
          const b = await this.call(shard, Buffer.alloc(5, T_STATS));
          return { swarms: b.readDoubleBE(5), peers: b.readDoubleBE(13), seeders: b.readDoubleBE(21), leechers: b.readDoubleBE(29) };
        } catch {
          return { swarms: 0, peers: 0, seeders: 0, leechers: 0 };
        }
      }),
    );
    return all.reduce((a, b) => ({ swarms: a.swarms + b.swarms, peers: a.peers + b.peers, seeders: a.seeders + b.seeders, leechers: a.leechers + b.leechers }));
  }

  sweep(now: number, budget: number): boolean {
    return this.local.sweep(now, budget);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new ShoalError('TRACKER_SHARD_UNAVAILABLE', 'tracker is stopping'));
    }
    this.pending.clear();
    this.socket?.close();
    await this.local.close();
  }
}

// Link messages: [type u8][id u32][body]. Layouts below; all integers big-endian.

function encodeAnnounce(a: StoreAnnounce): Buffer {
  // body: infoHash 20, peerId 20, addrLen u8, addr, event u8, seeder u8, numwant u16, want u8, withIds u8, now f64, ttl u32
  const b = Buffer.allocUnsafe(5 + 41 + a.addr.length + 18);
  b[0] = T_ANNOUNCE;
  b.set(a.infoHash, 5);
  b.set(a.peerId, 25);
  b[45] = a.addr.length;
  b.set(a.addr, 46);
  let o = 46 + a.addr.length;
  b[o++] = ANNOUNCE_EVENTS.indexOf(a.event);
  b[o++] = a.seeder ? 1 : 0;
  b.writeUInt16BE(Math.min(a.numwant, 0xffff), o);
  o += 2;
  b[o++] = a.want === 'both' ? 0 : a.want === 'v4' ? 4 : 6;
  b[o++] = a.withPeerIds ? 1 : 0;
  b.writeDoubleBE(a.now, o);
  b.writeUInt32BE(Math.min(a.ttlMs, 0xffffffff), o + 8);
  return b;
}

function decodeAnnounce(b: Buffer): StoreAnnounce {
  const alen = b[45] as number;
  if (alen !== 6 && alen !== 18) throw new Error('bad address length');
  let o = 46 + alen;
  const event = ANNOUNCE_EVENTS[b[o++] as number] as AnnounceEvent | undefined;
  if (event === undefined) throw new Error('bad event');
  const seeder = b[o++] === 1;
  const numwant = b.readUInt16BE(o);
  o += 2;
  const w = b[o++];
  const withPeerIds = b[o++] === 1;
  return {
    infoHash: b.subarray(5, 25),
    peerId: b.subarray(25, 45),
    addr: b.subarray(46, 46 + alen),
    event,
    seeder,
    numwant,
    want: w === 4 ? 'v4' : w === 6 ? 'v6' : 'both',
    withPeerIds,
    now: b.readDoubleBE(o),
    ttlMs: b.readUInt32BE(o + 8),
  };
}

function encodeResult(id: number, r: StoreAnnounceResult): Buffer {
  // body: complete u32, incomplete u32, downloaded u32, len4 u16, len6 u16, lenIds u16, lenMsg u16, kind u8 (0 none, 1 warning, 2 failure), bytes...
  const msg = Buffer.from(r.failure ?? r.warning ?? '');
  const ids = r.peerIds ?? new Uint8Array(0);
  const b = Buffer.allocUnsafe(5 + 21 + r.peers4.length + r.peers6.length + ids.length + msg.length);
  b[0] = T_ANNOUNCE | REPLY;
  b.writeUInt32BE(id, 1);
  b.writeUInt32BE(r.complete, 5);
  b.writeUInt32BE(r.incomplete, 9);
  b.writeUInt32BE(r.downloaded, 13);
  b.writeUInt16BE(r.peers4.length, 17);
  b.writeUInt16BE(r.peers6.length, 19);
  b.writeUInt16BE(ids.length, 21);
  b.writeUInt16BE(msg.length, 23);
  b[25] = r.failure !== undefined ? 2 : r.warning !== undefined ? 1 : 0;
  let o = 26;
  b.set(r.peers4, o);
  o += r.peers4.length;
  b.set(r.peers6, o);
  o += r.peers6.length;
  b.set(ids, o);
  o += ids.length;
  b.set(msg, o);
  return b;
}

function decodeResult(b: Buffer): StoreAnnounceResult {
  const l4 = b.readUInt16BE(17);
  const l6 = b.readUInt16BE(19);
  const li = b.readUInt16BE(21);
  const lm = b.readUInt16BE(23);
  const kind = b[25];
  let o = 26;
  const peers4 = b.subarray(o, (o += l4));
  const peers6 = b.subarray(o, (o += l6));
  const ids = b.subarray(o, (o += li));
  const msg = b.toString('utf8', o, o + lm);
  return {
    complete: b.readUInt32BE(5),
    incomplete: b.readUInt32BE(9),
    downloaded: b.readUInt32BE(13),
    peers4,
    peers6,
    peerIds: li > 0 ? ids : undefined,
    warning: kind === 1 ? msg : undefined,
    failure: kind === 2 ? msg : undefined,
  };
}

function encodeCounts(id: number, counts: SwarmCounts[]): Buffer {
  const b = Buffer.allocUnsafe(7 + 12 * counts.length);
  b[0] = T_SCRAPE | REPLY;
  b.writeUInt32BE(id, 1);
  b.writeUInt16BE(counts.length, 5);
  counts.forEach((c, i) => {
    b.writeUInt32BE(c.complete, 7 + 12 * i);
    b.writeUInt32BE(c.incomplete, 11 + 12 * i);
    b.writeUInt32BE(c.downloaded, 15 + 12 * i);
  });
  return b;
}

function decodeCounts(b: Buffer): SwarmCounts[] {
  const n = b.readUInt16BE(5);
  const out: SwarmCounts[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ complete: b.readUInt32BE(7 + 12 * i), incomplete: b.readUInt32BE(11 + 12 * i), downloaded: b.readUInt32BE(15 + 12 * i) });
  }
  return out;
}
