// The embedded swarm store: everything in this process, bounded. Caps on swarms, peers per swarm
// and peers overall; peers kept compactly (see peer-table.ts); expired peers skipped when picking
// and removed by incremental sweeps that do a bounded amount of work per call, so a sweep over
// millions of peers never stalls the event loop.
import type { SwarmCounts } from '../tracker-proto/index.js';
import { bytesKey } from './keys.js';
import { PeerTable } from './peer-table.js';
import type { StoreAnnounce, StoreAnnounceResult, StoreStats, TrackerStore } from './store.js';

export interface MemoryStoreOptions {
  /** Most swarms held at once (default 1,000,000); new swarms beyond it are refused. */
  readonly maxSwarms?: number;
  /** Most peers in one swarm (default 100,000); more are answered but not stored. */
  readonly maxPeersPerSwarm?: number;
  /** Most peers overall (default 10,000,000). */
  readonly maxPeers?: number;
  /** Largest numwant the server will ask for (default 200): sizes the scratch buffers. */
  readonly maxNumwant?: number;
  /** Randomness for peer selection (default Math.random). */
  readonly random?: () => number;
}

class Swarm {
  /** peer id -> slot: >= 0 in v4, < 0 is ~slot in v6. */
  readonly index = new Map<string, number>();
  readonly v4 = new PeerTable(6);
  v6: PeerTable | undefined;
  seeders = 0;
  leechers = 0;
  downloaded = 0;

  get size(): number {
    return this.index.size;
  }
}

const EMPTY = new Uint8Array(0);

export class MemoryStore implements TrackerStore {
  private readonly swarms = new Map<string, Swarm>();
  private readonly maxSwarms: number;
  private readonly maxPeersPerSwarm: number;
  private readonly maxPeers: number;
  private readonly random: () => number;
  private readonly out4: Uint8Array;
  private readonly out6: Uint8Array;
  private readonly outIds: Uint8Array;
  private peers = 0;
  private seeders = 0;
  private sweepIter: Iterator<[string, Swarm]> | undefined;

  constructor(opts: MemoryStoreOptions = {}) {
    this.maxSwarms = opts.maxSwarms ?? 1_000_000;
    this.maxPeersPerSwarm = opts.maxPeersPerSwarm ?? 100_000;
    this.maxPeers = opts.maxPeers ?? 10_000_000;
    this.random = opts.random ?? Math.random;
    const n = opts.maxNumwant ?? 200;
    this.out4 = new Uint8Array(n * 6);
    this.out6 = new Uint8Array(n * 18);
    this.outIds = new Uint8Array(n * 2 * 20);
  }

  announce(a: StoreAnnounce): StoreAnnounceResult {
    const hkey = bytesKey(a.infoHash);
    let swarm = this.swarms.get(hkey);
    if (swarm === undefined) {
      if (a.event === 'stopped') return { complete: 0, incomplete: 0, downloaded: 0, peers4: EMPTY, peers6: EMPTY };
      if (this.swarms.size >= this.maxSwarms) {
        return { complete: 0, incomplete: 0, downloaded: 0, peers4: EMPTY, peers6: EMPTY, failure: 'tracker is full (too many torrents)' };
      }
      swarm = new Swarm();
      this.swarms.set(hkey, swarm);
    }
    const nowSec = Math.floor(a.now / 1000);
    const pid = bytesKey(a.peerId);
    const v6 = a.addr.length === 18;
    let code = swarm.index.get(pid);
    if (code !== undefined && (code < 0) !== v6) {
      this.remove(swarm, pid, code); // the peer changed address family
      code = undefined;
    }
    if (a.event === 'stopped') {
      if (code !== undefined) this.remove(swarm, pid, code);
      return { complete: swarm.seeders, incomplete: swarm.leechers, downloaded: swarm.downloaded, peers4: EMPTY, peers6: EMPTY };
    }
    const expires = Math.floor((a.now + a.ttlMs) / 1000);
    let warning: string | undefined;
    let self = -1;
    if (code !== undefined) {
      const table = code < 0 ? (swarm.v6 as PeerTable) : swarm.v4;
      const slot = code < 0 ? ~code : code;
      const wasSeed = table.seed[slot] === 1;
      table.set(slot, a.addr, expires, a.seeder);
      if (wasSeed !== a.seeder) {
        const d = a.seeder ? 1 : -1;
        swarm.seeders += d;
        swarm.leechers -= d;
        this.seeders += d;
      }
      if (a.event === 'completed' && !wasSeed) swarm.downloaded++;
      self = slot;
    } else if (swarm.size >= this.maxPeersPerSwarm || this.peers >= this.maxPeers) {
      warning = 'swarm is full: you are not listed, but here are some peers';
    } else {
      let table = swarm.v4;
      if (v6) table = swarm.v6 ??= new PeerTable(18);
      const slot = table.add(pid, a.addr, expires, a.seeder);
      swarm.index.set(pid, v6 ? ~slot : slot);
      this.peers++;
      if (a.seeder) {
        swarm.seeders++;
        this.seeders++;
      } else swarm.leechers++;
      if (a.event === 'completed') swarm.downloaded++;
      self = slot;
    }
    let n4 = 0;
    let n6 = 0;
    const ids = a.withPeerIds ? this.outIds : undefined;
    const max = Math.min(a.numwant, this.out4.length / 6);
    if (a.want !== 'v6') n4 = swarm.v4.pick(max, v6 ? -1 : self, a.seeder, nowSec, this.random, this.out4, 0, ids, 0);
    if (a.want !== 'v4' && swarm.v6 && n4 < max) {
      n6 = swarm.v6.pick(max - n4, v6 ? self : -1, a.seeder, nowSec, this.random, this.out6, 0, ids, n4 * 20);
    }
    return {
      complete: swarm.seeders,
      incomplete: swarm.leechers,
      downloaded: swarm.downloaded,
      peers4: this.out4.subarray(0, n4 * 6),
      peers6: this.out6.subarray(0, n6 * 18),
      peerIds: ids?.subarray(0, (n4 + n6) * 20),
      warning,
    };
  }

  private remove(swarm: Swarm, pid: string, code: number): void {
    const table = code < 0 ? (swarm.v6 as PeerTable) : swarm.v4;
    const slot = code < 0 ? ~code : code;
    if (table.seed[slot] === 1) {
      swarm.seeders--;
      this.seeders--;
    } else swarm.leechers--;
    this.peers--;
    swarm.index.delete(pid);
    const moved = table.removeAt(slot);
    if (moved !== undefined) swarm.index.set(moved, code < 0 ? ~slot : slot);
  }

  scrape(infoHashes: readonly Uint8Array[]): SwarmCounts[] {
    return infoHashes.map((h) => {
      const s = this.swarms.get(bytesKey(h));
      return s ? { complete: s.seeders, incomplete: s.leechers, downloaded: s.downloaded } : { complete: 0, incomplete: 0, downloaded: 0 };
    });
  }

  stats(): StoreStats {
    return { swarms: this.swarms.size, peers: this.peers, seeders: this.seeders, leechers: this.peers - this.seeders };
  }

  sweep(now: number, budget: number): boolean {
    const nowSec = Math.floor(now / 1000);
    this.sweepIter ??= this.swarms.entries();
    let work = 0;
    while (work < budget) {
      const next = this.sweepIter.next();
      if (next.done) {
        this.sweepIter = undefined;
        return true;
      }
      const [key, swarm] = next.value;
      work += 1 + swarm.size;
      for (const table of swarm.v6 ? [swarm.v4, swarm.v6] : [swarm.v4]) {
        // Descending, so the slot moved into a hole has already been checked.
        for (let slot = table.count - 1; slot >= 0; slot--) {
          if ((table.expires[slot] as number) < nowSec) {
            const pid = table.ids[slot] as string;
            this.remove(swarm, pid, table === swarm.v4 ? slot : ~slot);
          }
        }
        table.maybeShrink();
      }
      if (swarm.size === 0) this.swarms.delete(key);
    }
    return false;
  }

  async close(): Promise<void> {
    this.swarms.clear();
    this.peers = 0;
    this.seeders = 0;
    this.sweepIter = undefined;
  }
}
