// HTTP front end of the tracker (BEP 3 announce, BEP 48 scrape, plus /stats and /metrics) on
// node:http. Queries are parsed from the raw request URL (binary info_hash and peer_id); every bad
// request gets a bencoded `failure reason`, never a crash. `ip` and X-Forwarded-For are believed
// only from configured trusted proxies.
import type { IncomingMessage, ServerResponse } from 'node:http';
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
import { isPromise, type TrackerStore } from './store.js';

export interface HttpHandlerDeps {
  readonly core: TrackerCore;
  readonly store: TrackerStore;
  readonly metrics: TrackerMetrics;
  readonly logger: Logger;
  readonly trackerId: Uint8Array;
  readonly trustedProxies: ReadonlySet<string>;
  readonly now: () => number;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

function send(res: ServerResponse, status: number, body: Uint8Array | string, type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length });
  res.end(body);
}

function unmap(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** The announcing client's address: the socket peer, or what a trusted proxy says it is. */
function clientIp(req: IncomingMessage, trusted: ReadonlySet<string>, ipParam: string | undefined): Uint8Array {
  const remote = unmap(req.socket.remoteAddress ?? '');
  if (trusted.has(remote)) {
    const xff = req.headers['x-forwarded-for'];
    const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
    const claimed = ipParam ?? first;
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

export function createHttpHandler(d: HttpHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const bencoded = 'text/plain';

  const replyAnnounce = (res: ServerResponse, req: AnnounceRequest, ip: Uint8Array, o: AnnounceOutcome): void => {
    if (o.failure !== undefined) {
      d.metrics.failures.http++;
      send(res, 200, encodeFailure(o.failure), bencoded);
      return;
    }
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
    send(res, 200, body, bencoded);
  };

  const replyScrape = (res: ServerResponse, hashes: Uint8Array[], o: ScrapeOutcome): void => {
    if (o.failure !== undefined) {
      d.metrics.failures.http++;
      send(res, 200, encodeFailure(o.failure), bencoded);
      return;
    }
    send(res, 200, encodeScrapeResponse(hashes.map((h, i) => ({ infoHash: h, ...(o.counts[i] as NonNullable<(typeof o.counts)[number]>) }))), bencoded);
  };

  const fail = (res: ServerResponse, e: unknown): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (e instanceof TrackerProtoError) {
      d.metrics.failures.http++;
      send(res, 200, encodeFailure(e.message), bencoded);
      return;
    }
    d.logger.log('error', 'http request failed', { error: e instanceof Error ? e.message : String(e) });
    send(res, 500, encodeFailure('internal tracker error'), bencoded);
  };

  return (req, res) => {
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const query = q === -1 ? '' : url.slice(q + 1);
      const { endpoint, passkey } = splitPath(path);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { ...TEXT, allow: 'GET, HEAD' });
        res.end('method not allowed\n');
        return;
      }
      if (endpoint === 'announce') {
        const a = parseAnnounceQuery(query);
        const ip = clientIp(req, d.trustedProxies, a.ip);
        const o = d.core.announce(a, ip, passkey, 'http', 'both', a.compact === false && !a.noPeerId, Infinity);
        if (isPromise(o)) o.then((x) => replyAnnounce(res, a, ip, x), (e: unknown) => fail(res, e));
        else replyAnnounce(res, a, ip, o);
      } else if (endpoint === 'scrape') {
        const hashes = parseScrapeQuery(query);
        const o = d.core.scrape(hashes, passkey, 'http');
        if (isPromise(o)) o.then((x) => replyScrape(res, hashes, x), (e: unknown) => fail(res, e));
        else replyScrape(res, hashes, o);
      } else if ((endpoint === 'stats' || endpoint === 'metrics') && passkey === undefined) {
        const s = d.store.stats(d.now());
        const reply = (st: Awaited<typeof s>): void => {
          if (endpoint === 'stats') send(res, 200, JSON.stringify(d.metrics.json(st, d.now())) + '\n', 'application/json');
          else send(res, 200, d.metrics.prometheus(st, d.now()), 'text/plain; version=0.0.4');
        };
        if (isPromise(s)) s.then(reply, (e: unknown) => fail(res, e));
        else reply(s);
      } else {
        send(res, 404, 'not found: use /announce, /scrape, /stats or /metrics\n');
      }
    } catch (e) {
      fail(res, e);
    }
  };
}
