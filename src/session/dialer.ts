// Which peers to connect to, and when: a bounded set of candidate addresses (from trackers, the
// command line, later DHT and PEX), dialled up to a connection limit and a half-open limit, with
// exponential backoff for addresses that failed. Banned addresses are never dialled again.
import type { PeerAddress } from '../transport/types.js';
import { formatAddress } from '../transport/types.js';

interface Candidate {
  readonly addr: PeerAddress;
  failures: number;
  nextTryAt: number;
  connected: boolean;
  dialing: boolean;
}

export interface DialerOptions {
  readonly maxCandidates?: number;
  readonly maxPeers?: number;
  readonly maxHalfOpen?: number;
}

export class Dialer {
  private readonly candidates = new Map<string, Candidate>();
  private readonly maxCandidates: number;
  readonly maxPeers: number;
  readonly maxHalfOpen: number;
  private halfOpen = 0;

  constructor(opts: DialerOptions = {}) {
    this.maxCandidates = opts.maxCandidates ?? 2000;
    this.maxPeers = opts.maxPeers ?? 50;
    this.maxHalfOpen = opts.maxHalfOpen ?? 8;
  }

  add(addr: PeerAddress, now: number): void {
    const key = formatAddress(addr);
    if (this.candidates.has(key) || this.candidates.size >= this.maxCandidates) return;
    if (!(addr.port > 0 && addr.port < 65536)) return;
    this.candidates.set(key, { addr, failures: 0, nextTryAt: now, connected: false, dialing: false });
  }

  /** Addresses to dial now, given how many peers are connected; marks them as dialing. */
  next(now: number, connectedPeers: number, isBanned: (host: string) => boolean): PeerAddress[] {
    const out: PeerAddress[] = [];
    for (const c of this.candidates.values()) {
      if (connectedPeers + this.halfOpen >= this.maxPeers || this.halfOpen >= this.maxHalfOpen) break;
      if (c.connected || c.dialing || c.nextTryAt > now || isBanned(c.addr.host)) continue;
      c.dialing = true;
      this.halfOpen++;
      out.push(c.addr);
    }
    return out;
  }

  /** The dial ended: connected (and handshaken) or failed. */
  dialed(addr: PeerAddress, ok: boolean, now: number): void {
    const c = this.candidates.get(formatAddress(addr));
    if (!c || !c.dialing) return;
    c.dialing = false;
    this.halfOpen--;
    if (ok) {
      c.connected = true;
      c.failures = 0;
    } else {
      this.failed(c, now);
    }
  }

  /** A connection to this address closed; it may be dialled again later. */
  disconnected(addr: PeerAddress, now: number, clean: boolean): void {
    const c = this.candidates.get(formatAddress(addr));
    if (!c) return;
    c.connected = false;
    if (clean) c.nextTryAt = now + 5_000;
    else this.failed(c, now);
  }

  /** Marks an address as connected by the peer itself (incoming), so we do not dial it too. */
  markConnected(addr: PeerAddress): void {
    const c = this.candidates.get(formatAddress(addr));
    if (c) c.connected = true;
  }

  get size(): number {
    return this.candidates.size;
  }

  private failed(c: Candidate, now: number): void {
    c.failures++;
    // 1 s, 2 s, 4 s ... capped at 5 minutes: a peer that is not up yet is retried soon.
    c.nextTryAt = now + Math.min(300_000, 1000 * 2 ** Math.min(c.failures - 1, 9));
    if (c.failures > 12) this.candidates.delete(formatAddress(c.addr));
  }
}

/** Parses "host:port" or "[v6]:port"; returns undefined when malformed. */
export function parsePeerAddress(s: string): PeerAddress | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:\s]+):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (!(port > 0 && port < 65536)) return undefined;
  return { host: m[1] as string, port };
}
