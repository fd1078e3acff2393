// Announcer: keeps one torrent announced to its trackers (BEP 3, BEP 12 tiers, BEP 15 UDP).
//
// One announce round walks the tiers in order and stops at the first tracker that answers (which
// is promoted within its tier); the next round follows the tracker's `interval`. When every
// tracker fails the round is retried with exponential backoff and jitter. An early announce
// (`announce('completed')`, or asking for more peers) waits out the tracker's `min interval`.
// stop() sends `stopped` to every tracker that knows us, bounded in time. Failures are only ever
// 'warning' events: a dead tracker never stops a download that has other sources.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AbortedError } from '../../errors.js';
import type { AnnounceEvent, PeerAddress } from '../../tracker-proto/index.js';
import { TrackerTiers } from './tiers.js';
import { DefaultTrackerTransport, isSupportedTrackerUrl, type TrackerTransport } from './transport.js';
import type { AnnounceParams, AnnounceStatus, ScrapeCounts } from './types.js';
import type { UdpTrackerClientOptions } from './udp-tracker.js';

export interface AnnouncerOptions {
  /** BEP 12 tiers (announce-list); a single `announce` URL is `[[url]]`. */
  readonly tiers: readonly (readonly string[])[];
  /** Current counters of the torrent, read before every announce. */
  readonly status: () => AnnounceStatus;
  /** Peers to ask for (default 50). */
  readonly numwant?: number;
  /** BEP 7 key (default: random 32 bits, fixed for this Announcer). */
  readonly key?: number;
  /** Randomness for tier shuffling and retry jitter (default Math.random). */
  readonly random?: () => number;
  /** Time limit of one HTTP request, ms (default 15,000). */
  readonly requestTimeoutMs?: number;
  /** UDP retransmission settings (default: 15 s doubling, 2 retransmissions). */
  readonly udp?: UdpTrackerClientOptions;
  /** First retry delay after a round where every tracker failed, ms (default 15,000); doubles. */
  readonly retryBaseMs?: number;
  /** Longest retry delay, ms (default 30 minutes). */
  readonly retryMaxMs?: number;
  /** How long stop() may spend telling trackers we left, ms (default 5,000). */
  readonly stopTimeoutMs?: number;
  /** Shortest interval honoured, ms (default 10,000): a tracker asking for less is not obeyed. */
  readonly intervalFloorMs?: number;
  /** Network layer (default: HTTP + UDP clients). */
  readonly transport?: TrackerTransport;
  readonly now?: () => number;
}

export interface TrackerWarning {
  /** The tracker URL concerned. */
  readonly tracker: string;
  readonly message: string;
  readonly cause?: unknown;
}

export interface AnnounceInfo {
  readonly tracker: string;
  readonly event: AnnounceEvent;
  readonly interval: number;
  readonly minInterval?: number | undefined;
  readonly complete?: number | undefined;
  readonly incomplete?: number | undefined;
  readonly peerCount: number;
  /** BEP 24: our address as the tracker saw it. */
  readonly externalIp?: string | undefined;
}

export interface AnnouncerEvents {
  /** Peers from a tracker (may repeat peers seen before). */
  peers: [peers: PeerAddress[], tracker: string];
  /** A tracker failed, refused, or sent a `warning message`. Never fatal. */
  warning: [warning: TrackerWarning];
  /** A tracker answered an announce. */
  announced: [info: AnnounceInfo];
}

interface TrackerState {
  started: boolean;
  trackerId?: Uint8Array | undefined;
}

export class Announcer extends EventEmitter<AnnouncerEvents> {
  private readonly tiers: TrackerTiers;
  private readonly transport: TrackerTransport;
  private readonly ownsTransport: boolean;
  private readonly key: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly state = new Map<string, TrackerState>();
  private timer: NodeJS.Timeout | undefined;
  private inflight: AbortController | undefined;
  private running: Promise<void> | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private failures = 0;
  private lastSuccess = -Infinity;
  private intervalMs = 1800_000;
  private minIntervalMs = 0;
  private pendingCompleted = false;
  private earlyRequested = false;
  private readonly unsupported: string[];

  constructor(private readonly opts: AnnouncerOptions) {
    super();
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.key = opts.key ?? randomBytes(4).readUInt32BE(0);
    const supported = opts.tiers.map((t) => t.filter(isSupportedTrackerUrl));
    this.tiers = new TrackerTiers(supported, this.random);
    this.transport = opts.transport ?? new DefaultTrackerTransport(opts.udp);
    this.ownsTransport = opts.transport === undefined;
    this.unsupported = opts.tiers.flat().filter((u) => !isSupportedTrackerUrl(u));
  }

  /** Tiers in their current order (after shuffling and promotions). */
  get trackers(): string[][] {
    return this.tiers.snapshot();
  }

  /** Starts announcing (first announce right away, event `started`). Idempotent. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    for (const u of this.unsupported) this.emit('warning', { tracker: u, message: `unsupported tracker URL scheme: ${u}` });
    if (this.tiers.size === 0) {
      this.emit('warning', { tracker: '', message: 'no usable tracker URLs' });
      return;
    }
    this.schedule(0);
  }

  /**
   * Asks for an announce before the regular interval: with 'completed' when the download has just
   * finished, or with no argument when more peers are wanted. Waits for the tracker's min interval.
   */
  announce(event?: 'completed'): void {
    if (!this.started || this.stopping) return;
    if (event === 'completed') this.pendingCompleted = true;
    this.earlyRequested = true;
    if (this.running) return; // picked up when the current round ends
    this.schedule(Math.max(0, this.lastSuccess + this.minIntervalMs - this.now()));
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running ??= this.run().finally(() => (this.running = undefined));
    }, ms);
    this.timer.unref?.();
  }

  private async run(): Promise<void> {
    const ac = new AbortController();
    this.inflight = ac;
    this.earlyRequested = false;
    let ok = false;
    try {
      ok = await this.round(ac.signal);
    } catch (e) {
      if (!(e instanceof AbortedError)) this.emit('warning', { tracker: '', message: `announce round failed: ${String(e)}`, cause: e });
    } finally {
      this.inflight = undefined;
    }
    if (this.stopping) return;
    if (ok) {
      this.failures = 0;
      const delay = this.earlyRequested
        ? Math.max(0, this.lastSuccess + this.minIntervalMs - this.now())
        : this.intervalMs;
      this.schedule(delay);
    } else {
      const base = this.opts.retryBaseMs ?? 15_000;
      const max = this.opts.retryMaxMs ?? 1_800_000;
      const delay = Math.min(max, base * 2 ** Math.min(this.failures, 20)) * (0.75 + 0.5 * this.random());
      this.failures++;
      this.schedule(Math.round(delay));
    }
  }

  private params(event: AnnounceEvent, st: TrackerState): AnnounceParams {
    return {
      ...this.opts.status(),
      event,
      numwant: event === 'stopped' ? 0 : this.opts.numwant ?? 50,
      key: this.key,
      trackerId: st.trackerId,
    };
  }

  private trackerState(url: string): TrackerState {
    let st = this.state.get(url);
    if (!st) this.state.set(url, (st = { started: false }));
    return st;
  }

  /** One BEP 12 pass: the first tracker that answers ends it. */
  private async round(signal: AbortSignal): Promise<boolean> {
    for (const { url } of this.tiers.order()) {
      if (signal.aborted) throw new AbortedError();
      const st = this.trackerState(url);
      const event: AnnounceEvent = !st.started ? 'started' : this.pendingCompleted ? 'completed' : 'none';
      try {
        const r = await this.transport.announce(url, this.params(event, st), {
          signal,
          timeoutMs: /^udp:/i.test(url) ? undefined : this.opts.requestTimeoutMs ?? 15_000,
        });
        if (signal.aborted) throw new AbortedError();
        st.started = true;
        if (r.trackerId !== undefined) st.trackerId = r.trackerId;
        if (event === 'completed' || (event === 'started' && this.opts.status().left === 0)) this.pendingCompleted = false;
        this.tiers.promote(url);
        this.lastSuccess = this.now();
        this.intervalMs = Math.max(this.opts.intervalFloorMs ?? 10_000, r.interval * 1000);
        this.minIntervalMs = r.minInterval !== undefined ? Math.min(r.minInterval * 1000, this.intervalMs) : 0;
        this.emit('announced', {
          tracker: url,
          event,
          interval: r.interval,
          minInterval: r.minInterval,
          complete: r.complete,
          incomplete: r.incomplete,
          peerCount: r.peers.length,
          externalIp: r.externalIp,
        });
        if (r.warning) this.emit('warning', { tracker: url, message: `tracker warning: ${r.warning}` });
        if (r.peers.length > 0) this.emit('peers', r.peers, url);
        return true;
      } catch (e) {
        if (e instanceof AbortedError || signal.aborted) throw new AbortedError();
        this.emit('warning', { tracker: url, message: e instanceof Error ? e.message : String(e), cause: e });
      }
    }
    return false;
  }

  /** Scrapes the preferred tracker that answers; undefined if none does (warnings say why). */
  async scrape(signal?: AbortSignal): Promise<ScrapeCounts | undefined> {
    const { infoHash } = this.opts.status();
    for (const { url } of this.tiers.order()) {
      try {
        const [c] = await this.transport.scrape(url, [infoHash], { signal, timeoutMs: this.opts.requestTimeoutMs ?? 15_000 });
        if (c) return c;
      } catch (e) {
        if (e instanceof AbortedError) throw e;
        this.emit('warning', { tracker: url, message: `scrape: ${e instanceof Error ? e.message : String(e)}`, cause: e });
      }
    }
    return undefined;
  }

  /** Stops announcing and sends `stopped` to the trackers that know us (bounded). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearTimeout(this.timer);
      this.inflight?.abort();
      await this.running;
      const limit = this.opts.stopTimeoutMs ?? 5000;
      const known = [...this.state.entries()].filter(([, st]) => st.started);
      await Promise.all(
        known.map(([url, st]) =>
          this.transport
            .announce(url, this.params('stopped', st), { signal: AbortSignal.timeout(limit), timeoutMs: limit })
            .catch((e: unknown) => {
              this.emit('warning', { tracker: url, message: `stopped: ${e instanceof Error ? e.message : String(e)}`, cause: e });
            }),
        ),
      );
      if (this.ownsTransport) this.transport.close();
    })();
    return this.stopping;
  }
}
