// The swarm store interface behind the tracker (memory and Redis implementations).
// A store owns swarm state: who is in which swarm, until when, seeding or not, and the counters.
// Policy (caps on numwant, intervals, access control) stays in the server; the store only applies
// one announce atomically and answers with counts and a random subset of other peers.
import type { AnnounceEvent, SwarmCounts } from '../tracker-proto/index.js';

export interface StoreAnnounce {
  /** 20 bytes; may be a view into a packet, the store copies what it keeps. */
  readonly infoHash: Uint8Array;
  /** 20 bytes. */
  readonly peerId: Uint8Array;
  /** The peer's compact endpoint: 6 bytes (IPv4) or 18 bytes (IPv6), address then port. */
  readonly addr: Uint8Array;
  readonly event: AnnounceEvent;
  /** left == 0. */
  readonly seeder: boolean;
  /** Peers wanted (already capped by the server); 0 for none. */
  readonly numwant: number;
  /** Which address families to return: UDP answers only in the requester's family (BEP 15). */
  readonly want: 'v4' | 'v6' | 'both';
  /** Also return peer ids (BEP 3 non-compact lists without no_peer_id). */
  readonly withPeerIds: boolean;
  /** Wall clock, ms. */
  readonly now: number;
  /** How long the peer stays listed without announcing again, ms. */
  readonly ttlMs: number;
}

export interface StoreAnnounceResult extends SwarmCounts {
  /** Compact IPv4 peers (6 bytes each). May be a view that is only valid until the next store call. */
  readonly peers4: Uint8Array;
  /** Compact IPv6 peers (18 bytes each); same validity. */
  readonly peers6: Uint8Array;
  /** With `withPeerIds`: 20 bytes per returned peer, IPv4 peers first, then IPv6. */
  readonly peerIds?: Uint8Array | undefined;
  /** Set when the announce could not be applied (e.g. a cap was hit) but peers are still returned. */
  readonly warning?: string | undefined;
  /** Set when the announce is refused outright (e.g. too many swarms). */
  readonly failure?: string | undefined;
}

export interface StoreStats {
  readonly swarms: number;
  readonly peers: number;
  readonly seeders: number;
  readonly leechers: number;
}

export interface TrackerStore {
  /** Applies one announce and picks peers. Synchronous stores may return the value directly. */
  announce(a: StoreAnnounce): StoreAnnounceResult | Promise<StoreAnnounceResult>;
  /** Counters for each hash, in order (zeros for unknown swarms). */
  scrape(infoHashes: readonly Uint8Array[], now: number): SwarmCounts[] | Promise<SwarmCounts[]>;
  stats(now: number): StoreStats | Promise<StoreStats>;
  /**
   * Removes expired peers, doing at most about `budget` units of work; returns true when a full
   * pass over the store has finished (the caller then waits before starting the next one).
   */
  sweep(now: number, budget: number): boolean | Promise<boolean>;
  close(): Promise<void>;
}

export function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}
