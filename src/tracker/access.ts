// Who may use the tracker: an info-hash allow list (unknown torrents get a clear failure),
// private mode with per-user passkeys in the announce URL (`/PASSKEY/announce`; over UDP the
// same path in BEP 41 URLData), and the trusted proxies whose `ip` / X-Forwarded-For are believed.
import { readFile } from 'node:fs/promises';
import { ShoalError } from '../errors.js';
import { hex } from './keys.js';

export interface AccessOptions {
  /** Lower-case hex info hashes that may be tracked; undefined = any. */
  readonly allow?: ReadonlySet<string> | undefined;
  /** Private mode: every announce and scrape must carry a known passkey. */
  readonly private?: boolean | undefined;
  readonly passkeys?: ReadonlySet<string> | undefined;
  /** Addresses of reverse proxies whose `ip` parameter / X-Forwarded-For header are honoured. */
  readonly trustedProxies?: ReadonlySet<string> | undefined;
}

export class AccessPolicy {
  readonly trustedProxies: ReadonlySet<string>;
  constructor(private readonly opts: AccessOptions = {}) {
    this.trustedProxies = opts.trustedProxies ?? new Set();
  }

  get isPrivate(): boolean {
    return this.opts.private === true;
  }

  /** A failure reason for this passkey, or undefined if it may proceed. */
  checkPasskey(passkey: string | undefined): string | undefined {
    if (!this.opts.private) return undefined;
    if (passkey === undefined) return 'this is a private tracker: announce with your passkey URL (/<passkey>/announce)';
    if (!this.opts.passkeys?.has(passkey)) return 'unknown passkey';
    return undefined;
  }

  /** A failure reason for this torrent, or undefined if it is tracked here. */
  checkTorrent(infoHash: Uint8Array): string | undefined {
    if (this.opts.allow === undefined) return undefined;
    const h = hex(infoHash);
    return this.opts.allow.has(h) ? undefined : `unregistered torrent: ${h} is not tracked here`;
  }
}

/**
 * Splits `/PASSKEY/announce` style paths: returns the endpoint (`announce`, `scrape`, …) and the
 * passkey if there is one. Passkeys are 1 to 64 URL-safe characters.
 */
export function splitPath(path: string): { endpoint: string; passkey?: string | undefined } {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 2 && /^[A-Za-z0-9_.~-]{1,64}$/.test(parts[0] as string)) {
    return { endpoint: parts[1] as string, passkey: parts[0] };
  }
  return { endpoint: parts.length === 1 ? (parts[0] as string) : parts.join('/') };
}

/** Reads a list file: one entry per line, `#` comments and blank lines ignored. */
export async function readListFile(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '');
}

/** An allow-list file: 40 hex digits per line (case-insensitive). */
export async function readAllowFile(path: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const [i, l] of (await readListFile(path)).entries()) {
    const h = l.split(/\s+/)[0] as string;
    if (!/^[0-9a-fA-F]{40}$/.test(h)) {
      throw new ShoalError('TRACKER_BAD_ALLOW_FILE', `${path}: entry ${i + 1} is not a 40-digit hex info hash: "${h.slice(0, 60)}"`);
    }
    out.add(h.toLowerCase());
  }
  return out;
}

/** A passkeys file: one passkey per line, optionally followed by a user name. */
export async function readPasskeysFile(path: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const [i, l] of (await readListFile(path)).entries()) {
    const k = l.split(/\s+/)[0] as string;
    if (!/^[A-Za-z0-9_.~-]{1,64}$/.test(k)) {
      throw new ShoalError('TRACKER_BAD_PASSKEY_FILE', `${path}: entry ${i + 1} is not a passkey of 1-64 URL-safe characters`);
    }
    out.add(k);
  }
  return out;
}
