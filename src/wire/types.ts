// The peer wire message model: one discriminated union over every message of BEP 3 (core),
// BEP 5 (port), BEP 6 (fast extension), BEP 10 (extended) and BEP 52 (hash messages).
//
// Byte fields of decoded messages are views: into the chunk passed to the decoder when the
// message lay inside it, or into an exact-size buffer allocated for that one message. The decoder
// never writes into either after returning, so a view stays valid as long as the caller does not
// reuse the chunk's memory; copy what you keep long-term (a 20-byte id pins its whole chunk).

/** Message ids (the byte after the length prefix). */
export const MessageId = {
  choke: 0,
  unchoke: 1,
  interested: 2,
  notInterested: 3,
  have: 4,
  bitfield: 5,
  request: 6,
  piece: 7,
  cancel: 8,
  port: 9,
  suggest: 0x0d,
  haveAll: 0x0e,
  haveNone: 0x0f,
  reject: 0x10,
  allowedFast: 0x11,
  extended: 20,
  hashRequest: 21,
  hashes: 22,
  hashReject: 23,
} as const;

/** The standard block size; requests above twice this are refused by every client. */
export const BLOCK_SIZE = 16 * 1024;
/** Length of the piece message header: 4-byte prefix, id, index, begin. */
export const PIECE_HEADER_LENGTH = 13;
/** Wire size of request, cancel and reject messages (prefix included). */
export const REQUEST_MESSAGE_LENGTH = 17;
/** Wire size of have, suggest and allowed-fast messages (prefix included). */
export const HAVE_MESSAGE_LENGTH = 9;
export const HANDSHAKE_LENGTH = 68;
export const PROTOCOL_STRING = 'BitTorrent protocol';
/** Size of a BEP 52 hash request payload: pieces root (32) + four 32-bit fields. */
export const HASH_REQUEST_PAYLOAD_LENGTH = 48;

export interface Handshake {
  readonly type: 'handshake';
  /** The 8 reserved bytes (feature bits, see reserved.ts). */
  readonly reserved: Uint8Array;
  readonly infoHash: Uint8Array;
  readonly peerId: Uint8Array;
}

export interface KeepAliveMessage { readonly type: 'keep-alive' }
export interface ChokeMessage { readonly type: 'choke' }
export interface UnchokeMessage { readonly type: 'unchoke' }
export interface InterestedMessage { readonly type: 'interested' }
export interface NotInterestedMessage { readonly type: 'not-interested' }
export interface HaveAllMessage { readonly type: 'have-all' }
export interface HaveNoneMessage { readonly type: 'have-none' }

export interface HaveMessage { readonly type: 'have'; readonly index: number }
export interface SuggestMessage { readonly type: 'suggest'; readonly index: number }
export interface AllowedFastMessage { readonly type: 'allowed-fast'; readonly index: number }

export interface BitfieldMessage {
  readonly type: 'bitfield';
  /** Piece 0 is the high bit of byte 0. */
  readonly bitfield: Uint8Array;
}

export interface RequestMessage { readonly type: 'request'; readonly index: number; readonly begin: number; readonly length: number }
export interface CancelMessage { readonly type: 'cancel'; readonly index: number; readonly begin: number; readonly length: number }
export interface RejectMessage { readonly type: 'reject'; readonly index: number; readonly begin: number; readonly length: number }

export interface PieceMessage {
  readonly type: 'piece';
  readonly index: number;
  readonly begin: number;
  readonly block: Uint8Array;
}

/** BEP 5: the sender's DHT port. */
export interface PortMessage { readonly type: 'port'; readonly port: number }

/** BEP 10: `extendedId` 0 is the extension handshake, others as the receiver's `m` map says. */
export interface ExtendedMessage {
  readonly type: 'extended';
  readonly extendedId: number;
  readonly payload: Uint8Array;
}

/** BEP 52 hash request fields (also the whole payload of a hash reject). */
export interface HashRequestFields {
  /** 32-byte Merkle root of the file. */
  readonly piecesRoot: Uint8Array;
  /** Layers above the leaf (16 KiB block) layer where the requested hashes start. */
  readonly baseLayer: number;
  /** Offset, in hashes, of the first requested hash within the base layer. */
  readonly index: number;
  /** Number of base-layer hashes. */
  readonly length: number;
  /** Number of ancestor layers whose uncle hashes are wanted. */
  readonly proofLayers: number;
}

export interface HashRequestMessage extends HashRequestFields { readonly type: 'hash-request' }
export interface HashRejectMessage extends HashRequestFields { readonly type: 'hash-reject' }
export interface HashesMessage extends HashRequestFields {
  readonly type: 'hashes';
  /** Concatenated 32-byte hashes: the base layer first, then uncles up towards the root. */
  readonly hashes: Uint8Array;
}

/** A message id this codec does not know; sessions ignore it. */
export interface UnknownMessage { readonly type: 'unknown'; readonly id: number; readonly payload: Uint8Array }

export type WireMessage =
  | Handshake
  | KeepAliveMessage
  | ChokeMessage
  | UnchokeMessage
  | InterestedMessage
  | NotInterestedMessage
  | HaveMessage
  | BitfieldMessage
  | RequestMessage
  | PieceMessage
  | CancelMessage
  | PortMessage
  | SuggestMessage
  | HaveAllMessage
  | HaveNoneMessage
  | RejectMessage
  | AllowedFastMessage
  | ExtendedMessage
  | HashRequestMessage
  | HashesMessage
  | HashRejectMessage
  | UnknownMessage;

export type WireMessageType = WireMessage['type'];
