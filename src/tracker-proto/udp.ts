// UDP tracker protocol (BEP 15) packets, both directions, with BEP 41 URLData options on announces.
// All integers are big-endian. Decoders check every length before reading and reject what does not
// fit the layout; requests keep views into the packet (no copies on the server's hot path).
import { TrackerProtoError } from './errors.js';
import { decodeCompactPeers } from './compact.js';
import { ANNOUNCE_EVENTS, type AnnounceRequest, type PeerAddress } from './types.js';

export const UDP_PROTOCOL_ID = 0x41727101980n;
const PROTO_HI = 0x417;
const PROTO_LO = 0x27101980;
export const UDP_ACTION = { connect: 0, announce: 1, scrape: 2, error: 3 } as const;
/** BEP 15: "up to about 74 torrents can be scraped at once" (fits one 1500-byte packet). */
export const UDP_MAX_SCRAPE = 74;
/** Largest request a server accepts; anything longer is garbage. */
export const UDP_MAX_REQUEST = 2048;
export const UDP_ANNOUNCE_MIN = 98;
/** BEP 41 URLData is bounded: the concatenated path+query may not exceed this. */
const MAX_URL_DATA = 1024;

export interface UdpConnectRequest {
  readonly action: 'connect';
  readonly transactionId: number;
}
export interface UdpAnnounceRequest extends AnnounceRequest {
  readonly action: 'announce';
  readonly connectionId: bigint;
  readonly transactionId: number;
  /** BEP 41 URLData: the path and query of the tracker URL (e.g. a passkey), if sent. */
  readonly urlData?: string | undefined;
}
export interface UdpScrapeRequest {
  readonly action: 'scrape';
  readonly connectionId: bigint;
  readonly transactionId: number;
  readonly infoHashes: Uint8Array[];
}
export type UdpRequest = UdpConnectRequest | UdpAnnounceRequest | UdpScrapeRequest;

export interface UdpScrapeCounts {
  readonly seeders: number;
  readonly completed: number;
  readonly leechers: number;
}
export type UdpResponse =
  | { readonly action: 'connect'; readonly transactionId: number; readonly connectionId: bigint }
  | {
      readonly action: 'announce';
      readonly transactionId: number;
      readonly interval: number;
      readonly leechers: number;
      readonly seeders: number;
      readonly peers: PeerAddress[];
    }
  | { readonly action: 'scrape'; readonly transactionId: number; readonly entries: UdpScrapeCounts[] }
  | { readonly action: 'error'; readonly transactionId: number; readonly message: string };

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(v: DataView, at: number, name: string): number {
  const hi = v.getUint32(at);
  if (hi > 0x1fffff) throw new TrackerProtoError('TRACKER_BAD_NUMBER', `${name}: out of range`);
  return hi * 0x100000000 + v.getUint32(at + 4);
}

const latin1 = new TextDecoder('latin1');

function parseOptions(b: Uint8Array, at: number): string | undefined {
  let url: string | undefined;
  while (at < b.length) {
    const type = b[at] as number;
    if (type === 0) break; // EndOfOptions
    if (type === 1) {
      at++; // NOP
      continue;
    }
    const len = b[at + 1];
    if (len === undefined || at + 2 + len > b.length) {
      throw new TrackerProtoError('TRACKER_UDP_TRUNCATED', `announce option at byte ${at} runs past the packet`);
    }
    if (type === 2) {
      url = (url ?? '') + latin1.decode(b.subarray(at + 2, at + 2 + len));
      if (url.length > MAX_URL_DATA) throw new TrackerProtoError('TRACKER_UDP_OVERSIZED', 'URLData option too long');
    }
    at += 2 + len;
  }
  return url;
}

/** Decodes a client's packet on the server. Throws TrackerProtoError for anything malformed. */
export function decodeUdpRequest(b: Uint8Array): UdpRequest {
  if (b.length < 16) throw new TrackerProtoError('TRACKER_UDP_TRUNCATED', `packet of ${b.length} bytes is too short`);
  if (b.length > UDP_MAX_REQUEST) {
    throw new TrackerProtoError('TRACKER_UDP_OVERSIZED', `packet of ${b.length} bytes exceeds ${UDP_MAX_REQUEST}`);
  }
  const v = view(b);
  const action = v.getUint32(8);
  const transactionId = v.getUint32(12);
  if (action === UDP_ACTION.connect) {
    if (v.getUint32(0) !== PROTO_HI || v.getUint32(4) !== PROTO_LO) {
      throw new TrackerProtoError('TRACKER_UDP_BAD_PROTOCOL', 'connect request without the protocol id');
    }
    return { action: 'connect', transactionId };
  }
  const connectionId = v.getBigUint64(0);
  if (action === UDP_ACTION.announce) {
    if (b.length < UDP_ANNOUNCE_MIN) {
      throw new TrackerProtoError('TRACKER_UDP_TRUNCATED', `announce of ${b.length} bytes, need ${UDP_ANNOUNCE_MIN}`);
    }
    const ev = v.getUint32(80);
    const event = ANNOUNCE_EVENTS[ev];
    if (event === undefined) throw new TrackerProtoError('TRACKER_BAD_EVENT', `event: unknown value ${ev}`);
    const port = v.getUint16(96);
    if (port === 0) throw new TrackerProtoError('TRACKER_BAD_PORT', 'port: 0 is not in 1..65535');
    const ipNum = v.getUint32(84);
    const numwant = v.getInt32(92);
    return {
      action: 'announce',
      connectionId,
      transactionId,
      infoHash: b.subarray(16, 36),
      peerId: b.subarray(36, 56),
      downloaded: u64(v, 56, 'downloaded'),
      left: u64(v, 64, 'left'),
      uploaded: u64(v, 72, 'uploaded'),
      event,
      ip: ipNum === 0 ? undefined : `${ipNum >>> 24}.${(ipNum >>> 16) & 255}.${(ipNum >>> 8) & 255}.${ipNum & 255}`,
      key: v.getUint32(88),
      numwant: numwant < 0 ? undefined : numwant,
      port,
      urlData: b.length > UDP_ANNOUNCE_MIN ? parseOptions(b, UDP_ANNOUNCE_MIN) : undefined,
    };
  }
  if (action === UDP_ACTION.scrape) {
    const n = (b.length - 16) / 20;
    if (!Number.isInteger(n) || n < 1 || n > UDP_MAX_SCRAPE) {
      throw new TrackerProtoError('TRACKER_UDP_BAD_LENGTH', `scrape of ${b.length} bytes: need 16 + 20·n, 1 <= n <= 74`);
    }
    const infoHashes: Uint8Array[] = [];
    for (let i = 0; i < n; i++) infoHashes.push(b.subarray(16 + 20 * i, 36 + 20 * i));
    return { action: 'scrape', connectionId, transactionId, infoHashes };
  }
  throw new TrackerProtoError('TRACKER_UDP_BAD_ACTION', `unknown action ${action}`);
}

export function encodeUdpConnectRequest(transactionId: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = view(b);
  v.setBigUint64(0, UDP_PROTOCOL_ID);
  v.setUint32(8, UDP_ACTION.connect);
  v.setUint32(12, transactionId >>> 0);
  return b;
}

function check20(b: Uint8Array, name: string): void {
  if (b.length !== 20) throw new TrackerProtoError('TRACKER_UNENCODABLE', `${name} must be 20 bytes`);
}

function setU64(v: DataView, at: number, n: number, name: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new TrackerProtoError('TRACKER_UNENCODABLE', `${name}: ${n} out of range`);
  v.setUint32(at, Math.floor(n / 0x100000000));
  v.setUint32(at + 4, n >>> 0);
}

/** Encodes an announce request; `urlData` becomes BEP 41 options in chunks of 255 bytes. */
export function encodeUdpAnnounceRequest(
  r: AnnounceRequest & { connectionId: bigint; transactionId: number; urlData?: string | undefined },
): Uint8Array {
  check20(r.infoHash, 'info hash');
  check20(r.peerId, 'peer id');
  const url = r.urlData === undefined ? undefined : new TextEncoder().encode(r.urlData);
  if (url && url.length > MAX_URL_DATA) throw new TrackerProtoError('TRACKER_UNENCODABLE', 'URLData too long');
  const chunks = url ? Math.max(1, Math.ceil(url.length / 255)) : 0;
  const b = new Uint8Array(UDP_ANNOUNCE_MIN + (url ? url.length + 2 * chunks : 0));
  const v = view(b);
  v.setBigUint64(0, r.connectionId);
  v.setUint32(8, UDP_ACTION.announce);
  v.setUint32(12, r.transactionId >>> 0);
  b.set(r.infoHash, 16);
  b.set(r.peerId, 36);
  setU64(v, 56, r.downloaded, 'downloaded');
  setU64(v, 64, r.left, 'left');
  setU64(v, 72, r.uploaded, 'uploaded');
  v.setUint32(80, ANNOUNCE_EVENTS.indexOf(r.event));
  v.setUint32(84, 0); // BEP 15: the IP field is only honoured from trusted sources; clients send 0
  v.setUint32(88, (r.key ?? 0) >>> 0);
  v.setInt32(92, r.numwant === undefined ? -1 : Math.min(r.numwant, 0x7fffffff));
  if (!Number.isInteger(r.port) || r.port < 1 || r.port > 65535) {
    throw new TrackerProtoError('TRACKER_BAD_PORT', `port out of range: ${r.port}`);
  }
  v.setUint16(96, r.port);
  if (url) {
    let at = UDP_ANNOUNCE_MIN;
    for (let i = 0; i < chunks; i++) {
      const part = url.subarray(i * 255, (i + 1) * 255);
      b[at] = 2;
      b[at + 1] = part.length;
      b.set(part, at + 2);
      at += 2 + part.length;
    }
  }
  return b;
}

export function encodeUdpScrapeRequest(connectionId: bigint, transactionId: number, infoHashes: readonly Uint8Array[]): Uint8Array {
  if (infoHashes.length < 1 || infoHashes.length > UDP_MAX_SCRAPE) {
    throw new TrackerProtoError('TRACKER_UNENCODABLE', `a UDP scrape carries 1 to ${UDP_MAX_SCRAPE} info hashes`);
  }
  const b = new Uint8Array(16 + 20 * infoHashes.length);
  const v = view(b);
  v.setBigUint64(0, connectionId);
  v.setUint32(8, UDP_ACTION.scrape);
  v.setUint32(12, transactionId >>> 0);
  infoHashes.forEach((h, i) => {
    check20(h, 'info hash');
    b.set(h, 16 + 20 * i);
  });
  return b;
}

export function encodeUdpConnectResponse(transactionId: number, connectionId: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const v = view(b);
  v.setUint32(0, UDP_ACTION.connect);
  v.setUint32(4, transactionId >>> 0);
  v.setBigUint64(8, connectionId);
  return b;
}

/** Writes the 20-byte announce response header into `b` (which must hold it). */
export function writeUdpAnnounceHeader(
  b: Uint8Array,
  transactionId: number,
  interval: number,
  leechers: number,
  seeders: number,
): void {
  const v = view(b);
  v.setUint32(0, UDP_ACTION.announce);
  v.setUint32(4, transactionId >>> 0);
  v.setUint32(8, Math.min(interval, 0xffffffff) >>> 0);
  v.setUint32(12, Math.min(leechers, 0xffffffff) >>> 0);
  v.setUint32(16, Math.min(seeders, 0xffffffff) >>> 0);
}

export function encodeUdpAnnounceResponse(
  transactionId: number,
  interval: number,
  leechers: number,
  seeders: number,
  compactPeers: Uint8Array,
): Uint8Array {
  const b = new Uint8Array(20 + compactPeers.length);
  writeUdpAnnounceHeader(b, transactionId, interval, leechers, seeders);
  b.set(compactPeers, 20);
  return b;
}

export function encodeUdpScrapeResponse(transactionId: number, entries: readonly UdpScrapeCounts[]): Uint8Array {
  const b = new Uint8Array(8 + 12 * entries.length);
  const v = view(b);
  v.setUint32(0, UDP_ACTION.scrape);
  v.setUint32(4, transactionId >>> 0);
  entries.forEach((e, i) => {
    v.setUint32(8 + 12 * i, Math.min(e.seeders, 0xffffffff) >>> 0);
    v.setUint32(12 + 12 * i, Math.min(e.completed, 0xffffffff) >>> 0);
    v.setUint32(16 + 12 * i, Math.min(e.leechers, 0xffffffff) >>> 0);
  });
  return b;
}

/** An error packet; the message is cut to 512 bytes so a reply is never larger than needed. */
export function encodeUdpError(transactionId: number, message: string): Uint8Array {
  const msg = new TextEncoder().encode(message).subarray(0, 512);
  const b = new Uint8Array(8 + msg.length);
  const v = view(b);
  v.setUint32(0, UDP_ACTION.error);
  v.setUint32(4, transactionId >>> 0);
  b.set(msg, 8);
  return b;
}

/**
 * Decodes a tracker's reply on the client. `family` picks the peer stride (BEP 15: the format
 * follows the address family of the packet). Trailing bytes after a fixed layout are ignored, as
 * BEP 15 allows growth; an announce peer list must be a whole number of entries.
 */
export function decodeUdpResponse(b: Uint8Array, family: 4 | 6): UdpResponse {
  if (b.length < 8) throw new TrackerProtoError('TRACKER_UDP_TRUNCATED', `reply of ${b.length} bytes is too short`);
  if (b.length > 65536) throw new TrackerProtoError('TRACKER_UDP_OVERSIZED', `reply of ${b.length} bytes`);
  const v = view(b);
  const action = v.getUint32(0);
  const transactionId = v.getUint32(4);
  switch (action) {
    case UDP_ACTION.connect:
      if (b.length < 16) throw new TrackerProtoError('TRACKER_UDP_TRUNCATED', `connect reply of ${b.length} bytes`);
      return { action: 'connect', transactionId, connectionId: v.getBigUint64(8) };
    case UDP_ACTION.announce: {
      if (b.length < 20) throw new TrackerProtoError('TRACKER_UDP_TRUNCATED', `announce reply of ${b.length} bytes`);
      const stride = family === 4 ? 6 : 18;
      if ((b.length - 20) % stride !== 0) {
        throw new TrackerProtoError('TRACKER_UDP_BAD_LENGTH', `announce reply peer list is not a multiple of ${stride}`);
      }
      return {
        action: 'announce',
        transactionId,
        interval: v.getUint32(8),
        leechers: v.getUint32(12),
        seeders: v.getUint32(16),
        peers: decodeCompactPeers(b.subarray(20), stride),
      };
    }
    case UDP_ACTION.scrape: {
      if ((b.length - 8) % 12 !== 0) {
        throw new TrackerProtoError('TRACKER_UDP_BAD_LENGTH', `scrape reply of ${b.length} bytes is not 8 + 12·n`);
      }
      const entries: UdpScrapeCounts[] = [];
      for (let at = 8; at < b.length; at += 12) {
        entries.push({ seeders: v.getUint32(at), completed: v.getUint32(at + 4), leechers: v.getUint32(at + 8) });
      }
      return { action: 'scrape', transactionId, entries };
    }
    case UDP_ACTION.error:
      return { action: 'error', transactionId, message: new TextDecoder().decode(b.subarray(8, 8 + 1024)) };
    default:
      throw new TrackerProtoError('TRACKER_UDP_BAD_ACTION', `unknown action ${action} in reply`);
  }
}
