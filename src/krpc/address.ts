// Host/port addresses and their compact byte forms used by the DHT (BEP 5, BEP 32):
// "compact peer info" is the IP (4 or 16 bytes) then the port, big-endian; "compact node info"
// is the 20-byte node id followed by compact peer info (26 bytes for IPv4, 38 for IPv6).
import { bytesToIp, isV4Mapped, parseIPv4, parseIPv6 } from '../tracker-proto/ip.js';
import { KrpcError } from './errors.js';

/** A UDP or TCP endpoint; `host` is canonical IP text (dotted quad, or RFC 5952 IPv6). */
export interface KrpcAddress {
  readonly host: string;
  readonly port: number;
}

/** A DHT node: its 20-byte id and the address it answers on. */
export interface NodeContact extends KrpcAddress {
  readonly id: Uint8Array;
}

export type Family = 4 | 6;

export const ID_LENGTH = 20;
export const COMPACT_PEER_V4 = 6;
export const COMPACT_PEER_V6 = 18;
export const COMPACT_NODE_V4 = 26;
export const COMPACT_NODE_V6 = 38;

/** The address family of canonical host text. */
export function familyOf(host: string): Family {
  return host.includes(':') ? 6 : 4;
}

/** IP text to 4 or 16 bytes (IPv4-mapped IPv6 becomes 4 bytes), or undefined if not an IP. */
export function ipBytes(host: string): Uint8Array | undefined {
  const v4 = parseIPv4(host);
  if (v4) return v4;
  const v6 = parseIPv6(host);
  if (!v6) return undefined;
  return isV4Mapped(v6) ? v6.slice(12) : v6;
}

/** Canonical text of an IP (IPv4-mapped IPv6 shown as IPv4), or undefined if not an IP. */
export function canonicalHost(host: string): string | undefined {
  const b = ipBytes(host);
  return b === undefined ? undefined : bytesToIp(b);
}

/** 4 or 16 bytes to canonical text. */
export function ipText(b: Uint8Array): string {
  return bytesToIp(b);
}

function checkPort(port: number, where: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new KrpcError('KRPC_UNENCODABLE', `${where}: port out of range: ${port}`);
  }
}

/** One address as compact peer info (6 or 18 bytes). */
export function encodeCompactPeer(a: KrpcAddress): Uint8Array {
  const ip = ipBytes(a.host);
  if (!ip) throw new KrpcError('KRPC_UNENCODABLE', `not an IP address: "${a.host.slice(0, 60)}"`);
  checkPort(a.port, 'peer');
  const out = new Uint8Array(ip.length + 2);
  out.set(ip);
  out[ip.length] = a.port >> 8;
  out[ip.length + 1] = a.port & 0xff;
  return out;
}

/** Compact peer info (6 or 18 bytes) to an address; other lengths are an error. */
export function decodeCompactPeer(b: Uint8Array, where = 'peer'): KrpcAddress {
  if (b.length !== COMPACT_PEER_V4 && b.length !== COMPACT_PEER_V6) {
    throw new KrpcError('KRPC_BAD_FIELD', `${where}: compact peer info of ${b.length} bytes (expected 6 or 18)`);
  }
  const n = b.length - 2;
  return { host: bytesToIp(b.subarray(0, n)), port: ((b[n] as number) << 8) | (b[n + 1] as number) };
}

/** Nodes of one family to a compact node string; contacts of the other family are skipped. */
export function encodeCompactNodes(nodes: readonly NodeContact[], family: Family): Uint8Array {
  const stride = family === 4 ? COMPACT_NODE_V4 : COMPACT_NODE_V6;
  const ipLen = stride - ID_LENGTH - 2;
  const parts: Uint8Array[] = [];
  for (const n of nodes) {
    const ip = ipBytes(n.host);
    if (!ip || ip.length !== ipLen) continue;
    if (n.id.length !== ID_LENGTH) throw new KrpcError('KRPC_UNENCODABLE', `node id of ${n.id.length} bytes`);
    checkPort(n.port, 'node');
    const e = new Uint8Array(stride);
    e.set(n.id, 0);
    e.set(ip, ID_LENGTH);
    e[stride - 2] = n.port >> 8;
    e[stride - 1] = n.port & 0xff;
    parts.push(e);
  }
  const out = new Uint8Array(parts.length * stride);
  parts.forEach((p, i) => out.set(p, i * stride));
  return out;
}

/**
 * A compact node string to contacts. Its length must be a multiple of the stride; `max` bounds
 * the count (a reply never needs more than a few dozen). Ids are copied: the input buffer is a
 * datagram the caller may reuse.
 */
export function decodeCompactNodes(b: Uint8Array, family: Family, where: string, max = 64): NodeContact[] {
  const stride = family === 4 ? COMPACT_NODE_V4 : COMPACT_NODE_V6;
  if (b.length % stride !== 0) {
    throw new KrpcError('KRPC_BAD_FIELD', `${where}: ${b.length} bytes is not a multiple of ${stride}`);
  }
  const count = b.length / stride;
  if (count > max) throw new KrpcError('KRPC_BAD_FIELD', `${where}: ${count} nodes exceeds the limit of ${max}`);
  const out: NodeContact[] = [];
  for (let off = 0; off < b.length; off += stride) {
    const ipEnd = off + stride - 2;
    out.push({
      id: b.slice(off, off + ID_LENGTH),
      host: bytesToIp(b.subarray(off + ID_LENGTH, ipEnd)),
      port: ((b[ipEnd] as number) << 8) | (b[ipEnd + 1] as number),
    });
  }
  return out;
}
