// UDP tracker client (BEP 15, with BEP 41 URLData for the URL path). One socket per address
// family serves all trackers; replies are matched by transaction id AND source address, so a
// third party cannot inject peers without seeing our packets. Connection ids are cached for
// one minute. Lost packets are retransmitted after timeoutMs·2^n (BEP 15 uses 15 s·2^n), a
// bounded number of times; an announce refused for a stale connection id reconnects once.
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  decodeUdpResponse,
  encodeUdpAnnounceRequest,
  encodeUdpConnectRequest,
  encodeUdpScrapeRequest,
  TrackerProtoError,
  UDP_MAX_SCRAPE,
  type UdpResponse,
} from '../../tracker-proto/index.js';
import { AbortedError } from '../../errors.js';
import { TrackerClientError } from './errors.js';
import type { AnnounceParams, RequestOptions, ScrapeCounts, TrackerAnnounceResult } from './types.js';

export interface UdpTrackerClientOptions {
  /** First retransmission timeout in ms (default 15,000 as in BEP 15); doubles per try. */
  readonly timeoutMs?: number;
  /** Retransmissions before giving up (default 2). */
  readonly retries?: number;
  /** Resolves a host name (default dns.lookup). */
  readonly lookup?: (host: string) => Promise<{ address: string; family: 4 | 6 }>;
  readonly now?: () => number;
}

interface Target {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly urlData?: string | undefined;
}

interface Pending {
  readonly target: Target;
  readonly resolve: (r: UdpResponse) => void;
}

/** A connection id may be used for one minute after it was received (BEP 15). */
const CONNECTION_ID_LIFETIME = 60_000;

function txId(): number {
  return randomBytes(4).readUInt32BE(0);
}

export class UdpTrackerClient {
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly now: () => number;
  private readonly resolveHost: (host: string) => Promise<{ address: string; family: 4 | 6 }>;
  private readonly sockets = new Map<4 | 6, Promise<Socket>>();
  private readonly pending = new Map<number, Pending>();
  private readonly connIds = new Map<string, { id: bigint; at: number }>();
  private closed = false;

  constructor(opts: UdpTrackerClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.retries = opts.retries ?? 2;
    this.now = opts.now ?? Date.now;
    this.resolveHost =
      opts.lookup ??
      (async (host) => {
        const r = await lookup(host);
        return { address: r.address, family: r.family === 6 ? 6 : 4 };
      });
  }

  private async target(url: string): Promise<Target> {
    let u: URL;
    try {
      u = new URL(url);
    } catch (e) {
      throw new TrackerClientError('TRACKER_UNSUPPORTED_URL', `not a URL: ${url}`, { cause: e });
    }
    if (u.protocol !== 'udp:' || !u.port) throw new TrackerClientError('TRACKER_UNSUPPORTED_URL', `not a udp://host:port URL: ${url}`);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const ipFamily = isIP(host);
    let address = host;
    let family: 4 | 6 = ipFamily === 6 ? 6 : 4;
    if (ipFamily === 0) {
      try {
        ({ address, family } = await this.resolveHost(host));
      } catch (e) {
        throw new TrackerClientError('TRACKER_UNREACHABLE', `${host}: cannot resolve: ${(e as Error).message}`, { cause: e });
      }
    }
    const path = u.pathname + u.search;
    const urlData = path === '' || path === '/' || path === '/announce' ? undefined : path;
    return { address, port: Number(u.port), family, urlData };
  }

  private socket(family: 4 | 6): Promise<Socket> {
    let s = this.sockets.get(family);
    if (!s) {
      s = new Promise<Socket>((resolve, reject) => {
        const sock = createSocket(family === 6 ? 'udp6' : 'udp4');
        sock.on('message', (m, r) => this.onMessage(m, r, family));
        sock.on('error', () => undefined); // per-request timeouts report failures
        sock.once('error', reject);
        sock.bind(0, () => {
          sock.off('error', reject);
          sock.unref();
          resolve(sock);
        });
      });
      this.sockets.set(family, s);
    }
    return s;
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo, family: 4 | 6): void {
    if (msg.length < 8) return;
    const p = this.pending.get(msg.readUInt32BE(4));
    if (!p) return;
    let from = rinfo.address;
    if (from.startsWith('::ffff:') && from.includes('.')) from = from.slice(7);
    if (from !== p.target.address || rinfo.port !== p.target.port) return;
    const tx = msg.readUInt32BE(4);
    let r: UdpResponse;
    try {
      r = decodeUdpResponse(msg, family);
    } catch (e) {
      if (!(e instanceof TrackerProtoError)) throw e;
      // From the tracker's own address, so not a stray packet: a refusal in a short form
      // (opentracker answers unlisted torrents with 8 bytes). Report it rather than wait.
      r = { action: 'error', transactionId: tx, message: `malformed reply from the tracker (${msg.length} bytes): ${e.message}` };
    }
    this.pending.delete(tx);
    p.resolve(r);
  }

  /** Sends one packet and waits up to `timeout` for the reply with the same transaction id. */
  private async exchange(t: Target, build: (tx: number) => Uint8Array, timeout: number, signal?: AbortSignal): Promise<UdpResponse | undefined> {
    if (signal?.aborted) throw new AbortedError();
    const sock = await this.socket(t.family);
    let tx = txId();
    while (this.pending.has(tx)) tx = txId();
    return new Promise<UdpResponse | undefined>((resolve, reject) => {
      const finish = (r: UdpResponse | undefined, err?: Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(tx);
        if (err) reject(err);
        else resolve(r);
      };
      const onAbort = (): void => finish(undefined, new AbortedError());
      const timer = setTimeout(() => finish(undefined), timeout);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(tx, { target: t, resolve: (r) => finish(r) });
      sock.send(build(tx), t.port, t.address, (e) => {
        if (e) finish(undefined, new TrackerClientError('TRACKER_UNREACHABLE', `${t.address}:${t.port}: ${e.message}`, { cause: e }));
      });
    });
  }

  private async connectionId(t: Target, timeout: number, signal?: AbortSignal): Promise<bigint | undefined> {
    const key = `${t.address}|${t.port}`;
    const cached = this.connIds.get(key);
    if (cached && this.now() - cached.at < CONNECTION_ID_LIFETIME) return cached.id;
    const r = await this.exchange(t, (tx) => encodeUdpConnectRequest(tx), timeout, signal);
    if (r === undefined) return undefined;
    if (r.action === 'error') throw new TrackerClientError('TRACKER_FAILURE', r.message || 'tracker refused to connect');
    if (r.action !== 'connect') return undefined;
    this.connIds.set(key, { id: r.connectionId, at: this.now() });
    return r.connectionId;
  }

  /** connect (if needed) + request, with retransmissions; resolves the tracker's reply. */
  private async transact(url: string, build: (cid: bigint, tx: number, t: Target) => Uint8Array, expect: 'announce' | 'scrape', opts: RequestOptions): Promise<[UdpResponse, Target]> {
    if (this.closed) throw new TrackerClientError('TRACKER_UNREACHABLE', 'UDP tracker client is closed');
    const t = await this.target(url);
    const deadline = opts.timeoutMs === undefined ? Infinity : this.now() + opts.timeoutMs;
    let reconnected = false;
    for (let n = 0; n <= this.retries; n++) {
      const timeout = Math.min(this.timeoutMs * 2 ** n, deadline - this.now());
      if (timeout <= 0) break;
      const cid = await this.connectionId(t, timeout, opts.signal);
      if (cid === undefined) continue;
      const r = await this.exchange(t, (tx) => build(cid, tx, t), Math.min(timeout, Math.max(1, deadline - this.now())), opts.signal);
      if (r === undefined) continue;
      if (r.action === 'error') {
        if (!reconnected && /connection/i.test(r.message)) {
          // Our cached id went stale on the tracker's side: get a fresh one, once.
          this.connIds.delete(`${t.address}|${t.port}`);
          reconnected = true;
          n--;
          continue;
        }
        throw new TrackerClientError('TRACKER_FAILURE', r.message || 'tracker returned an error');
      }
      if (r.action !== expect) throw new TrackerClientError('TRACKER_FAILURE', `tracker answered ${r.action} to ${expect}`);
      return [r, t];
    }
    throw new TrackerClientError('TRACKER_TIMEOUT', `${t.address}:${t.port}: no UDP reply after ${this.retries + 1} tries`);
  }

  async announce(url: string, p: AnnounceParams, opts: RequestOptions = {}): Promise<TrackerAnnounceResult> {
    const [r] = await this.transact(
      url,
      (connectionId, transactionId, t) => encodeUdpAnnounceRequest({ ...p, connectionId, transactionId, urlData: t.urlData }),
      'announce',
      opts,
    );
    if (r.action !== 'announce') throw new TrackerClientError('TRACKER_FAILURE', 'unexpected reply');
    return { interval: r.interval, peers: r.peers, complete: r.seeders, incomplete: r.leechers };
  }

  async scrape(url: string, infoHashes: readonly Uint8Array[], opts: RequestOptions = {}): Promise<ScrapeCounts[]> {
    const out: ScrapeCounts[] = [];
    for (let i = 0; i < infoHashes.length; i += UDP_MAX_SCRAPE) {
      const batch = infoHashes.slice(i, i + UDP_MAX_SCRAPE);
      const [r] = await this.transact(url, (cid, tx) => encodeUdpScrapeRequest(cid, tx, batch), 'scrape', opts);
      if (r.action !== 'scrape' || r.entries.length !== batch.length) {
        throw new TrackerClientError('TRACKER_FAILURE', `scrape reply has ${r.action === 'scrape' ? r.entries.length : 0} entries, asked for ${batch.length}`);
      }
      for (const e of r.entries) out.push({ complete: e.seeders, incomplete: e.leechers, downloaded: e.completed });
    }
    return out;
  }

  /** Closes the sockets; pending requests fail with a timeout. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets.values()) s.then((sock) => sock.close(), () => undefined);
    this.sockets.clear();
  }
}
