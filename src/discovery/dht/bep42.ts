// BEP 42 node-id security: the first 21 bits of a node id are tied to the node's external IP
// through CRC32C (Castagnoli) of the masked address, with 3 random bits `r` kept in the last byte.
// Nodes on local networks (RFC 1918, link-local, loopback; for IPv6 loopback, link-local and
// unique-local) are exempt. Pure.
import { ipBytes } from '../../krpc/index.js';
import { ID_LENGTH, type RandomBytes } from './node-id.js';

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32C (Castagnoli) of `data`. */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = (CRC32C_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const V4_MASK = [0x03, 0x0f, 0x3f, 0xff];
const V6_MASK = [0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff];

/** The CRC32C that seeds a BEP 42 id for IP bytes (4 or 16) and `r` in [0, 7]. */
export function bep42Crc(ip: Uint8Array, r: number): number {
  const v4 = ip.length === 4;
  const mask = v4 ? V4_MASK : V6_MASK;
  const buf = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) buf[i] = (ip[i] as number) & (mask[i] as number);
  buf[0] = (buf[0] as number) | ((r & 7) << 5);
  return crc32c(buf);
}

/** True for addresses BEP 42 exempts from id verification (local networks, loopback). */
export function isLocalIp(ip: Uint8Array): boolean {
  if (ip.length === 4) {
    const [a = 0, b = 0] = ip;
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (ip.length !== 16) return false;
  let zeros = true;
  for (let i = 0; i < 15; i++) if (ip[i] !== 0) zeros = false;
  if (zeros && ip[15] === 1) return true; // ::1
  const a = ip[0] as number;
  const b = ip[1] as number;
  return (a === 0xfe && (b & 0xc0) === 0x80) || (a & 0xfe) === 0xfc;
}

/** A node id that satisfies BEP 42 for `ip` (4 or 16 bytes). */
export function secureNodeId(ip: Uint8Array, randomBytes: RandomBytes): Uint8Array {
  const id = randomBytes(ID_LENGTH).slice(0, ID_LENGTH);
  const rand = id[19] as number;
  const crc = bep42Crc(ip, rand & 7);
  id[0] = (crc >>> 24) & 0xff;
  id[1] = (crc >>> 16) & 0xff;
  id[2] = ((crc >>> 8) & 0xf8) | ((id[2] as number) & 0x07);
  return id;
}

/** Whether `id` matches `ip` under BEP 42 (the first 21 bits, with r taken from the last byte). */
export function isSecureNodeId(id: Uint8Array, ip: Uint8Array): boolean {
  if (id.length !== ID_LENGTH || (ip.length !== 4 && ip.length !== 16)) return false;
  const crc = bep42Crc(ip, (id[19] as number) & 7);
  return id[0] === ((crc >>> 24) & 0xff) && id[1] === ((crc >>> 16) & 0xff) && ((id[2] as number) & 0xf8) === ((crc >>> 8) & 0xf8);
}

/** BEP 42 compliance of a node at `host`: local addresses always pass. */
export function isCompliantNode(id: Uint8Array, host: string): boolean {
  const ip = ipBytes(host);
  if (ip === undefined) return false;
  return isLocalIp(ip) || isSecureNodeId(id, ip);
}
