// Local Service Discovery messages (BEP 14): the HTTP-over-UDP "BT-SEARCH" announce sent to a
// multicast group. An announce names the group (Host), our listen port (Port), one or more
// 40-hex-digit info hashes (Infohash) and an opaque cookie that lets the sender recognise its own
// announce when the group loops it back.
//
// Decoding treats every datagram as hostile: its size, header count and info hash count are
// bounded before any work, header names are case-insensitive, unknown headers are ignored (as
// BEP 14 asks for forward compatibility), and an Infohash value that is not 40 hex digits is
// skipped rather than failing the whole announce.
import { LsdError } from './errors.js';

export const LSD_PORT = 6771;
/** BEP 14 group A (org-local IPv4). */
export const LSD_IPV4_GROUP = '239.192.152.143';
/** BEP 14 group B (site-local IPv6). */
export const LSD_IPV6_GROUP = 'ff15::efc0:988f';
/** BEP 14: an announce with several info hashes should stay within this, to avoid fragmentation. */
export const LSD_MAX_DATAGRAM = 1400;

export interface LsdAnnounce {
  /** The Host header: the group and port the announce was sent to ("239.192.152.143:6771"). */
  readonly host: string;
  /** The announcer's BitTorrent listen port. */
  readonly port: number;
  /** 20-byte info hashes, without duplicates, in message order. */
  readonly infoHashes: readonly Uint8Array[];
  readonly cookie?: string;
}

export interface LsdDecodeLimits {
  /** Largest datagram accepted (default 4,096 bytes). */
  readonly maxBytes?: number;
  /** Most header lines read (default 64). */
  readonly maxHeaders?: number;
  /** Most info hashes taken from one announce (default 64; further ones are ignored). */
  readonly maxInfoHashes?: number;
}

const REQUEST_LINE = 'BT-SEARCH * HTTP/1.1';
const MAX_COOKIE = 128;
const latin1 = new TextDecoder('latin1');

/** The Host header value for a group: "239.192.152.143:6771" or "[ff15::efc0:988f]:6771". */
export function lsdHostHeader(family: 4 | 6): string {
  return family === 6 ? `[${LSD_IPV6_GROUP}]:${LSD_PORT}` : `${LSD_IPV4_GROUP}:${LSD_PORT}`;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function unhex40(s: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{40}$/.test(s)) return undefined;
  const out = new Uint8Array(20);
  for (let i = 0; i < 20; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function checkText(what: string, v: string, max: number): void {
  if (v.length > max || !/^[\x20-\x7e]*$/.test(v)) throw new LsdError('LSD_BAD_ARGUMENT', `${what} must be at most ${max} printable characters`);
}

/** Encodes one announce. Throws LsdError (LSD_BAD_ARGUMENT) for values the format cannot carry. */
export function encodeLsdAnnounce(a: LsdAnnounce): Uint8Array {
  checkText('host', a.host, 256);
  if (!Number.isInteger(a.port) || a.port < 1 || a.port > 0xffff) throw new LsdError('LSD_BAD_ARGUMENT', `port ${a.port} outside 1..65535`);
  if (a.infoHashes.length === 0) throw new LsdError('LSD_BAD_ARGUMENT', 'an announce needs at least one info hash');
  let s = `${REQUEST_LINE}\r\nHost: ${a.host}\r\nPort: ${a.port}\r\n`;
  for (const h of a.infoHashes) {
    if (h.length !== 20) throw new LsdError('LSD_BAD_ARGUMENT', `info hash of ${h.length} bytes, expected 20`);
    s += `Infohash: ${hex(h)}\r\n`;
  }
  if (a.cookie !== undefined) {
    checkText('cookie', a.cookie, MAX_COOKIE);
    s += `cookie: ${a.cookie}\r\n`;
  }
  s += '\r\n\r\n';
  return new TextEncoder().encode(s);
}

/**
 * Splits an announce of many info hashes into datagrams of at most `maxBytes` (default 1400)
 * each, every one a complete announce with the same host, port and cookie.
 */
export function packLsdAnnounces(base: Omit<LsdAnnounce, 'infoHashes'>, infoHashes: readonly Uint8Array[], maxBytes = LSD_MAX_DATAGRAM): Uint8Array[] {
  const fixed = encodeLsdAnnounce({ ...base, infoHashes: [new Uint8Array(20)] }).length - 52;
  const perHash = 52; // "Infohash: " + 40 hex + CRLF
  const per = Math.floor((maxBytes - fixed) / perHash);
  if (per < 1) throw new LsdError('LSD_BAD_ARGUMENT', `an announce does not fit in ${maxBytes} bytes`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < infoHashes.length; i += per) out.push(encodeLsdAnnounce({ ...base, infoHashes: infoHashes.slice(i, i + per) }));
  return out;
}

/** Decodes one received datagram. Throws LsdError only. */
export function decodeLsdAnnounce(datagram: Uint8Array, limits: LsdDecodeLimits = {}): LsdAnnounce {
  const maxBytes = limits.maxBytes ?? 4096;
  const maxHeaders = limits.maxHeaders ?? 64;
  const maxHashes = limits.maxInfoHashes ?? 64;
  if (datagram.length > maxBytes) throw new LsdError('LSD_TOO_LARGE', `datagram of ${datagram.length} bytes, more than ${maxBytes}`);
  const text = latin1.decode(datagram);
  const lines = text.split('\n', maxHeaders + 2).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const first = lines[0] ?? '';
  if (first.trim().toUpperCase() !== REQUEST_LINE) throw new LsdError('LSD_MALFORMED', `not a BT-SEARCH request: "${printable(first)}"`);
  let host = '';
  let port: number | undefined;
  let cookie: string | undefined;
  const hashes: Uint8Array[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length && i <= maxHeaders; i++) {
    const line = lines[i] as string;
    // The blank line ends the headers. Without one (cut short, or past maxHeaders) the announce
    // is still used if it has what we need.
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new LsdError('LSD_MALFORMED', `header line without a name: "${printable(line)}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'host') host = value.slice(0, 256);
    else if (name === 'port') {
      if (!/^[0-9]{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 0xffff) throw new LsdError('LSD_BAD_PORT', `bad Port header "${printable(value)}"`);
      port = Number(value);
    } else if (name === 'infohash') {
      const h = unhex40(value);
      const k = value.toLowerCase();
      if (h && !seen.has(k) && hashes.length < maxHashes) {
        seen.add(k);
        hashes.push(h);
      }
    } else if (name === 'cookie') {
      if (value.length > MAX_COOKIE) throw new LsdError('LSD_MALFORMED', `cookie longer than ${MAX_COOKIE} characters`);
      cookie = value;
    }
  }
  if (port === undefined) throw new LsdError('LSD_BAD_PORT', 'no Port header');
  if (hashes.length === 0) throw new LsdError('LSD_NO_INFOHASH', 'no valid Infohash header');
  return cookie === undefined ? { host, port, infoHashes: hashes } : { host, port, infoHashes: hashes, cookie };
}

function printable(s: string): string {
  return s.slice(0, 60).replace(/[^\x20-\x7e]/g, '?');
}
