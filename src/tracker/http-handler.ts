// HTTP tracker endpoints (BEP 3 announce, BEP 48 scrape, plus /stats and /metrics), independent of
// the HTTP server that carries them: a request (method, target, client address, a header getter)
// becomes a reply (status, type, body). Queries are parsed from the raw target (binary info_hash
// and peer_id); every bad request gets a bencoded `failure reason`, never a crash. `ip` and
// X-Forwarded-For are believed only from configured trusted proxies.
import {
  bytesToIp,
  encodeAnnounceResponse,
  encodeFailure,
  encodeScrapeResponse,
  ipToBytes,
  parseAnnounceQuery,
  parseScrapeQuery,
  TrackerProtoError,
  type AnnounceRequest,
  type PeerAddress,
} from '../tracker-proto/index.js';
import { splitPath } from './access.js';
import type { AnnounceOutcome, ScrapeOutcome, TrackerCore } from './core.js';
import type { Logger } from './log.js';
import type { TrackerMetrics } from './metrics.js';
import { isPromise, type StoreStats, type TrackerStore } from './store.js';

export interface HttpRequestInfo {
  readonly method: string;
  /** Request target as sent: path and query, still percent-encoded. */
  readonly target: string;
  /** The TCP peer's address. */
  readonly remoteAddress: string;
  /** A request header by lower-case name. */
  header(name: string): string | undefined;
}

export interface HttpReply {
  readonly status: number;
  readonly type: string;
  readonly body: Uint8Array | string;
}

export interface HttpHandlerDeps {
  readonly core: TrackerCore;
  readonly store: TrackerStore;
  readonly metrics: TrackerMetrics;
  readonly logger: Logger;
  readonly trackerId: Uint8Array;
  readonly trustedProxies: ReadonlySet<string>;
  readonly now: () => number;
}

const BENCODE = 'text/plain';

function unmap(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** The announcing client's address: the socket peer, or what a trusted proxy says it is. */
function clientIp(req: HttpRequestInfo, trusted: ReadonlySet<string>, ipParam: string | undefined): Uint8Array {
  const remote = unmap(req.remoteAddress);
  if (trusted.size > 0 && trusted.has(remote)) {
    const claimed = ipParam ?? req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (claimed) {
      try {
        return ipToBytes(claimed);
      } catch {
        // An unparsable claim from a proxy falls back to the proxy's own address.
      }
    }
  }
  return ipToBytes(remote);
}

export type HttpHandler = (req: HttpRequestInfo) => HttpReply | Promise<HttpReply>;

export function createHttpHandler(d: HttpHandlerDeps): HttpHandler {
  const failure = (reason: string): HttpReply => {
    d.metrics.failures.http++;
    return { status: 200, type: BENCODE, body: encodeFailure(reason) };
  };

  const announceReply = (req: AnnounceRequest, ip: Uint8Array, o: AnnounceOutcome): HttpReply => {
    if (o.failure !== undefined) return failure(o.failure);
    const r = o.result;
    let peers: Uint8Array | PeerAddress[] = r.peers4;
    if (req.compact === false) {
      const list: PeerAddress[] = [];
      const ids = req.noPeerId ? undefined : r.peerIds;
      const add = (buf: Uint8Array, stride: number): void => {
        for (let off = 0; off < buf.length; off += stride) {
          const at = list.length * 20;
          list.push({
            ip: bytesToIp(buf.subarray(off, off + stride - 2)),
            port: ((buf[off + stride - 2] as number) << 8) | (buf[off + stride - 1] as number),
            peerId: ids?.slice(at, at + 20),
          });
        }
      };
      add(r.peers4, 6);
      add(r.peers6, 18);
      peers = list;
    }
    const body = encodeAnnounceResponse({
      interval: o.interval,
      minInterval: o.minInterval,
      trackerId: d.trackerId,
      complete: r.complete,
      incomplete: r.incomplete,
      peers,
      peers6: req.compact === false ? undefined : r.peers6,
      warningMessage: r.warning,
      externalIp: ip,
    });
    return { status: 200, type: BENCODE, body };
  };

  const scrapeReply = (hashes: Uint8Array[], o: ScrapeOutcome): HttpReply => {
    if (o.failure !== undefined) return failure(o.failure);
    const files = hashes.map((h, i) => ({ infoHash: h, ...(o.counts[i] ?? { complete: 0, incomplete: 0, downloaded: 0 }) }));
    return { status: 200, type: BENCODE, body: encodeScrapeResponse(files) };
  };

  const fail = (e: unknown): HttpReply => {
    if (e instanceof TrackerProtoError) return failure(e.message);
    d.logger.log('error', 'http request failed', { error: e instanceof Error ? e.message : String(e) });
    return { status: 500, type: BENCODE, body: encodeFailure('internal tracker error') };
  };

  const statsReply = (endpoint: string, st: StoreStats): HttpReply =>
    endpoint === 'stats'
      ? { status: 200, type: 'application/json', body: JSON.stringify(d.metrics.json(st, d.now())) + '\n' }
      : { status: 200, type: 'text/plain; version=0.0.4', body: d.metrics.prometheus(st, d.now()) };

  return (req) => {
    try {
      const url = req.target;
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const query = q === -1 ? '' : url.slice(q + 1);
      const { endpoint, passkey } = splitPath(path);
      if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, type: 'text/plain', body: 'method not allowed\n' };
      if (endpoint === 'announce') {
        const a = parseAnnounceQuery(query);
        const ip = clientIp(req, d.trustedProxies, a.ip);
        const o = d.core.announce(a, ip, passkey, 'http', 'both', a.compact === false && !a.noPeerId, Infinity);
        return isPromise(o) ? o.then((x) => announceReply(a, ip, x), fail) : announceReply(a, ip, o);
      }
      if (endpoint === 'scrape') {
        const hashes = parseScrapeQuery(query);
        const o = d.core.scrape(hashes, passkey, 'http');
        return isPromise(o) ? o.then((x) => scrapeReply(hashes, x), fail) : scrapeReply(hashes, o);
      }
      if ((endpoint === 'stats' || endpoint === 'metrics') && passkey === undefined) {
        const s = d.store.stats(d.now());
        return isPromise(s) ? s.then((st) => statsReply(endpoint, st), fail) : statsReply(endpoint, s);
      }
      return { status: 404, type: 'text/plain', body: 'not found: use /announce, /scrape, /stats or /metrics\n' };
    } catch (e) {
      return fail(e);
    }
  };
}
