// LocalDiscovery: BEP 14 Local Service Discovery on a UDP socket. Announces each torrent to the
// LAN multicast group every 5 minutes (sooner on request, but never more than once a minute per
// torrent), batching info hashes into datagrams of at most 1400 bytes, and turns announces heard
// from other clients into `peer` events for the torrents we track.
//
// The socket is injectable (anything with dgram's send/on/off/close): tests pass a fake or a
// unicast loopback socket and a loopback destination, so they never touch the real LAN. Without
// one, start() opens the real multicast socket (port 6771, group joined, loopback on so clients
// on the same host hear each other; our own announces are recognised by their cookie).
// Received datagrams are untrusted: malformed ones are counted and dropped, and each
// (info hash, address, port) is reported at most once per `peerRepeatMs`.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { decodeLsdAnnounce, lsdHostHeader, LSD_IPV4_GROUP, LSD_IPV6_GROUP, LSD_MAX_DATAGRAM, LSD_PORT, packLsdAnnounces } from './codec.js';
import { LsdError } from './errors.js';

/** What LocalDiscovery needs of a UDP socket; node:dgram's Socket has it. */
export interface LsdSocket {
  send(msg: Uint8Array, port: number, address: string, callback?: (error: Error | null) => void): void;
  on(event: 'message', listener: (msg: Buffer, rinfo: { address: string; port: number }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'message', listener: (msg: Buffer, rinfo: { address: string; port: number }) => void): unknown;
  off(event: 'error', listener: (err: Error) => void): unknown;
  close(): void;
}

/** Timer functions, injectable for tests with a virtual clock. */
export interface LsdTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LocalDiscoveryOptions {
  /** Our BitTorrent listen port, announced to the LAN. */
  readonly port: number;
  /** Address family of the default multicast socket and group (default 4). */
  readonly family?: 4 | 6;
  /** A ready (bound) socket to use instead of the multicast one. It is not closed by stop(). */
  readonly socket?: LsdSocket;
  /** Where announces go (default: the BEP 14 group of `family`, port 6771). */
  readonly destination?: { readonly address: string; readonly port: number };
  /** Host header (default: the BEP 14 group of `family`). */
  readonly hostHeader?: string;
  /** Our cookie (default: 8 random hex digits). */
  readonly cookie?: string;
  /** Regular announce interval per torrent, ms (default 300,000: BEP 14's 5 minutes). */
  readonly announceIntervalMs?: number;
  /** Shortest interval between two announces of one torrent, ms (default 60,000). */
  readonly minAnnounceIntervalMs?: number;
  /** Largest datagram we send (default 1400). */
  readonly maxDatagramBytes?: number;
  /** A peer heard again for the same torrent within this is not reported again, ms (default 60,000). */
  readonly peerRepeatMs?: number;
  /** Most (torrent, peer) pairs remembered for that (default 4,096). */
  readonly maxRemembered?: number;
  /** Most torrents tracked (default 10,000). */
  readonly maxTorrents?: number;
  /** Multicast TTL of the default socket (default 1: the local network). */
  readonly multicastTtl?: number;
  /** Local interface address for multicast membership and sending (default: the system's choice). */
  readonly interfaceAddress?: string;
  readonly now?: () => number;
  readonly timers?: LsdTimers;
}

export interface LsdPeer {
  readonly infoHash: Uint8Array;
  /** The announcer's address: the UDP source address (BEP 14). */
  readonly host: string;
  /** The announcer's BitTorrent port (its Port header). */
  readonly port: number;
}

export interface LsdWarning {
  readonly message: string;
  readonly cause?: unknown;
}

export interface LocalDiscoveryEvents {
  peer: [peer: LsdPeer];
  /** A send failed or the socket reported an error. Never fatal. */
  warning: [warning: LsdWarning];
}

export interface LsdStats {
  /** Datagrams sent. */
  sent: number;
  /** Datagrams received (including ignored ones). */
  received: number;
  /** Received datagrams that were not valid announces. */
  malformed: number;
  /** Our own announces heard back. */
  own: number;
}

interface TorrentState {
  readonly infoHash: Uint8Array;
  lastAnnounce: number;
  /** An early announce was asked for. */
  early: boolean;
}

const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export class LocalDiscovery extends EventEmitter<LocalDiscoveryEvents> {
  readonly cookie: string;
  readonly stats: LsdStats = { sent: 0, received: 0, malformed: 0, own: 0 };
  private readonly opts: LocalDiscoveryOptions;
  private readonly now: () => number;
  private readonly timers: LsdTimers;
  private readonly interval: number;
  private readonly minInterval: number;
  private readonly repeatMs: number;
  private readonly maxRemembered: number;
  private readonly torrents = new Map<string, TorrentState>();
  /** "hash|host|port" → when last reported. */
  private readonly reported = new Map<string, number>();
  private socket: LsdSocket | undefined;
  private ownsSocket = false;
  private timer: unknown;
  private timerAt = Infinity;
  private state: 'idle' | 'starting' | 'running' | 'stopped' = 'idle';

  constructor(opts: LocalDiscoveryOptions) {
    super();
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 0xffff) throw new LsdError('LSD_BAD_ARGUMENT', `port ${opts.port} outside 1..65535`);
    this.opts = opts;
    this.cookie = opts.cookie ?? randomBytes(4).toString('hex');
    this.now = opts.now ?? Date.now;
    this.timers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.interval = opts.announceIntervalMs ?? 300_000;
    this.minInterval = opts.minAnnounceIntervalMs ?? 60_000;
    this.repeatMs = opts.peerRepeatMs ?? 60_000;
    this.maxRemembered = opts.maxRemembered ?? 4096;
  }

  /** Opens (or adopts) the socket and starts announcing. Idempotent. */
  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'starting';
    const socket = this.opts.socket ?? (await this.openMulticast());
    if ((this.state as string) === 'stopped') {
      if (!this.opts.socket) socket.close();
      return;
    }
    this.socket = socket;
    this.ownsSocket = this.opts.socket === undefined;
    socket.on('message', this.onMessage);
    socket.on('error', this.onError);
    this.state = 'running';
    this.schedule(0);
  }

  /** Stops announcing and listening; closes the socket if we opened it. Idempotent. */
  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.socket;
    this.socket = undefined;
    if (!s) return;
    s.off('message', this.onMessage);
    s.off('error', this.onError);
    if (this.ownsSocket) s.close();
  }

  /** Starts announcing a torrent (20-byte info hash) and reporting its LAN peers. */
  add(infoHash: Uint8Array): void {
    if (infoHash.length !== 20) throw new LsdError('LSD_BAD_ARGUMENT', `info hash of ${infoHash.length} bytes, expected 20`);
    const k = hexOf(infoHash);
    if (this.torrents.has(k)) return;
    if (this.torrents.size >= (this.opts.maxTorrents ?? 10_000)) throw new LsdError('LSD_BAD_ARGUMENT', 'too many torrents');
    this.torrents.set(k, { infoHash: infoHash.slice(), lastAnnounce: -Infinity, early: false });
    this.schedule(0);
  }

  remove(infoHash: Uint8Array): void {
    this.torrents.delete(hexOf(infoHash));
  }

  /**
   * Asks for an announce of `infoHash` as soon as the once-a-minute limit allows (for example
   * when more peers are wanted). Returns false if the torrent is not tracked.
   */
  announce(infoHash: Uint8Array): boolean {
    const t = this.torrents.get(hexOf(infoHash));
    if (!t) return false;
    t.early = true;
    this.schedule(Math.max(0, t.lastAnnounce + this.minInterval - this.now()));
    return true;
  }

  private dueAt(t: TorrentState): number {
    return t.lastAnnounce + (t.early ? this.minInterval : this.interval);
  }

  private schedule(delay: number): void {
    if (this.state !== 'running') return;
    const at = this.now() + delay;
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.timers.setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.state !== 'running') return;
    const now = this.now();
    const due: Uint8Array[] = [];
    let next = Infinity;
    for (const t of this.torrents.values()) {
      if (this.dueAt(t) <= now) {
        due.push(t.infoHash);
        t.lastAnnounce = now;
        t.early = false;
      }
      next = Math.min(next, this.dueAt(t));
    }
    if (due.length > 0) this.send(due);
    if (next !== Infinity) this.schedule(Math.max(0, next - now));
  }

  private send(hashes: Uint8Array[]): void {
    const s = this.socket;
    if (!s) return;
    const family = this.opts.family ?? 4;
    const dest = this.opts.destination ?? { address: family === 6 ? LSD_IPV6_GROUP : LSD_IPV4_GROUP, port: LSD_PORT };
    const base = { host: this.opts.hostHeader ?? lsdHostHeader(family), port: this.opts.port, cookie: this.cookie };
    for (const datagram of packLsdAnnounces(base, hashes, this.opts.maxDatagramBytes ?? LSD_MAX_DATAGRAM)) {
      this.stats.sent++;
      s.send(datagram, dest.port, dest.address, (err) => {
        if (err) this.emit('warning', { message: `LSD announce to ${dest.address}:${dest.port} failed: ${err.message}`, cause: err });
      });
    }
  }

  private readonly onMessage = (msg: Buffer, rinfo: { address: string; port: number }): void => {
    this.stats.received++;
    let a;
    try {
      a = decodeLsdAnnounce(msg);
    } catch {
      this.stats.malformed++;
      return;
    }
    if (a.cookie === this.cookie) {
      this.stats.own++;
      return;
    }
    const now = this.now();
    for (const h of a.infoHashes) {
      const k = hexOf(h);
      const t = this.torrents.get(k);
      if (!t) continue;
      const key = `${k}|${rinfo.address}|${a.port}`;
      const last = this.reported.get(key);
      if (last !== undefined && now - last < this.repeatMs) continue;
      this.remember(key, now);
      this.emit('peer', { infoHash: t.infoHash, host: rinfo.address, port: a.port });
    }
  };

  private remember(key: string, now: number): void {
    this.reported.delete(key);
    this.reported.set(key, now);
    if (this.reported.size <= this.maxRemembered) return;
    // Map order is insertion order and a re-report re-inserts, so the first entries are the oldest.
    for (const k of this.reported.keys()) {
      if (this.reported.size <= this.maxRemembered) break;
      this.reported.delete(k);
    }
  }

  private readonly onError = (err: Error): void => {
    this.emit('warning', { message: `LSD socket error: ${err.message}`, cause: err });
  };

  private openMulticast(): Promise<LsdSocket> {
    const family = this.opts.family ?? 4;
    const group = family === 6 ? LSD_IPV6_GROUP : LSD_IPV4_GROUP;
    const s = createSocket({ type: family === 6 ? 'udp6' : 'udp4', reuseAddr: true });
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => {
        s.close();
        reject(new LsdError('LSD_SOCKET', `cannot open the LSD socket on port ${LSD_PORT}: ${err.message}`, { cause: err }));
      };
      s.once('error', fail);
      s.bind(LSD_PORT, () => {
        s.off('error', fail);
        try {
          s.addMembership(group, this.opts.interfaceAddress);
          s.setMulticastTTL(this.opts.multicastTtl ?? 1);
          s.setMulticastLoopback(true);
          if (this.opts.interfaceAddress !== undefined) s.setMulticastInterface(this.opts.interfaceAddress);
        } catch (e) {
          fail(e as Error);
          return;
        }
        resolve(s);
      });
    });
  }
}
