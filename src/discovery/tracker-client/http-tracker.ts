// HTTP(S) tracker client (BEP 3 announce, BEP 48 scrape): builds the query with binary-safe
// percent-encoding, reads a bounded response body, and maps `failure reason` to an error.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  decodeAnnounceResponse,
  decodeScrapeResponse,
  encodeAnnounceQuery,
  encodeScrapeQuery,
  scrapeUrlFromAnnounce,
  withQuery,
} from '../../tracker-proto/index.js';
import { AbortedError } from '../../errors.js';
import { TrackerClientError } from './errors.js';
import type { AnnounceParams, RequestOptions, ScrapeCounts, TrackerAnnounceResult } from './types.js';

const MAX_BODY = 2 << 20;
const DEFAULT_TIMEOUT = 15_000;

/** GETs `url` and returns the body; bounded in size and time, cancellable. */
export function httpGetBody(url: string, opts: RequestOptions = {}): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new AbortedError());
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
      method: 'GET',
      // Announces are minutes apart, and many trackers close after each reply: a pooled
      // keep-alive socket would often be dead on reuse.
      agent: false,
      headers: { 'user-agent': 'shoal/0.1', 'accept-encoding': 'identity', connection: 'close' },
    });
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT;
    const timer = setTimeout(() => {
      req.destroy(new TrackerClientError('TRACKER_TIMEOUT', `${u.host}: no response within ${timeoutMs} ms`));
    }, timeoutMs);
    const onAbort = (): void => void req.destroy(new AbortedError());
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    req.on('error', (e) => {
      done();
      if (e instanceof TrackerClientError || e instanceof AbortedError) reject(e);
      else reject(new TrackerClientError('TRACKER_UNREACHABLE', `${u.host}: ${e.message}`, { cause: e }));
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          req.destroy(new TrackerClientError('TRACKER_RESPONSE_TOO_LARGE', `${u.host}: response larger than ${MAX_BODY} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        done();
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200) {
          // Some trackers send a failure reason with an error status; prefer it when present.
          try {
            const d = decodeAnnounceResponse(body);
            if (!d.ok) return reject(new TrackerClientError('TRACKER_FAILURE', d.failureReason));
          } catch {
            // not bencoded
          }
          return reject(new TrackerClientError('TRACKER_HTTP_STATUS', `${u.host}: HTTP ${res.statusCode}`));
        }
        resolve(body);
      });
      res.on('error', () => undefined); // reported through req 'error'
    });
    req.end();
  });
}

export async function httpAnnounce(url: string, p: AnnounceParams, opts: RequestOptions = {}): Promise<TrackerAnnounceResult> {
  const body = await httpGetBody(withQuery(url, encodeAnnounceQuery({ ...p, compact: true })), opts);
  const r = decodeAnnounceResponse(body);
  if (!r.ok) throw new TrackerClientError('TRACKER_FAILURE', r.failureReason);
  return {
    interval: r.interval ?? 1800,
    minInterval: r.minInterval,
    peers: r.peers,
    complete: r.complete,
    incomplete: r.incomplete,
    warning: r.warningMessage,
    trackerId: r.trackerId,
    externalIp: r.externalIp,
  };
}

export async function httpScrape(url: string, infoHashes: readonly Uint8Array[], opts: RequestOptions = {}): Promise<ScrapeCounts[]> {
  const scrapeUrl = scrapeUrlFromAnnounce(url);
  if (scrapeUrl === undefined) throw new TrackerClientError('TRACKER_NO_SCRAPE', `${url}: no scrape URL (BEP 48)`);
  const r = decodeScrapeResponse(await httpGetBody(withQuery(scrapeUrl, encodeScrapeQuery(infoHashes)), opts));
  if (!r.ok) throw new TrackerClientError('TRACKER_FAILURE', r.failureReason);
  return infoHashes.map((h) => {
    const f = r.files.find((x) => Buffer.compare(x.infoHash, h) === 0);
    return f ? { complete: f.complete, incomplete: f.incomplete, downloaded: f.downloaded } : { complete: 0, incomplete: 0, downloaded: 0 };
  });
}
