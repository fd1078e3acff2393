// The peers announced to this node (BEP 5 announce_peer), bounded in info hashes and in peers per
// info hash, each entry expiring 30 minutes after its last announce. Also the source of
// BEP 51 samples. Pure: times and randomness are passed in.
import { familyOf, type Family, type KrpcAddress } from '../../krpc/index.js';
import { idKey } from './node-id.js';

export interface PeerStoreOptions {
  /** Most info hashes stored (default 5,000); the least recently announced is evicted. */
  readonly maxInfoHashes?: number;
  /** Most peers per info hash (default 200); the least recently announced is evicted. */
  readonly maxPeersPerInfoHash?: number;
  /** Lifetime of an announce (default 30 minutes). */
  readonly ttlMs?: number;
}

interface Swarm {
  readonly infoHash: Uint8Array;
  readonly peers: Map<string, { addr: KrpcAddress; at: number; seed: boolean }>;
}

export class PeerStore {
  private readonly swarms = new Map<string, Swarm>();
  private readonly maxInfoHashes: number;
  private readonly maxPeers: number;
  readonly ttlMs: number;

  constructor(opts: PeerStoreOptions = {}) {
    this.maxInfoHashes = opts.maxInfoHashes ?? 5_000;
    this.maxPeers = opts.maxPeersPerInfoHash ?? 200;
    this.ttlMs = opts.ttlMs ?? 30 * 60_000;
  }

  get infoHashCount(): number {
    return this.swarms.size;
  }

  announce(infoHash: Uint8Array, addr: KrpcAddress, seed: boolean, now: number): void {
    const key = idKey(infoHash);
    let s = this.swarms.get(key);
    if (s) this.swarms.delete(key); // re-insert: Map order is least recently announced first
    else {
      if (this.swarms.size >= this.maxInfoHashes) {
        const oldest = this.swarms.keys().next();
        if (!oldest.done) this.swarms.delete(oldest.value);
      }
      s = { infoHash: Uint8Array.from(infoHash), peers: new Map() };
    }
    this.swarms.set(key, s);
    const pk = `${addr.host}|${addr.port}`;
    s.peers.delete(pk);
    if (s.peers.size >= this.maxPeers) {
      const oldest = s.peers.keys().next();
      if (!oldest.done) s.peers.delete(oldest.value);
    }
    s.peers.set(pk, { addr: { host: addr.host, port: addr.port }, at: now, seed });
  }

  /** Up to `max` live peers of one family, a random subset when there are more. */
  peers(infoHash: Uint8Array, family: Family, max: number, random: () => number, now: number): KrpcAddress[] {
    const s = this.swarms.get(idKey(infoHash));
    if (!s) return [];
    const out: KrpcAddress[] = [];
    for (const p of s.peers.values()) if (now - p.at < this.ttlMs && familyOf(p.addr.host) === family) out.push(p.addr);
    for (let i = out.length - 1; i > 0 && out.length > max; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = out[i] as KrpcAddress;
      out[i] = out[j] as KrpcAddress;
      out[j] = t;
    }
    return out.length > max ? out.slice(0, max) : out;
  }

  /** Up to `max` stored info hashes chosen at random (BEP 51). */
  sample(max: number, random: () => number): Uint8Array[] {
    const all = [...this.swarms.values()].map((s) => s.infoHash);
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = all[i] as Uint8Array;
      all[i] = all[j] as Uint8Array;
      all[j] = t;
    }
    return all.slice(0, max);
  }

  /** Drops announces older than the lifetime. */
  expire(now: number): void {
    for (const [key, s] of this.swarms) {
      for (const [pk, p] of s.peers) if (now - p.at >= this.ttlMs) s.peers.delete(pk);
      if (s.peers.size === 0) this.swarms.delete(key);
    }
  }
}
