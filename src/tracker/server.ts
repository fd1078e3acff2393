// The tracker server: HTTP (a small HTTP/1.1 server on node:net, http-server.ts) and UDP
// (node:dgram) front ends over one TrackerCore and
// store, with periodic incremental expiry sweeps, JSON-lines logs and graceful shutdown
// (stop() or the AbortSignal: stop accepting, let in-flight requests finish, close the store).
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { AccessPolicy, type AccessOptions } from './access.js';
import { ConnectionIds } from './connection-id.js';
import { TrackerCore } from './core.js';
import { createHttpHandler } from './http-handler.js';
import { TrackerHttpServer, type HttpServerOptions } from './http-server.js';
import { silentLogger, type Logger } from './log.js';
import { MemoryStore } from './memory-store.js';
import { TrackerMetrics } from './metrics.js';
import type { TrackerStore } from './store.js';
import { createUdpHandler } from './udp-handler.js';

export interface TrackerServerOptions {
  /** Address to bind (default '0.0.0.0'; '::' is dual-stack). */
  readonly host?: string;
  /** HTTP port (default 6969; 0 = any free port; null = no HTTP). */
  readonly httpPort?: number | null;
  /** UDP port (default 6969; 0 = any free port; null = no UDP). */
  readonly udpPort?: number | null;
  /** Swarm store (default: a MemoryStore). The server closes it on stop(). */
  readonly store?: TrackerStore;
  /** Announce interval in seconds (default 1800). */
  readonly intervalSec?: number;
  /** `min interval` in seconds (default half the interval). */
  readonly minIntervalSec?: number;
  /** numwant when the client gives none (default 50) and its cap (default 200). */
  readonly defaultNumwant?: number;
  readonly maxNumwant?: number;
  readonly access?: AccessOptions;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** A full expiry pass starts this often (default 10 s); each step does `sweepBudget` units of work. */
  readonly sweepEveryMs?: number;
  readonly sweepBudget?: number;
  /** Connection-id window (default 120 s). */
  readonly connectionIdWindowMs?: number;
  /** Shared key so that several processes accept each other's connection ids (see ConnectionIds). */
  readonly connectionIdKey?: Uint8Array;
  /** How long stop() waits for in-flight HTTP requests before cutting connections (default 5 s). */
  readonly shutdownGraceMs?: number;
  /** Limits and timeouts of the HTTP server. */
  readonly http?: HttpServerOptions;
  /** Aborting stops the server. */
  readonly signal?: AbortSignal;
}

export interface TrackerAddresses {
  readonly http?: AddressInfo | undefined;
  readonly udp?: AddressInfo | undefined;
}

export class TrackerServer {
  readonly metrics: TrackerMetrics;
  readonly store: TrackerStore;
  readonly logger: Logger;
  private readonly core: TrackerCore;
  private readonly ids: ConnectionIds;
  private readonly now: () => number;
  private http: TrackerHttpServer | undefined;
  private udp: Socket | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopping: Promise<void> | undefined;
  private addrs: TrackerAddresses = {};
  private httpAddr: AddressInfo | undefined;

  constructor(private readonly opts: TrackerServerOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? silentLogger;
    this.metrics = new TrackerMetrics(this.now());
    const maxNumwant = opts.maxNumwant ?? 200;
    this.store = opts.store ?? new MemoryStore({ maxNumwant });
    const intervalSec = opts.intervalSec ?? 1800;
    this.core = new TrackerCore({
      store: this.store,
      access: new AccessPolicy(opts.access),
      metrics: this.metrics,
      now: this.now,
      intervalSec,
      minIntervalSec: opts.minIntervalSec ?? Math.max(1, Math.floor(intervalSec / 2)),
      defaultNumwant: opts.defaultNumwant ?? 50,
      maxNumwant,
    });
    this.ids = new ConnectionIds({ now: this.now, windowMs: opts.connectionIdWindowMs, masterKey: opts.connectionIdKey });
  }

  get addresses(): TrackerAddresses {
    return this.addrs;
  }

  async start(): Promise<TrackerAddresses> {
    const o = this.opts;
    const host = o.host ?? '0.0.0.0';
    const trustedProxies = new Set(o.access?.trustedProxies ?? []);
    try {
      if (o.httpPort !== null) {
        const handler = createHttpHandler({
          core: this.core,
          store: this.store,
          metrics: this.metrics,
          logger: this.logger,
          trackerId: Buffer.from(randomBytes(4).toString('hex')),
          trustedProxies,
          now: this.now,
        });
        const http = new TrackerHttpServer(handler, (e) => this.logger.log('error', 'http server error', { error: e.message }), o.http);
        this.http = http;
        this.httpAddr = await http.listen(o.httpPort ?? 6969, host);
      }
      if (o.udpPort !== null) {
        const udp = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
        this.udp = udp;
        const handler = createUdpHandler(udp, {
          core: this.core,
          ids: this.ids,
          metrics: this.metrics,
          logger: this.logger,
          trustedProxies,
        });
        udp.on('message', handler);
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(o.udpPort ?? 6969, host, () => {
            udp.off('error', reject);
            resolve();
          });
        });
        // Send failures (an unreachable client) must not take the tracker down.
        udp.on('error', (e) => this.logger.log('warn', 'udp socket error', { error: e.message }));
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.addrs = {
      http: this.httpAddr,
      udp: this.udp?.address(),
    };
    const every = o.sweepEveryMs ?? 10_000;
    this.sweepTimer = setInterval(() => void this.sweepPass(), every);
    this.sweepTimer.unref();
    o.signal?.addEventListener('abort', () => void this.stop(), { once: true });
    if (o.signal?.aborted) await this.stop();
    this.logger.log('info', 'tracker listening', {
      http: this.addrs.http ? `${this.addrs.http.address}:${this.addrs.http.port}` : null,
      udp: this.addrs.udp ? `${this.addrs.udp.address}:${this.addrs.udp.port}` : null,
    });
    return this.addrs;
  }

  /** Runs one full expiry pass in budgeted steps, yielding to the event loop between them. */
  async sweepPass(): Promise<void> {
    if (this.sweeping || this.stopping) return;
    this.sweeping = true;
    const budget = this.opts.sweepBudget ?? 5000;
    try {
      for (let steps = 0; steps < 100_000; steps++) {
        if (this.stopping) break;
        if (await this.store.sweep(this.now(), budget)) break;
        await new Promise<void>((r) => setImmediate(r));
      }
    } catch (e) {
      this.logger.log('warn', 'expiry sweep failed', { error: e instanceof Error ? e.message : String(e) });
    } finally {
      this.sweeping = false;
    }
  }

  /** Stops accepting, waits for in-flight requests (bounded), closes sockets and the store. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.sweepTimer) clearInterval(this.sweepTimer);
      const grace = this.opts.shutdownGraceMs ?? 5000;
      const http = this.http;
      const closing: Promise<void>[] = [];
      if (http) closing.push(http.close(grace));
      const udp = this.udp;
      if (udp) {
        closing.push(
          new Promise<void>((resolve) => {
            try {
              udp.close(() => resolve());
            } catch {
              resolve(); // never bound, or already closed
            }
          }),
        );
      }
      await Promise.all(closing.map((p) => p.catch(() => undefined)));
      await this.store.close();
      this.logger.log('info', 'tracker stopped', {});
    })();
    return this.stopping;
  }
}
