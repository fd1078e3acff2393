// Compact peer lists: 6 bytes per IPv4 peer (BEP 23) and 18 bytes per IPv6 peer (BEP 7),
// address then port, both big-endian. The same layout is used in UDP announce responses (BEP 15).
import { TrackerProtoError } from './errors.js';
import { bytesToIp, ipToBytes } from './ip.js';
import type { PeerAddress } from './types.js';

export const COMPACT_V4 = 6;
export const COMPACT_V6 = 18;

/** Decodes a compact list; `stride` 6 or 18. A length that is not a multiple of it is an error. */
export function decodeCompactPeers(bytes: Uint8Array, stride: 6 | 18, where = 'peers'): PeerAddress[] {
  if (bytes.length % stride !== 0) {
    throw new TrackerProtoError(
      'TRACKER_BAD_RESPONSE',
      `${where}: compact list of ${bytes.length} bytes is not a multiple of ${stride}`,
    );
  }
  const out: PeerAddress[] = [];
  const alen = stride - 2;
  for (let off = 0; off < bytes.length; off += stride) {
    const port = ((bytes[off + alen] as number) << 8) | (bytes[off + alen + 1] as number);
    out.push({ ip: bytesToIp(bytes.subarray(off, off + alen)), port });
  }
  return out;
}

/** One peer as compact bytes (6 for IPv4, 18 for IPv6). */
export function encodeCompactPeer(ip: string | Uint8Array, port: number): Uint8Array {
  const a = typeof ip === 'string' ? ipToBytes(ip) : ip;
  if (a.length !== 4 && a.length !== 16) throw new TrackerProtoError('TRACKER_BAD_IP', `bad address length ${a.length}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TrackerProtoError('TRACKER_BAD_PORT', `port out of range: ${port}`);
  }
  const out = new Uint8Array(a.length + 2);
  out.set(a);
  out[a.length] = port >> 8;
  out[a.length + 1] = port & 0xff;
  return out;
}

/** Peers to compact lists, split by family. */
export function encodeCompactPeers(peers: readonly PeerAddress[]): { v4: Uint8Array; v6: Uint8Array } {
  const v4: Uint8Array[] = [];
  const v6: Uint8Array[] = [];
  for (const p of peers) {
    const e = encodeCompactPeer(p.ip, p.port);
    (e.length === COMPACT_V4 ? v4 : v6).push(e);
  }
  return { v4: concat(v4), v6: concat(v6) };
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
