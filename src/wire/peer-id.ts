// Peer ids (BEP 20 conventions): shoal's own, Azureus style `-SH0100-` followed by random bytes
// from an injected source (this layer may not call a random generator itself), and a parser that
// names the client behind a peer id for logs. Clients are identified better by the BEP 10 `v` key;
// peer ids are a fallback and are never trusted for anything but display.
import { WireError } from './errors.js';

/** shoal 0.1.0 in Azureus style: `-` client code, four version characters, `-`. */
export const SHOAL_PEER_ID_PREFIX = '-SH0100-';

/** Returns `n` unpredictable bytes (node:crypto randomBytes in production, seeded in tests). */
export type RandomBytes = (n: number) => Uint8Array;

export function makePeerId(random: RandomBytes, prefix: string = SHOAL_PEER_ID_PREFIX): Uint8Array {
  if (prefix.length > 20 || !/^[\x20-\x7e]*$/.test(prefix)) {
    throw new WireError('WIRE_BAD_ARGUMENT', `peer id prefix must be at most 20 printable ASCII characters: ${JSON.stringify(prefix)}`);
  }
  const n = 20 - prefix.length;
  const tail = random(n);
  if (tail.length !== n) throw new WireError('WIRE_BAD_ARGUMENT', `random source returned ${tail.length} bytes, asked for ${n}`);
  const id = new Uint8Array(20);
  for (let i = 0; i < prefix.length; i++) id[i] = prefix.charCodeAt(i);
  id.set(tail, prefix.length);
  return id;
}

export interface PeerClient {
  /** Client name, or the two-letter code when the code is not known. */
  readonly client: string;
  readonly version: string;
  readonly style: 'azureus' | 'aria2' | 'mainline';
}

const AZUREUS_CODES: Readonly<Record<string, string>> = {
  SH: 'shoal',
  LT: 'libtorrent',
  lt: 'rTorrent',
  TR: 'Transmission',
  qB: 'qBittorrent',
  UT: 'µTorrent',
  UM: 'µTorrent Mac',
  BT: 'BitTorrent',
  DE: 'Deluge',
  WW: 'WebTorrent',
  WD: 'WebTorrent Desktop',
  AZ: 'Vuze',
  BI: 'BiglyBT',
  BC: 'BitComet',
  KT: 'KTorrent',
  TX: 'Tixati',
  FD: 'Free Download Manager',
  PI: 'PicoTorrent',
};

function ascii(id: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && i < id.length; i++) s += String.fromCharCode(id[i] as number);
  return s;
}

function digitValue(c: string): number {
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'A' && c <= 'Z') return c.charCodeAt(0) - 55;
  return -1;
}

function azureusVersion(code: string, v: string): string {
  if (code === 'TR') {
    // Transmission since 0.80: major, two minor digits, then Z (release) / B (beta) / X (dev).
    const suffix = { Z: '', B: ' beta', X: ' dev' }[v[3] as string];
    if (suffix !== undefined && /^\d{3}$/.test(v.slice(0, 3))) return `${v[0] as string}.${v.slice(1, 3)}${suffix}`;
  }
  if ((code === 'WW' || code === 'WD') && /^\d{4}$/.test(v)) {
    // WebTorrent: two decimal digits of major, two of minor.
    return `${Number(v.slice(0, 2))}.${Number(v.slice(2, 4))}`;
  }
  const parts = [...v].map(digitValue);
  if (parts.some((p) => p < 0)) return v;
  while (parts.length > 3 && parts[parts.length - 1] === 0) parts.pop();
  return parts.join('.');
}

/** Names the client behind a peer id, or returns null for styles it does not know. */
export function parsePeerId(id: Uint8Array): PeerClient | null {
  if (id.length !== 20) return null;
  const head = ascii(id, 0, 10);
  if (/^-[A-Za-z]{2}[0-9A-Za-z]{4}-/.test(head)) {
    const code = head.slice(1, 3);
    return { client: AZUREUS_CODES[code] ?? code, version: azureusVersion(code, head.slice(3, 7)), style: 'azureus' };
  }
  const aria2 = /^A2-(\d+)-(\d+)-(\d+)-/.exec(head);
  if (aria2) return { client: 'aria2', version: `${aria2[1]}.${aria2[2]}.${aria2[3]}`, style: 'aria2' };
  const mainline = /^M(\d+)-(\d+)-(\d+)-/.exec(head);
  if (mainline) return { client: 'BitTorrent', version: `${mainline[1]}.${mainline[2]}.${mainline[3]}`, style: 'mainline' };
  return null;
}

/** A short printable description of a peer id for logs: "qBittorrent 4.5.0" or its escaped bytes. */
export function describePeerId(id: Uint8Array): string {
  const c = parsePeerId(id);
  if (c) return `${c.client} ${c.version}`;
  let s = '';
  for (let i = 0; i < id.length && i < 20; i++) {
    const b = id[i] as number;
    s += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}
