// HTTP tracker responses: announce (BEP 3; compact `peers` BEP 23, `peers6` BEP 7, `external ip`
// BEP 24, `tracker id`, `min interval`, `warning message`), scrape (BEP 48) and `failure reason`.
// The server-side announce encoder writes canonical bencode straight into one buffer (it is on the
// hot path); decoders accept non-canonical key order, as trackers in the wild send it.
import { decode, DictReader, encode, isBytes, keyBytes, bytesKey, type BValue } from '../bencode/index.js';
import { ShoalError } from '../errors.js';
import { decodeCompactPeers } from './compact.js';
import { TrackerProtoError } from './errors.js';
import { bytesToIp } from './ip.js';
import type { PeerAddress, ScrapeEntry, SwarmCounts } from './types.js';

export interface AnnounceResponseFields {
  readonly interval: number;
  readonly minInterval?: number | undefined;
  readonly trackerId?: Uint8Array | undefined;
  readonly complete?: number | undefined;
  readonly incomplete?: number | undefined;
  /** Compact IPv4 list (BEP 23), or a list of peers (BEP 3 dictionary form). */
  readonly peers: Uint8Array | readonly PeerAddress[];
  /** Compact IPv6 list (BEP 7); only sent with a compact `peers`. */
  readonly peers6?: Uint8Array | undefined;
  readonly warningMessage?: string | undefined;
  /** BEP 24: the requester's address as 4 or 16 bytes. */
  readonly externalIp?: Uint8Array | undefined;
}

/** A decoded announce response: either a failure or the tracker's answer. */
export type AnnounceResponse =
  | { readonly ok: false; readonly failureReason: string }
  | {
      readonly ok: true;
      readonly interval?: number | undefined;
      readonly minInterval?: number | undefined;
      readonly trackerId?: Uint8Array | undefined;
      readonly complete?: number | undefined;
      readonly incomplete?: number | undefined;
      /** IPv4 and IPv6 peers together. */
      readonly peers: PeerAddress[];
      readonly warningMessage?: string | undefined;
      readonly externalIp?: string | undefined;
    };

export type ScrapeResponse =
  | { readonly ok: false; readonly failureReason: string }
  | { readonly ok: true; readonly files: ScrapeEntry[] };

const utf8 = new TextEncoder();

/** Writes canonical bencode for a fixed, pre-sorted set of keys in two passes (size, then bytes). */
class Out {
  parts: (Uint8Array | string)[] = [];
  size = 0;
  ascii(s: string): void {
    // Adjacent text is merged so finish() copies a few runs, not one piece per key.
    const last = this.parts.length - 1;
    if (last >= 0 && typeof this.parts[last] === 'string') this.parts[last] += s;
    else this.parts.push(s);
    this.size += s.length;
  }
  key(k: string): void {
    this.ascii(`${k.length}:${k}`);
  }
  int(k: string, v: number): void {
    if (!Number.isSafeInteger(v)) throw new TrackerProtoError('TRACKER_UNENCODABLE', `${k}: not a safe integer: ${v}`);
    this.key(k);
    this.ascii(`i${v}e`);
  }
  bytes(k: string, v: Uint8Array): void {
    this.key(k);
    this.ascii(`${v.length}:`);
    this.parts.push(v);
    this.size += v.length;
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const p of this.parts) {
      if (typeof p === 'string') {
        // All text here is ASCII (keys, digits, lengths), so UTF-8 is one byte per char.
        off += utf8.encodeInto(p, out.subarray(off)).written;
      } else {
        out.set(p, off);
        off += p.length;
      }
    }
    return out;
  }
}

function peerList(peers: readonly PeerAddress[]): Uint8Array {
  return encode(
    peers.map((p) => (p.peerId ? { ip: p.ip, 'peer id': p.peerId, port: p.port } : { ip: p.ip, port: p.port })),
  );
}

/** Encodes a successful announce response (canonical bencode: keys in byte order). */
export function encodeAnnounceResponse(r: AnnounceResponseFields): Uint8Array {
  const o = new Out();
  o.ascii('d');
  if (r.complete !== undefined) o.int('complete', r.complete);
  if (r.externalIp !== undefined) {
    if (r.externalIp.length !== 4 && r.externalIp.length !== 16) {
      throw new TrackerProtoError('TRACKER_UNENCODABLE', `external ip must be 4 or 16 bytes, not ${r.externalIp.length}`);
    }
    o.bytes('external ip', r.externalIp);
  }
  if (r.incomplete !== undefined) o.int('incomplete', r.incomplete);
  o.int('interval', r.interval);
  if (r.minInterval !== undefined) o.int('min interval', r.minInterval);
  if (isBytes(r.peers)) {
    o.bytes('peers', r.peers);
    if (r.peers6 !== undefined && r.peers6.length > 0) o.bytes('peers6', r.peers6);
  } else {
    o.key('peers');
    const list = peerList(r.peers as readonly PeerAddress[]);
    o.parts.push(list);
    o.size += list.length;
  }
  if (r.trackerId !== undefined) o.bytes('tracker id', r.trackerId);
  if (r.warningMessage !== undefined) o.bytes('warning message', utf8.encode(r.warningMessage));
  o.ascii('e');
  return o.finish();
}

/** A `failure reason` response (BEP 3), for announce and scrape alike. */
export function encodeFailure(reason: string): Uint8Array {
  return encode({ 'failure reason': reason });
}

function readCount(d: DictReader, key: string): number | undefined {
  const v = d.optInt(key);
  if (v !== undefined && v < 0) d.fail(key, 'must not be negative');
  return v;
}

function wrap<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TrackerProtoError) throw e;
    if (e instanceof ShoalError) {
      throw new TrackerProtoError('TRACKER_BAD_RESPONSE', `${what}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function decodePeerList(list: BValue[]): PeerAddress[] {
  const out: PeerAddress[] = [];
  list.forEach((item, i) => {
    const d = DictReader.of(item, `peers[${i}]`, 'TRACKER_BAD_RESPONSE');
    const ip = d.str('ip');
    const port = d.int('port');
    if (port < 0 || port > 65535) d.fail('port', `out of range: ${port}`);
    if (ip.length === 0 || ip.length > 255) d.fail('ip', 'must be 1 to 255 characters');
    const peerId = d.optBytes('peer id');
    out.push(peerId ? { ip, port, peerId: peerId.slice() } : { ip, port });
  });
  return out;
}

/** Decodes an announce response body from a tracker (bounded: at most `maxBytes`, default 4 MiB). */
export function decodeAnnounceResponse(body: Uint8Array, maxBytes = 4 << 20): AnnounceResponse {
  if (body.length > maxBytes) {
    throw new TrackerProtoError('TRACKER_BAD_RESPONSE', `announce response of ${body.length} bytes exceeds ${maxBytes}`);
  }
  return wrap('announce response', () => {
    const d = DictReader.of(decode(body, { strict: false, maxDepth: 8 }), '', 'TRACKER_BAD_RESPONSE');
    const failure = d.optBytes('failure reason');
    if (failure !== undefined) return { ok: false, failureReason: new TextDecoder().decode(failure) };
    const peers: PeerAddress[] = [];
    const raw = d.raw('peers');
    if (isBytes(raw)) peers.push(...decodeCompactPeers(raw, 6, 'peers'));
    else if (Array.isArray(raw)) peers.push(...decodePeerList(raw));
    else if (raw !== undefined) d.fail('peers', 'expected a byte string or a list');
    const p6 = d.optBytes('peers6');
    if (p6 !== undefined) peers.push(...decodeCompactPeers(p6, 18, 'peers6'));
    const interval = readCount(d, 'interval');
    const minInterval = readCount(d, 'min interval');
    const ext = d.optBytes('external ip');
    let externalIp: string | undefined;
    if (ext !== undefined && (ext.length === 4 || ext.length === 16)) externalIp = bytesToIp(ext);
    const warning = d.optBytes('warning message');
    const tid = d.optBytes('tracker id');
    return {
      ok: true,
      interval,
      minInterval,
      trackerId: tid?.slice(),
      complete: readCount(d, 'complete'),
      incomplete: readCount(d, 'incomplete'),
      peers,
      warningMessage: warning === undefined ? undefined : new TextDecoder().decode(warning),
      externalIp,
    };
  });
}

/** Encodes a BEP 48 scrape response. */
export function encodeScrapeResponse(files: readonly ScrapeEntry[]): Uint8Array {
  const m = new Map<string, { complete: number; downloaded: number; incomplete: number }>();
  for (const f of files) {
    m.set(bytesKey(f.infoHash), { complete: f.complete, downloaded: f.downloaded, incomplete: f.incomplete });
  }
  return encode({ files: m });
}

/** Decodes a BEP 48 scrape response (bounded by `maxBytes`, default 4 MiB). */
export function decodeScrapeResponse(body: Uint8Array, maxBytes = 4 << 20): ScrapeResponse {
  if (body.length > maxBytes) {
    throw new TrackerProtoError('TRACKER_BAD_RESPONSE', `scrape response of ${body.length} bytes exceeds ${maxBytes}`);
  }
  return wrap('scrape response', () => {
    const d = DictReader.of(decode(body, { strict: false, maxDepth: 8 }), '', 'TRACKER_BAD_RESPONSE');
    const failure = d.optBytes('failure reason');
    if (failure !== undefined) return { ok: false, failureReason: new TextDecoder().decode(failure) };
    const files = d.dictAt('files');
    const out: ScrapeEntry[] = [];
    for (const [k, v] of files.dict) {
      const infoHash = keyBytes(k);
      if (infoHash.length !== 20) files.fail(`<${infoHash.length}-byte key>`, 'info hash keys must be 20 bytes');
      const e = DictReader.of(v, 'files.<info hash>', 'TRACKER_BAD_RESPONSE');
      const counts: SwarmCounts = {
        complete: readCount(e, 'complete') ?? 0,
        incomplete: readCount(e, 'incomplete') ?? 0,
        downloaded: readCount(e, 'downloaded') ?? 0,
      };
      out.push({ infoHash, ...counts });
    }
    return { ok: true, files: out };
  });
}
