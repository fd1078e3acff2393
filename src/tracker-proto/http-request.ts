// HTTP tracker requests (BEP 3 announce, BEP 48 scrape): parsing a raw query string on the
// server side, building one on the client side. Every field is bounded: 20-byte info_hash and
// peer_id, ports 1..65535, counters as safe non-negative integers, short text fields.
import { TrackerProtoError } from './errors.js';
import { parseQuery, percentEncode, type QueryLimits } from './query.js';
import type { AnnounceEvent, AnnounceRequest } from './types.js';

const latin1 = new TextDecoder('latin1');
const MAX_TEXT = 128;

function parseUint(v: Uint8Array, name: string, allowNegative = false): number {
  let i = 0;
  let neg = false;
  if (allowNegative && v[0] === 0x2d) {
    neg = true;
    i = 1;
  }
  if (v.length === i || v.length - i > 16) {
    throw new TrackerProtoError('TRACKER_BAD_NUMBER', `${name}: expected a decimal integer of 1 to 16 digits`);
  }
  let n = 0;
  for (; i < v.length; i++) {
    const c = v[i] as number;
    if (c < 0x30 || c > 0x39) throw new TrackerProtoError('TRACKER_BAD_NUMBER', `${name}: not a decimal integer`);
    n = n * 10 + (c - 0x30);
  }
  if (!Number.isSafeInteger(n)) throw new TrackerProtoError('TRACKER_BAD_NUMBER', `${name}: ${n} is out of range`);
  return neg ? -n : n;
}

function hash20(v: Uint8Array, name: 'info_hash' | 'peer_id'): Uint8Array {
  if (v.length !== 20) {
    throw new TrackerProtoError(
      name === 'info_hash' ? 'TRACKER_BAD_INFO_HASH' : 'TRACKER_BAD_PEER_ID',
      `${name} must be 20 bytes, got ${v.length}`,
    );
  }
  return v;
}

function text(v: Uint8Array, name: string): string {
  if (v.length > MAX_TEXT) throw new TrackerProtoError('TRACKER_BAD_PARAM', `${name}: longer than ${MAX_TEXT} bytes`);
  return latin1.decode(v);
}

/** BEP 7 `key` as sent over HTTP (usually 8 hex digits) folded to the 32-bit UDP form. */
function parseKey(v: Uint8Array): number {
  if (v.length > MAX_TEXT) throw new TrackerProtoError('TRACKER_BAD_PARAM', `key: longer than ${MAX_TEXT} bytes`);
  const s = latin1.decode(v);
  if (/^[0-9a-fA-F]{1,8}$/.test(s)) return parseInt(s, 16) >>> 0;
  let h = 0x811c9dc5; // FNV-1a: any other text still maps to a stable 32-bit key
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ (v[i] as number), 0x01000193);
  return h >>> 0;
}

function parseEvent(v: Uint8Array): AnnounceEvent {
  switch (latin1.decode(v)) {
    case '':
    case 'empty':
    case 'paused': // BEP 21: still a regular announce for swarm bookkeeping
      return 'none';
    case 'started':
      return 'started';
    case 'completed':
      return 'completed';
    case 'stopped':
      return 'stopped';
    default:
      throw new TrackerProtoError('TRACKER_BAD_EVENT', `event: unknown value "${latin1.decode(v.subarray(0, 20))}"`);
  }
}

/** Parses the query string of `/announce?…` (without the `?`). Unknown parameters are ignored. */
export function parseAnnounceQuery(query: string, limits: QueryLimits = {}): AnnounceRequest {
  let infoHash: Uint8Array | undefined;
  let peerId: Uint8Array | undefined;
  let port: number | undefined;
  let uploaded = 0;
  let downloaded = 0;
  let left: number | undefined;
  let event: AnnounceEvent = 'none';
  let numwant: number | undefined;
  let key: number | undefined;
  let compact = true;
  let noPeerId = false;
  let ip: string | undefined;
  let trackerId: Uint8Array | undefined;
  for (const { key: k, value: v } of parseQuery(query, limits)) {
    switch (k) {
      case 'info_hash':
        if (infoHash) throw new TrackerProtoError('TRACKER_BAD_INFO_HASH', 'info_hash given more than once');
        infoHash = hash20(v, 'info_hash');
        break;
      case 'peer_id':
        peerId = hash20(v, 'peer_id');
        break;
      case 'port':
        port = parseUint(v, 'port');
        if (port < 1 || port > 65535) throw new TrackerProtoError('TRACKER_BAD_PORT', `port: ${port} is not in 1..65535`);
        break;
      case 'uploaded':
        uploaded = parseUint(v, 'uploaded');
        break;
      case 'downloaded':
        downloaded = parseUint(v, 'downloaded');
        break;
      case 'left':
        left = parseUint(v, 'left');
        break;
      case 'event':
        event = parseEvent(v);
        break;
      case 'numwant': {
        const n = parseUint(v, 'numwant', true);
        numwant = n < 0 ? undefined : n;
        break;
      }
      case 'key':
        key = parseKey(v);
        break;
      case 'compact':
        compact = !(v.length === 1 && v[0] === 0x30);
        break;
      case 'no_peer_id':
        noPeerId = !(v.length === 1 && v[0] === 0x30);
        break;
      case 'ip':
        ip = text(v, 'ip');
        break;
      case 'trackerid':
        if (v.length > MAX_TEXT) throw new TrackerProtoError('TRACKER_BAD_PARAM', `trackerid: longer than ${MAX_TEXT} bytes`);
        trackerId = v;
        break;
      default:
        break;
    }
  }
  if (!infoHash) throw new TrackerProtoError('TRACKER_MISSING_PARAM', 'missing info_hash');
  if (!peerId) throw new TrackerProtoError('TRACKER_MISSING_PARAM', 'missing peer_id');
  if (port === undefined) throw new TrackerProtoError('TRACKER_MISSING_PARAM', 'missing port');
  if (left === undefined) throw new TrackerProtoError('TRACKER_MISSING_PARAM', 'missing left');
  return { infoHash, peerId, port, uploaded, downloaded, left, event, numwant, key, compact, noPeerId, ip, trackerId };
}

/** Parses the query of `/scrape?info_hash=…&info_hash=…`; returns the hashes (possibly none). */
export function parseScrapeQuery(query: string, opts: QueryLimits & { maxHashes?: number } = {}): Uint8Array[] {
  const maxHashes = opts.maxHashes ?? 100;
  const out: Uint8Array[] = [];
  const params = parseQuery(query, { maxLength: opts.maxLength ?? 65536, maxParams: opts.maxParams ?? maxHashes + 16 });
  for (const { key, value } of params) {
    if (key !== 'info_hash') continue;
    if (out.length >= maxHashes) {
      throw new TrackerProtoError('TRACKER_TOO_MANY_HASHES', `more than ${maxHashes} info hashes in one scrape`);
    }
    out.push(hash20(value, 'info_hash'));
  }
  return out;
}

/** Builds the announce query string (no leading `?`) a client sends. */
export function encodeAnnounceQuery(req: AnnounceRequest): string {
  const parts = [
    `info_hash=${percentEncode(req.infoHash)}`,
    `peer_id=${percentEncode(req.peerId)}`,
    `port=${req.port}`,
    `uploaded=${req.uploaded}`,
    `downloaded=${req.downloaded}`,
    `left=${req.left}`,
    `compact=${req.compact === false ? 0 : 1}`,
  ];
  if (req.noPeerId) parts.push('no_peer_id=1');
  if (req.event !== 'none') parts.push(`event=${req.event}`);
  if (req.numwant !== undefined) parts.push(`numwant=${req.numwant}`);
  if (req.key !== undefined) parts.push(`key=${(req.key >>> 0).toString(16).padStart(8, '0')}`);
  if (req.trackerId !== undefined) parts.push(`trackerid=${percentEncode(req.trackerId)}`);
  if (req.ip !== undefined) parts.push(`ip=${percentEncode(req.ip)}`);
  return parts.join('&');
}

export function encodeScrapeQuery(infoHashes: readonly Uint8Array[]): string {
  return infoHashes.map((h) => `info_hash=${percentEncode(h)}`).join('&');
}

/** Appends a query to a URL that may already carry one (passkey URLs often do). */
export function withQuery(url: string, query: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  if (query === '') return base;
  return base + (base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?') + query;
}

/**
 * BEP 48: the scrape URL is the announce URL with `announce` in the last path segment replaced
 * by `scrape`; undefined when the announce URL does not have that shape (no scrape possible).
 */
export function scrapeUrlFromAnnounce(url: string): string | undefined {
  const q = url.search(/[?#]/);
  const path = q === -1 ? url : url.slice(0, q);
  const rest = q === -1 ? '' : url.slice(q);
  const slash = path.lastIndexOf('/');
  if (slash === -1 || !path.startsWith('announce', slash + 1)) return undefined;
  return `${path.slice(0, slash + 1)}scrape${path.slice(slash + 1 + 'announce'.length)}${rest}`;
}
