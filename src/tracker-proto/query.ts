// URL query strings with binary values (BEP 3): `info_hash` and `peer_id` are raw bytes that
// clients percent-encode byte by byte, so URLSearchParams (which decodes to UTF-8 text and
// replaces invalid sequences) would corrupt them. Parsing is bounded in length and count.
import { TrackerProtoError } from './errors.js';

export interface QueryParam {
  /** Key as latin1 text (one char per byte). */
  readonly key: string;
  readonly value: Uint8Array;
}

export interface QueryLimits {
  /** Maximum query length in characters (default 8192). */
  readonly maxLength?: number;
  /** Maximum number of parameters (default 64). */
  readonly maxParams?: number;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Percent-decodes s[start, end) to bytes; `+` is a space (form encoding). */
export function percentDecode(s: string, start = 0, end = s.length): Uint8Array {
  // Exact size up front (escapes are 3 chars for 1 byte), so no second view is needed.
  let size = end - start;
  for (let i = s.indexOf('%', start); i !== -1 && i < end; i = s.indexOf('%', i + 3)) size -= 2;
  const out = new Uint8Array(Math.max(0, size));
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hi = i + 2 < end ? hexVal(s.charCodeAt(i + 1)) : -1;
      const lo = hi >= 0 ? hexVal(s.charCodeAt(i + 2)) : -1;
      if (lo < 0) throw new TrackerProtoError('TRACKER_BAD_QUERY', `bad percent escape at character ${i}`);
      out[n++] = (hi << 4) | lo;
      i += 2;
    } else if (c === 0x2b) out[n++] = 0x20;
    else if (c > 0xff || c < 0x20) {
      throw new TrackerProtoError('TRACKER_BAD_QUERY', `invalid character 0x${c.toString(16)} at character ${i}`);
    } else out[n++] = c;
  }
  return n === out.length ? out : out.subarray(0, n);
}

const latin1 = new TextDecoder('latin1');

/** Splits `a=b&c=d` (no leading `?`) into decoded pairs, in order; repeated keys are kept. */
export function parseQuery(query: string, limits: QueryLimits = {}): QueryParam[] {
  const maxLength = limits.maxLength ?? 8192;
  const maxParams = limits.maxParams ?? 64;
  if (query.length > maxLength) {
    throw new TrackerProtoError('TRACKER_QUERY_TOO_LONG', `query of ${query.length} characters exceeds ${maxLength}`);
  }
  const out: QueryParam[] = [];
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    if (end > start) {
      if (out.length >= maxParams) {
        throw new TrackerProtoError('TRACKER_TOO_MANY_PARAMS', `more than ${maxParams} query parameters`);
      }
      let eq = query.indexOf('=', start);
      if (eq === -1 || eq > end) eq = end;
      const key = plainKey(query, start, eq) ? query.slice(start, eq) : latin1.decode(percentDecode(query, start, eq));
      const value = eq < end ? percentDecode(query, eq + 1, end) : new Uint8Array(0);
      out.push({ key, value });
    }
    start = end + 1;
  }
  return out;
}

/** True when s[start, end) needs no decoding (no escapes, no '+', only printable latin1). */
function plainKey(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 || c === 0x2b || c < 0x20 || c > 0xff) return false;
  }
  return true;
}

const UNRESERVED = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[ch.charCodeAt(0)] = 1;
const HEX = '0123456789ABCDEF';

/** Percent-encodes bytes (or UTF-8 text), leaving only RFC 3986 unreserved characters bare. */
export function percentEncode(v: Uint8Array | string): string {
  const b = typeof v === 'string' ? new TextEncoder().encode(v) : v;
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    s += c < 128 && UNRESERVED[c] === 1 ? String.fromCharCode(c) : '%' + HEX[c >> 4] + HEX[c & 15];
  }
  return s;
}
