// Types of the DHT core's surface: construction options, hooks and lookup specifications.
import type { Family, KrpcAddress, ResponseBody } from '../../krpc/index.js';
import type { ItemStoreOptions } from './item-store.js';
import type { Candidate, Lookup } from './lookup.js';
import type { RandomBytes } from './node-id.js';
import type { PeerStoreOptions } from './peer-store.js';
import type { RateLimit } from './rate-limiter.js';

export interface DhtCoreOptions {
  /** Start time (ms, any epoch: only differences matter). */
  readonly now: number;
  /** Uniform [0, 1) source for choices. */
  readonly random: () => number;
  readonly randomBytes: RandomBytes;
  /** Fixed node id; by default random, or BEP 42-derived from `externalIp`. */
  readonly id?: Uint8Array | undefined;
  /** With `id`: keep it even if BEP 42 votes say it does not match our IP (default true). */
  readonly keepId?: boolean | undefined;
  /** Our external IP if known: the default id is then BEP 42-compliant for it. */
  readonly externalIp?: string | undefined;
  /** Address families to run (default [4]). */
  readonly families?: readonly Family[] | undefined;
  /** Bootstrap addresses (IP literals; the adapter resolves names). */
  readonly bootstrap?: readonly KrpcAddress[] | undefined;
  readonly k?: number | undefined;
  readonly alpha?: number | undefined;
  /** BEP 43: never answer queries, and say so in ours. */
  readonly readOnly?: boolean | undefined;
  /** BEP 42 enforcement: non-compliant nodes neither enter tables nor count as storage targets. */
  readonly enforceNodeId?: boolean | undefined;
  /** Queries per second per source IP (default 20/s, burst 60); false disables. */
  readonly rateLimit?: RateLimit | false | undefined;
  readonly peerStore?: PeerStoreOptions | undefined;
  readonly itemStore?: ItemStoreOptions | undefined;
  readonly queryTimeoutMs?: number | undefined;
  readonly minSlowMs?: number | undefined;
  readonly maxSlowMs?: number | undefined;
  /** Bucket refresh age (default 15 minutes). */
  readonly refreshMs?: number | undefined;
  /** Our `v` field (default "SH" 0.1). */
  readonly version?: Uint8Array | undefined;
  readonly hooks?: DhtCoreHooks | undefined;
}

export interface DhtCoreHooks {
  /** A family's first bootstrap lookup finished with a non-empty table. */
  onReady?(family: Family): void;
  /** Our id changed (BEP 42, after an external-IP vote). */
  onIdChange?(id: Uint8Array, externalIp: string): void;
}

export type LookupKind = 'find_node' | 'get_peers' | 'get';

export interface LookupSpec {
  readonly kind: LookupKind;
  readonly target: Uint8Array;
  readonly family: Family;
  /** BEP 44 get: only values newer than this. */
  readonly seq?: number | undefined;
  /** Extra starting addresses without known ids (bootstrap). */
  readonly seeds?: readonly KrpcAddress[] | undefined;
  onReply?(c: Candidate, body: ResponseBody): void;
  onDone(r: LookupResult): void;
}

export interface LookupResult {
  readonly kind: LookupKind;
  readonly family: Family;
  readonly lookup: Lookup;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly aborted: boolean;
}

export interface LookupHandle {
  readonly lookup: Lookup;
  stop(): void;
}
