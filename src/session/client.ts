// The client: one listening socket, one hash pool and one peer id shared by every torrent. It
// completes handshakes (routing incoming connections by info hash, BEP 3), dials the candidates
// each torrent's dialer hands out, and owns the torrents' lifecycles.
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { EventEmitter } from 'node:events';
import { ShoalError } from '../errors.js';
import { HashPool } from '../hashing/index.js';
import { connectTcp, listenTcp, type TcpListener } from '../transport/tcp.js';
import type { ByteStream, PeerAddress } from '../transport/types.js';
import { makePeerId } from '../wire/index.js';
import { Dialer } from './dialer.js';
import { PeerConnection } from './peer-connection.js';
import { every, realScheduler, type Scheduler } from './scheduler.js';
import type { PeerLink } from './peer-link.js';
import { equalBytes as equal, toHex as hex } from '../metainfo/index.js';

/**
 * What the client routes connections to: a torrent, or, while a magnet link's metadata is being
 * fetched, the metadata fetcher of that info hash.
 */
export interface SwarmMember {
  readonly infoHash: Uint8Array;
  /** Connected peers (the dialer stops at its limit). */
  readonly peerCount: number;
  isBanned(ip: string): boolean;
  /** Takes a connection whose handshakes are done; false if refused (it is then closed). */
  addConnection(link: PeerLink): boolean;
  /** Closes its connections; idempotent. */
  stop(): void;
  on(event: 'peers', listener: (peers: PeerAddress[]) => void): unknown;
  off(event: 'peers', listener: (peers: PeerAddress[]) => void): unknown;
}

export interface ClientOptions {
  /** Listen address (default all interfaces) and port (default 0: any free port). */
  readonly host?: string;
  readonly port?: number;
  /** Address outgoing connections are made from (e.g. 127.0.0.2 in tests). */
  readonly localAddress?: string;
  readonly peerId?: Uint8Array;
  readonly pool?: HashPool;
  readonly scheduler?: Scheduler;
  readonly maxPeersPerTorrent?: number;
  readonly maxHalfOpen?: number;
  /** Give up on a handshake after this long (default 20 s). */
  readonly handshakeTimeoutMs?: number;
}

export interface ClientEvents {
  warning: [error: Error];
}

interface Entry {
  torrent: SwarmMember;
  readonly dialer: Dialer;
  readonly stopTimer: () => void;
  onPeers: (peers: PeerAddress[]) => void;
}

export class Client extends EventEmitter<ClientEvents> {
  readonly peerId: Uint8Array;
  readonly pool: HashPool;
  private readonly ownsPool: boolean;
  private readonly sched: Scheduler;
  private listener: TcpListener | undefined;
  private readonly torrents = new Map<string, Entry>();
  private readonly pending = new Set<PeerConnection>();
  private closed = false;

  private constructor(private readonly opts: ClientOptions) {
    super();
    this.peerId = opts.peerId ?? makePeerId((n) => randomBytes(n));
    this.ownsPool = !opts.pool;
    this.pool = opts.pool ?? new HashPool();
    this.sched = opts.scheduler ?? realScheduler;
  }

  static async start(opts: ClientOptions = {}): Promise<Client> {
    const c = new Client(opts);
    c.listener = await listenTcp({ host: opts.host, port: opts.port ?? 0 }, (s) => c.onIncoming(s));
    return c;
  }

  get port(): number {
    return this.listener?.port ?? 0;
  }

  /** Registers a torrent: incoming peers for its info hash are accepted and candidates dialled. */
  add(torrent: SwarmMember): Dialer {
    const key = hex(torrent.infoHash);
    if (this.torrents.has(key)) throw new ShoalError('TORRENT_EXISTS', `torrent ${key} is already added`);
    const dialer = new Dialer({ maxPeers: this.opts.maxPeersPerTorrent ?? 50, maxHalfOpen: this.opts.maxHalfOpen ?? 8 });
    const entry: Entry = {
      torrent,
      dialer,
      stopTimer: every(this.sched, 1000, () => this.dialMore(entry)),
      onPeers: (peers) => this.addPeers(entry.torrent, peers),
    };
    this.torrents.set(key, entry);
    torrent.on('peers', entry.onPeers);
    return dialer;
  }

  /**
   * Hands an info hash over to another member, keeping the dialer and its candidates: the
   * metadata fetcher of a magnet link gives way to the torrent once the metadata is in.
   */
  replace(previous: SwarmMember, next: SwarmMember): void {
    const e = this.torrents.get(hex(previous.infoHash));
    if (!e || e.torrent !== previous || !equal(previous.infoHash, next.infoHash)) {
      throw new ShoalError('TORRENT_NOT_FOUND', 'replace: the previous member is not registered under that info hash');
    }
    previous.off('peers', e.onPeers);
    e.torrent = next;
    next.on('peers', e.onPeers);
  }

  /** Adds candidate peers for a torrent and dials at once if there is room. */
  addPeers(torrent: SwarmMember, peers: readonly PeerAddress[]): void {
    const e = this.torrents.get(hex(torrent.infoHash));
    if (!e || e.torrent !== torrent) return;
    const now = this.sched.now();
    // Trackers and PEX often list us among the peers: never dial ourselves.
    for (const p of peers) if (!this.isSelf(p)) e.dialer.add(p, now);
    this.dialMore(e);
  }

  remove(torrent: SwarmMember): void {
    const key = hex(torrent.infoHash);
    const e = this.torrents.get(key);
    if (!e || e.torrent !== torrent) return;
    e.stopTimer();
    torrent.off('peers', e.onPeers);
    this.torrents.delete(key);
  }

  private localHosts: Set<string> | undefined;

  private isSelf(p: PeerAddress): boolean {
    if (p.port !== this.port) return false;
    if (!this.localHosts) {
      this.localHosts = new Set(['127.0.0.1', '::1', '0.0.0.0', '::']);
      if (this.opts.host) this.localHosts.add(this.opts.host);
      for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) this.localHosts.add(a.address);
    }
    return this.localHosts.has(p.host);
  }

  private dialMore(e: Entry): void {
    if (this.closed) return;
    const now = this.sched.now();
    for (const addr of e.dialer.next(now, e.torrent.peerCount, (h) => e.torrent.isBanned(h))) void this.dial(e, addr);
  }

  private async dial(e: Entry, addr: PeerAddress): Promise<void> {
    const { dialer } = e;
    const infoHash = e.torrent.infoHash;
    let stream: ByteStream;
    try {
      stream = await connectTcp(addr, { timeoutMs: 10_000, ...(this.opts.localAddress ? { localAddress: this.opts.localAddress } : {}) });
    } catch {
      dialer.dialed(addr, false, this.sched.now());
      return;
    }
    if (this.closed) {
      stream.close();
      return;
    }
    const conn = new PeerConnection(stream, true);
    conn.sendHandshake(infoHash, this.peerId);
    const ok = await this.awaitHandshake(conn);
    if (!ok || !conn.remoteHandshake || !equal(conn.remoteHandshake.infoHash, infoHash)) {
      conn.close(new ShoalError('PEER_HANDSHAKE', `${addr.host}:${addr.port}: no valid handshake for this torrent`));
      dialer.dialed(addr, false, this.sched.now());
      return;
    }
    // The member may have changed while we dialled (metadata fetcher -> torrent).
    const added = e.torrent.addConnection(conn);
    dialer.dialed(addr, added, this.sched.now());
    if (added) stream.on('close', (err) => dialer.disconnected(addr, this.sched.now(), !err));
  }

  private onIncoming(stream: ByteStream): void {
    if (this.closed) {
      stream.close();
      return;
    }
    const conn = new PeerConnection(stream, false);
    void this.awaitHandshake(conn).then((ok) => {
      const hs = conn.remoteHandshake;
      if (!ok || !hs) return conn.close();
      const entry = this.torrents.get(hex(hs.infoHash));
      if (!entry || entry.torrent.isBanned(stream.remoteAddress)) return conn.close();
      conn.sendHandshake(entry.torrent.infoHash, this.peerId);
      entry.torrent.addConnection(conn);
    });
  }

  /** Waits for the peer's handshake; false on close or timeout. */
  private awaitHandshake(conn: PeerConnection): Promise<boolean> {
    if (conn.remoteHandshake) return Promise.resolve(true);
    this.pending.add(conn);
    return new Promise((resolve) => {
      const cancel = this.sched.setTimer(this.opts.handshakeTimeoutMs ?? 20_000, () => finish(false));
      const finish = (ok: boolean): void => {
        cancel();
        this.pending.delete(conn);
        conn.attach({});
        if (!ok) conn.close();
        resolve(ok);
      };
      conn.attach({ handshake: () => finish(true), close: () => finish(false) });
    });
  }

  /** Stops listening, stops every member, closes the hash pool (if ours); idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.torrents.values()) {
      e.stopTimer();
      e.torrent.stop();
    }
    this.torrents.clear();
    for (const c of this.pending) c.close();
    await this.listener?.close();
    if (this.ownsPool) await this.pool.close();
  }
}
