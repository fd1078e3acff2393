// Swarm store in Redis (or Redis Cluster), shared by any number of tracker processes on one or
// many machines: two trackers backed by the same Redis return each other's peers. Each announce
// is one atomic Lua script over the swarm's keys (hash-tagged by info hash, see redis-script.ts);
// peers expire by score (expiry time) and whole swarms by key TTL. A small index sorted set
// (not hash-tagged) lists live swarms for /stats.
import { Cluster, Redis, type ClusterNode } from 'ioredis';
import { ShoalError } from '../errors.js';
import type { SwarmCounts } from '../tracker-proto/index.js';
import { ANNOUNCE_LUA } from './redis-script.js';
import { hex } from './keys.js';
import type { StoreAnnounce, StoreAnnounceResult, StoreStats, TrackerStore } from './store.js';

export interface RedisStoreOptions {
  /** Key prefix (default 'shoal:'). Different prefixes keep trackers on one Redis apart. */
  readonly prefix?: string;
  /** Most peers per swarm (default 100,000). */
  readonly maxPeersPerSwarm?: number;
  /** Stats count at most this many swarms exactly, then extrapolate (default 1000). */
  readonly statsSample?: number;
}

type Client = Redis | Cluster;
type AnnounceReply = (number | Buffer)[];
interface WithAnnounce {
  shoalAnnounceBuffer(...args: (string | Buffer | number)[]): Promise<AnnounceReply>;
}

const EVENT_NUM = { none: 0, completed: 1, started: 2, stopped: 3 } as const;
const EMPTY = new Uint8Array(0);

export class RedisStore implements TrackerStore {
  private readonly prefix: string;
  private readonly maxPeers: number;
  private readonly statsSample: number;
  private closed = false;

  constructor(
    private readonly redis: Client,
    opts: RedisStoreOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'shoal:';
    this.maxPeers = opts.maxPeersPerSwarm ?? 100_000;
    this.statsSample = opts.statsSample ?? 1000;
    redis.defineCommand('shoalAnnounce', { numberOfKeys: 6, lua: ANNOUNCE_LUA });
  }

  /**
   * Connects to `redis://HOST:PORT[/DB]`; `?cluster=1` treats the host list (comma-separated
   * HOST:PORT) as Redis Cluster seed nodes. Fails within `timeoutMs` if Redis is unreachable.
   */
  static async connect(url: string, opts: RedisStoreOptions & { timeoutMs?: number } = {}): Promise<RedisStore> {
    const u = new URL(url);
    const cluster = u.searchParams.get('cluster') === '1';
    let client: Client;
    const common = { lazyConnect: true, connectTimeout: opts.timeoutMs ?? 5000, maxRetriesPerRequest: 2, enableAutoPipelining: true };
    if (cluster) {
      const nodes: ClusterNode[] = u.host.split(',').map((hp) => {
        const [host, port] = hp.split(':');
        return { host: host ?? '127.0.0.1', port: Number(port ?? 6379) };
      });
      client = new Cluster(nodes, { lazyConnect: true, enableAutoPipelining: true, redisOptions: common });
    } else {
      client = new Redis({
        ...common,
        host: u.hostname || '127.0.0.1',
        port: Number(u.port || 6379),
        db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
        password: u.password || undefined,
        username: u.username || undefined,
        tls: u.protocol === 'rediss:' ? {} : undefined,
      });
    }
    client.on('error', () => undefined); // reported through failed commands instead
    try {
      await client.connect();
      await client.ping();
    } catch (e) {
      client.disconnect();
      throw new ShoalError('TRACKER_REDIS_UNAVAILABLE', `cannot reach Redis at ${url}: ${(e as Error).message}`, { cause: e });
    }
    return new RedisStore(client, opts);
  }

  private keys(infoHash: Uint8Array): string[] {
    const base = `${this.prefix}{${hex(infoHash)}}:`;
    return [`${base}s4`, `${base}l4`, `${base}s6`, `${base}l6`, `${base}a`, `${base}d`];
  }

  private get index(): string {
    return `${this.prefix}swarms`;
  }

  async announce(a: StoreAnnounce): Promise<StoreAnnounceResult> {
    const keyTtl = a.ttlMs * 2;
    const r = await (this.redis as unknown as WithAnnounce).shoalAnnounceBuffer(
      ...this.keys(a.infoHash),
      Buffer.from(a.peerId.buffer, a.peerId.byteOffset, 20),
      Buffer.from(a.addr),
      a.now,
      a.now + a.ttlMs,
      EVENT_NUM[a.event],
      a.seeder ? 1 : 0,
      a.numwant,
      a.want === 'both' ? 0 : a.want === 'v4' ? 4 : 6,
      a.withPeerIds ? '1' : '0',
      this.maxPeers,
      keyTtl,
    );
    if (a.event !== 'stopped') {
      void this.redis.zadd(this.index, a.now + keyTtl, hex(a.infoHash)).catch(() => undefined);
    }
    const num = (i: number): number => Number(r[i]);
    const n = num(4);
    const v4: Buffer[] = [];
    const v6: Buffer[] = [];
    const ids4: Buffer[] = [];
    const ids6: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const addr = r[5 + i] as Buffer;
      const id = a.withPeerIds ? (r[5 + n + i] as Buffer) : undefined;
      if (addr.length === 6) {
        v4.push(addr);
        if (id) ids4.push(id);
      } else if (addr.length === 18) {
        v6.push(addr);
        if (id) ids6.push(id);
      }
    }
    return {
      complete: num(0),
      incomplete: num(1),
      downloaded: num(2),
      peers4: v4.length ? Buffer.concat(v4) : EMPTY,
      peers6: v6.length ? Buffer.concat(v6) : EMPTY,
      peerIds: a.withPeerIds ? Buffer.concat([...ids4, ...ids6]) : undefined,
      warning: num(3) === 1 ? 'swarm is full: you are not listed, but here are some peers' : undefined,
    };
  }

  async scrape(infoHashes: readonly Uint8Array[], now: number): Promise<SwarmCounts[]> {
    return Promise.all(
      infoHashes.map(async (h) => {
        const [s4, l4, s6, l6, , d] = this.keys(h) as [string, string, string, string, string, string];
        const [a, b, c, e, dl] = await Promise.all([
          this.redis.zcount(s4, now, '+inf'),
          this.redis.zcount(l4, now, '+inf'),
          this.redis.zcount(s6, now, '+inf'),
          this.redis.zcount(l6, now, '+inf'),
          this.redis.get(d),
        ]);
        return { complete: a + c, incomplete: b + e, downloaded: Number(dl ?? 0) };
      }),
    );
  }

  /** Swarms and peers across every tracker sharing this Redis (exact up to `statsSample` swarms). */
  async stats(now: number): Promise<StoreStats> {
    await this.redis.zremrangebyscore(this.index, '-inf', `(${now}`);
    const swarms = await this.redis.zcard(this.index);
    const sample = await this.redis.zrange(this.index, 0, this.statsSample - 1);
    const counts = await this.scrape(
      sample.map((h) => Buffer.from(h, 'hex')),
      now,
    );
    let seeders = 0;
    let leechers = 0;
    for (const c of counts) {
      seeders += c.complete;
      leechers += c.incomplete;
    }
    const scale = sample.length > 0 ? swarms / sample.length : 0;
    seeders = Math.round(seeders * scale);
    leechers = Math.round(leechers * scale);
    return { swarms, peers: seeders + leechers, seeders, leechers };
  }

  /** Expiry happens in Redis (scores trimmed on announce, key TTLs); nothing to do here. */
  sweep(): boolean {
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
