// Transport-independent announce and scrape logic (BEP 3 swarm rules): access checks, numwant
// defaults and caps, how long a peer stays listed, then one atomic store call. HTTP and UDP front
// ends only translate their wire formats to and from this.
import type { AnnounceRequest, SwarmCounts } from '../tracker-proto/index.js';
import type { AccessPolicy } from './access.js';
import type { Proto, TrackerMetrics } from './metrics.js';
import { isPromise, type StoreAnnounceResult, type TrackerStore } from './store.js';

export interface CoreOptions {
  readonly store: TrackerStore;
  readonly access: AccessPolicy;
  readonly metrics: TrackerMetrics;
  readonly now: () => number;
  /** Seconds between regular announces (BEP 3 `interval`). */
  readonly intervalSec: number;
  /** Seconds a client must wait at least between announces (`min interval`). */
  readonly minIntervalSec: number;
  readonly defaultNumwant: number;
  readonly maxNumwant: number;
}

export type AnnounceOutcome =
  | { readonly failure: string }
  | { readonly failure?: undefined; readonly result: StoreAnnounceResult; readonly interval: number; readonly minInterval: number };

export type ScrapeOutcome = { readonly failure: string } | { readonly failure?: undefined; readonly counts: SwarmCounts[] };

export class TrackerCore {
  /** A peer that misses one announce (plus half an interval of grace) is dropped. */
  readonly ttlMs: number;

  constructor(readonly opts: CoreOptions) {
    this.ttlMs = Math.round(opts.intervalSec * 1500);
  }

  /**
   * One announce from `ip` (4 or 16 bytes, already resolved through trusted proxies).
   * `maxPeers` lets a transport cap the answer further (UDP replies must fit one datagram).
   */
  announce(
    req: AnnounceRequest,
    ip: Uint8Array,
    passkey: string | undefined,
    proto: Proto,
    want: 'v4' | 'v6' | 'both',
    withPeerIds: boolean,
    maxPeers: number,
  ): AnnounceOutcome | Promise<AnnounceOutcome> {
    const o = this.opts;
    const denied = o.access.checkPasskey(passkey) ?? o.access.checkTorrent(req.infoHash);
    if (denied !== undefined) return { failure: denied };
    const numwant = req.event === 'stopped' ? 0 : Math.min(req.numwant ?? o.defaultNumwant, o.maxNumwant, maxPeers);
    const addr = new Uint8Array(ip.length + 2);
    addr.set(ip);
    addr[ip.length] = req.port >> 8;
    addr[ip.length + 1] = req.port & 0xff;
    const now = o.now();
    o.metrics.announce(proto, now);
    const r = o.store.announce({
      infoHash: req.infoHash,
      peerId: req.peerId,
      addr,
      event: req.event,
      seeder: req.left === 0,
      numwant,
      want,
      withPeerIds,
      now,
      ttlMs: this.ttlMs,
    });
    return isPromise(r) ? r.then((x) => this.outcome(x)) : this.outcome(r);
  }

  private outcome(result: StoreAnnounceResult): AnnounceOutcome {
    if (result.failure !== undefined) return { failure: result.failure };
    return { result, interval: this.opts.intervalSec, minInterval: this.opts.minIntervalSec };
  }

  scrape(infoHashes: readonly Uint8Array[], passkey: string | undefined, proto: Proto): ScrapeOutcome | Promise<ScrapeOutcome> {
    const o = this.opts;
    const denied = o.access.checkPasskey(passkey);
    if (denied !== undefined) return { failure: denied };
    if (infoHashes.length === 0) return { failure: 'full scrape is not supported: name the info hashes' };
    o.metrics.scrapes[proto]++;
    const r = o.store.scrape(infoHashes, o.now());
    return isPromise(r) ? r.then((counts) => ({ counts })) : { counts: r };
  }
}
