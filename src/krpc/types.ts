// KRPC messages of the BitTorrent DHT as typed values: BEP 5 (ping, find_node, get_peers,
// announce_peer), BEP 32 (IPv6: `want`, `nodes6`), BEP 42 (top-level `ip`), BEP 43 (`ro`),
// BEP 44 (get/put of items) and BEP 51 (sample_infohashes).
//
// A response does not say which query it answers, so its body is one record of optional fields;
// the querying side reads the ones its method defines.
import type { BValue } from '../bencode/index.js';
import type { KrpcAddress, NodeContact } from './address.js';

/** BEP 32 `want`: which node lists the requester asks for. */
export interface Want {
  readonly n4: boolean;
  readonly n6: boolean;
}

interface QueryCommon {
  readonly y: 'q';
  /** Transaction id, echoed in the reply. */
  readonly t: Uint8Array;
  /** Sender's node id (20 bytes). */
  readonly id: Uint8Array;
  /** Client version (BEP 5 `v`), if sent. */
  readonly v?: Uint8Array | undefined;
  /** BEP 43: the sender is read-only and must not enter routing tables. */
  readonly ro?: boolean | undefined;
}

export interface PingQuery extends QueryCommon {
  readonly q: 'ping';
}
export interface FindNodeQuery extends QueryCommon {
  readonly q: 'find_node';
  readonly target: Uint8Array;
  readonly want?: Want | undefined;
}
export interface GetPeersQuery extends QueryCommon {
  readonly q: 'get_peers';
  readonly infoHash: Uint8Array;
  readonly want?: Want | undefined;
}
export interface AnnouncePeerQuery extends QueryCommon {
  readonly q: 'announce_peer';
  readonly infoHash: Uint8Array;
  readonly port: number;
  /** BEP 5: use the UDP source port instead of `port`. */
  readonly impliedPort: boolean;
  readonly token: Uint8Array;
  /** BEP 33 `seed` flag, kept for completeness. */
  readonly seed?: boolean | undefined;
}
export interface SampleInfohashesQuery extends QueryCommon {
  readonly q: 'sample_infohashes';
  readonly target: Uint8Array;
  readonly want?: Want | undefined;
}
export interface GetQuery extends QueryCommon {
  readonly q: 'get';
  readonly target: Uint8Array;
  /** BEP 44: only send the value if its sequence number is greater. */
  readonly seq?: number | undefined;
  readonly want?: Want | undefined;
}
export interface PutQuery extends QueryCommon {
  readonly q: 'put';
  readonly token: Uint8Array;
  /** The item's value (any bencode value). */
  readonly value: BValue;
  /** Mutable items: ed25519 public key (32 bytes), sequence number, signature (64 bytes). */
  readonly k?: Uint8Array | undefined;
  readonly seq?: number | undefined;
  readonly sig?: Uint8Array | undefined;
  readonly salt?: Uint8Array | undefined;
  readonly cas?: number | undefined;
}
/**
 * A method this codec does not know. Kept so a node can still answer it with nodes close to
 * `target` / `info_hash` (forward compatibility, as other DHT implementations do).
 */
export interface OtherQuery extends QueryCommon {
  readonly q: 'other';
  /** The method name's bytes as latin1 text. */
  readonly method: string;
  readonly target?: Uint8Array | undefined;
  readonly want?: Want | undefined;
}

export type KrpcQuery =
  | PingQuery
  | FindNodeQuery
  | GetPeersQuery
  | AnnouncePeerQuery
  | SampleInfohashesQuery
  | GetQuery
  | PutQuery
  | OtherQuery;

export type QueryMethod = Exclude<KrpcQuery['q'], 'other'>;

/** Every field a response body may carry; each method defines which ones it uses. */
export interface ResponseBody {
  readonly id: Uint8Array;
  readonly nodes?: readonly NodeContact[] | undefined;
  readonly nodes6?: readonly NodeContact[] | undefined;
  readonly token?: Uint8Array | undefined;
  /** get_peers: peers (IPv4 and IPv6 may be mixed, BEP 32). */
  readonly values?: readonly KrpcAddress[] | undefined;
  /** BEP 51. */
  readonly samples?: readonly Uint8Array[] | undefined;
  readonly num?: number | undefined;
  readonly interval?: number | undefined;
  /** BEP 44 item fields. */
  readonly v?: BValue | undefined;
  readonly k?: Uint8Array | undefined;
  readonly seq?: number | undefined;
  readonly sig?: Uint8Array | undefined;
}

export interface KrpcResponse {
  readonly y: 'r';
  readonly t: Uint8Array;
  readonly r: ResponseBody;
  readonly v?: Uint8Array | undefined;
  /** BEP 42: the requester's address as the responder saw it. */
  readonly ip?: KrpcAddress | undefined;
}

export interface KrpcErrorMessage {
  readonly y: 'e';
  readonly t: Uint8Array;
  readonly code: number;
  readonly message: string;
  readonly v?: Uint8Array | undefined;
  readonly ip?: KrpcAddress | undefined;
}

export type KrpcMessage = KrpcQuery | KrpcResponse | KrpcErrorMessage;

/** BEP 5 and BEP 44 error codes. */
export const KrpcErrorCodes = {
  generic: 201,
  server: 202,
  protocol: 203,
  methodUnknown: 204,
  valueTooBig: 205,
  invalidSignature: 206,
  saltTooBig: 207,
  casMismatch: 301,
  seqTooLow: 302,
} as const;
