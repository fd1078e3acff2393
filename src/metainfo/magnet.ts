// Magnet links (BEP 9, BEP 53 `so`), v1 `urn:btih:` and v2 `urn:btmh:` (a hybrid carries both).
//
// Parameters read: xt (also numbered xt.1, xt.2, ...), dn, tr (many, order kept), ws, x.pe,
// so, xl; others are ignored. Values are percent-decoded ('+' is a space only in `dn`, since
// tracker URLs may contain a literal '+'). A link is rejected with a MagnetError when it is not a
// magnet URI, has no usable hash, a hash of the wrong length or encoding, two different hashes
// of one kind, a bad peer address or file selection, or is absurdly long.
// formatMagnet percent-encodes every value (tr, ws, dn) the way libtorrent and Transmission
// expect, and parseMagnet(formatMagnet(m)) gives m back.
import { MagnetError } from './errors.js';
import type { Metainfo } from './types.js';

export interface MagnetPeer {
  /** Host name or address; IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
}

export interface MagnetLink {
  /** 20-byte SHA-1 info hash (urn:btih). */
  readonly infoHashV1?: Uint8Array;
  /** 32-byte SHA-256 info hash (urn:btmh with multihash prefix 0x12 0x20). */
  readonly infoHashV2?: Uint8Array;
  /** The 20-byte swarm id: v1 hash, else the v2 hash truncated. */
  readonly infoHash: Uint8Array;
  /** `dn`: display name while the metadata is fetched. */
  readonly name?: string;
  /** `tr`: tracker URLs, in order, without duplicates. */
  readonly trackers: readonly string[];
  /** `ws`: web seeds (BEP 19). */
  readonly webSeeds: readonly string[];
  /** `x.pe`: peers to ask for the metadata directly. */
  readonly peers: readonly MagnetPeer[];
  /** BEP 53 `so`: file indexes to download, ascending, no duplicates. */
  readonly selectOnly?: readonly number[];
  /** `xl`: the content length in bytes, when given. */
  readonly length?: number;
}

export interface MagnetLimits {
  /** Longest URI accepted in characters (default 65,536). */
  readonly maxLength?: number;
  /** Most parameters accepted (default 1,000). */
  readonly maxParams?: number;
  /** Largest file index and most indexes a `so` may select (default 1,000,000). */
  readonly maxSelect?: number;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function hexToBytes(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return undefined;
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

function base32ToBytes(s: string): Uint8Array | undefined {
  const up = s.toUpperCase();
  const out = new Uint8Array(Math.floor((up.length * 5) / 8));
  let bits = 0;
  let acc = 0;
  let n = 0;
  for (const ch of up) {
    const v = BASE32.indexOf(ch);
    if (v < 0) return undefined;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function parseXt(value: string): { v1?: Uint8Array; v2?: Uint8Array } {
  const lower = value.toLowerCase();
  if (lower.startsWith('urn:btih:')) {
    const h = value.slice(9);
    const bytes = h.length === 40 ? hexToBytes(h) : h.length === 32 ? base32ToBytes(h) : undefined;
    if (!bytes) throw new MagnetError('MAGNET_BAD_HASH', `urn:btih needs 40 hex or 32 base32 characters, found "${clip(h)}"`);
    return { v1: bytes };
  }
  if (lower.startsWith('urn:btmh:')) {
    const h = value.slice(9);
    const bytes = hexToBytes(h);
    if (!bytes) throw new MagnetError('MAGNET_BAD_HASH', `urn:btmh is not hex: "${clip(h)}"`);
    if (bytes[0] !== 0x12 || bytes[1] !== 0x20) {
      throw new MagnetError('MAGNET_BAD_HASH', 'urn:btmh must be a SHA-256 multihash (prefix 1220)');
    }
    if (bytes.length !== 34) throw new MagnetError('MAGNET_BAD_HASH', `urn:btmh carries ${bytes.length - 2} hash bytes, expected 32`);
    return { v2: bytes.subarray(2) };
  }
  return {}; // other URNs (urn:sha1, urn:ed2k, ...) name other networks' content
}

function parsePeer(value: string): MagnetPeer {
  let host: string;
  let port: string;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0 || value[end + 1] !== ':') throw new MagnetError('MAGNET_BAD_PEER', `bad peer address "${clip(value)}"`);
    host = value.slice(1, end);
    port = value.slice(end + 2);
    if (!/^[0-9a-fA-F:.]+$/.test(host) || !host.includes(':')) throw new MagnetError('MAGNET_BAD_PEER', `bad IPv6 address "${clip(host)}"`);
  } else {
    const colon = value.lastIndexOf(':');
    host = value.slice(0, colon);
    port = value.slice(colon + 1);
    if (colon <= 0 || !/^[A-Za-z0-9.-]+$/.test(host)) throw new MagnetError('MAGNET_BAD_PEER', `bad peer address "${clip(value)}"`);
  }
  const p = /^[0-9]{1,5}$/.test(port) ? Number(port) : 0;
  if (p < 1 || p > 65535) throw new MagnetError('MAGNET_BAD_PEER', `bad port in peer address "${clip(value)}"`);
  return { host, port: p };
}

function parseSelect(value: string, max: number): number[] {
  const picked = new Set<number>();
  for (const part of value.split(',')) {
    const m = /^([0-9]{1,9})(?:-([0-9]{1,9}))?$/.exec(part.trim());
    if (!m) throw new MagnetError('MAGNET_BAD_SELECT', `bad file selection "${clip(part)}"`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new MagnetError('MAGNET_BAD_SELECT', `empty range "${clip(part)}"`);
    if (to >= max) throw new MagnetError('MAGNET_BAD_SELECT', `file index ${to} beyond the limit of ${max}`);
    for (let i = from; i <= to; i++) {
      picked.add(i);
      if (picked.size > max) throw new MagnetError('MAGNET_BAD_SELECT', `more than ${max} files selected`);
    }
  }
  return [...picked].sort((a, b) => a - b);
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 60) + '…' : s;
}

function decodeValue(raw: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? raw.replace(/\+/g, ' ') : raw);
  } catch (e) {
    throw new MagnetError('MAGNET_BAD_URI', `bad percent-encoding in "${clip(raw)}"`, { cause: e });
  }
}

/** Parses a magnet URI. Throws MagnetError when it is not a usable BitTorrent magnet link. */
export function parseMagnet(uri: string, limits: MagnetLimits = {}): MagnetLink {
  const maxLength = limits.maxLength ?? 65536;
  const maxParams = limits.maxParams ?? 1000;
  const maxSelect = limits.maxSelect ?? 1_000_000;
  if (uri.length > maxLength) throw new MagnetError('MAGNET_TOO_LARGE', `link of ${uri.length} characters exceeds ${maxLength}`);
  const m = /^magnet:\?(.*)$/is.exec(uri.trim());
  if (!m) throw new MagnetError('MAGNET_BAD_URI', 'not a magnet link (expected "magnet:?xt=...")');
  const params = (m[1] as string).split('&').filter((p) => p.length > 0);
  if (params.length > maxParams) throw new MagnetError('MAGNET_TOO_LARGE', `more than ${maxParams} parameters`);

  let v1: Uint8Array | undefined;
  let v2: Uint8Array | undefined;
  let name: string | undefined;
  let length: number | undefined;
  let selectOnly: number[] | undefined;
  const trackers = new Set<string>();
  const webSeeds = new Set<string>();
  const peers: MagnetPeer[] = [];
  for (const p of params) {
    const eq = p.indexOf('=');
    // Numbered keys (xt.1, tr.2) are the same parameter repeated.
    const key = (eq < 0 ? p : p.slice(0, eq)).toLowerCase().replace(/\.[0-9]+$/, '');
    const raw = eq < 0 ? '' : p.slice(eq + 1);
    if (key === 'xt') {
      const xt = parseXt(decodeValue(raw, false));
      if (xt.v1) {
        if (v1 && !sameBytes(v1, xt.v1)) throw new MagnetError('MAGNET_BAD_HASH', 'two different urn:btih hashes');
        v1 = xt.v1;
      }
      if (xt.v2) {
        if (v2 && !sameBytes(v2, xt.v2)) throw new MagnetError('MAGNET_BAD_HASH', 'two different urn:btmh hashes');
        v2 = xt.v2;
      }
    } else if (key === 'dn') {
      name ??= decodeValue(raw, true);
    } else if (key === 'tr' || key === 'ws') {
      const url = decodeValue(raw, false).trim();
      if (url.length > 0) (key === 'tr' ? trackers : webSeeds).add(url);
    } else if (key === 'x.pe') {
      peers.push(parsePeer(decodeValue(raw, false)));
    } else if (key === 'so') {
      selectOnly = parseSelect(decodeValue(raw, false), maxSelect);
    } else if (key === 'xl') {
      const v = decodeValue(raw, false);
      // Informational only: an unreadable xl is ignored rather than fatal.
      if (/^[0-9]{1,16}$/.test(v) && Number.isSafeInteger(Number(v))) length = Number(v);
    }
  }
  if (!v1 && !v2) throw new MagnetError('MAGNET_NO_HASH', 'no urn:btih or urn:btmh exact topic (xt)');
  const out: { -readonly [K in keyof MagnetLink]: MagnetLink[K] } = {
    infoHash: v1 ?? (v2 as Uint8Array).subarray(0, 20),
    trackers: [...trackers],
    webSeeds: [...webSeeds],
    peers,
  };
  if (v1) out.infoHashV1 = v1;
  if (v2) out.infoHashV2 = v2;
  if (name !== undefined) out.name = name;
  if (selectOnly) out.selectOnly = selectOnly;
  if (length !== undefined) out.length = length;
  return out;
}

function formatSelect(indexes: readonly number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(',');
}

/** Writes a magnet URI (v1 and/or v2 exact topics, then dn, xl, tr, ws, x.pe, so). */
export function formatMagnet(m: Omit<MagnetLink, 'infoHash'> & { readonly infoHash?: Uint8Array }): string {
  const parts: string[] = [];
  if (m.infoHashV1) parts.push(`xt=urn:btih:${toHex(m.infoHashV1)}`);
  if (m.infoHashV2) parts.push(`xt=urn:btmh:1220${toHex(m.infoHashV2)}`);
  if (!m.infoHashV1 && !m.infoHashV2) throw new MagnetError('MAGNET_NO_HASH', 'a magnet link needs a v1 or v2 info hash');
  if (m.name !== undefined) parts.push(`dn=${encodeURIComponent(m.name)}`);
  if (m.length !== undefined) parts.push(`xl=${m.length}`);
  for (const t of m.trackers) parts.push(`tr=${encodeURIComponent(t)}`);
  for (const w of m.webSeeds) parts.push(`ws=${encodeURIComponent(w)}`);
  for (const p of m.peers) parts.push(`x.pe=${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`);
  if (m.selectOnly && m.selectOnly.length > 0) parts.push(`so=${formatSelect(m.selectOnly)}`);
  return `magnet:?${parts.join('&')}`;
}

/** The magnet link of a torrent: its hashes, name, trackers (all tiers, in order) and web seeds. */
export function magnetFromMetainfo(meta: Metainfo): MagnetLink {
  const out: { -readonly [K in keyof MagnetLink]: MagnetLink[K] } = {
    infoHash: meta.infoHash,
    name: meta.name,
    trackers: [...new Set(meta.announce.flat())],
    webSeeds: [...meta.webSeeds],
    peers: [],
  };
  if (meta.infoHashV1) out.infoHashV1 = meta.infoHashV1;
  if (meta.infoHashV2) out.infoHashV2 = meta.infoHashV2;
  return out;
}
