// ut_metadata (BEP 9): the extension messages that carry the info dictionary between peers, so a
// magnet link (info hash only) can become a full torrent. Three messages, each a bencoded dict
// {msg_type, piece[, total_size]}: request (0), data (1, followed by the raw 16 KiB piece) and
// reject (2). These functions work on the payload of a BEP 10 `extended` message, after the
// extended id byte.
//
// Decoding is strict about what matters for safety: the piece index must lie inside the metadata,
// a data message's bytes must be exactly 16 KiB (less only for the last piece), the total size is
// capped before anything is sized from it. Extra dict keys are ignored (BEP 10 forward
// compatibility). An unknown msg_type raises UT_METADATA_UNKNOWN_TYPE: BEP 9 says such messages
// MUST be ignored, so a caller catches that code and carries on rather than dropping the peer.
import { decodePrefix, encode, isDict, type BValue } from '../bencode/index.js';
import { ShoalError } from '../errors.js';

/** Size of every metadata piece but the last (BEP 9). */
export const METADATA_PIECE_SIZE = 16 * 1024;
/** Default cap on the metadata (info dictionary) size: the same as metainfo's maxInfoSize. */
export const DEFAULT_MAX_METADATA_SIZE = 32 * 1024 * 1024;

export const UtMetadataType = { request: 0, data: 1, reject: 2 } as const;

export interface UtMetadataRequest { readonly type: 'request'; readonly piece: number }
export interface UtMetadataReject { readonly type: 'reject'; readonly piece: number }
export interface UtMetadataData {
  readonly type: 'data';
  readonly piece: number;
  /** Size of the whole info dictionary, as the sender claims it. */
  readonly totalSize: number;
  /** The piece bytes (a view into the payload passed to the decoder). */
  readonly data: Uint8Array;
}
export type UtMetadataMessage = UtMetadataRequest | UtMetadataData | UtMetadataReject;

export type UtMetadataErrorCode =
  /** Not a bencoded dictionary, or a field of the wrong type / missing. */
  | 'UT_METADATA_MALFORMED'
  /** msg_type is not 0, 1 or 2: BEP 9 says to ignore the message, not the peer. */
  | 'UT_METADATA_UNKNOWN_TYPE'
  /** Piece index negative or beyond the metadata. */
  | 'UT_METADATA_BAD_PIECE'
  /** total_size zero, negative or above the cap. */
  | 'UT_METADATA_BAD_SIZE'
  /** A data message whose bytes are not the piece's exact length. */
  | 'UT_METADATA_BAD_DATA_LENGTH'
  /** Bytes after the dictionary of a request or reject. */
  | 'UT_METADATA_TRAILING_BYTES'
  /** An encoder was given a value the format cannot carry. */
  | 'UT_METADATA_BAD_ARGUMENT';

export class UtMetadataError extends ShoalError {
  declare readonly code: UtMetadataErrorCode;
  constructor(code: UtMetadataErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `ut_metadata: ${message}`, options);
  }
}

export interface UtMetadataDecodeOptions {
  /** Largest total_size accepted (default 32 MiB). */
  readonly maxMetadataSize?: number;
  /**
   * The metadata size when known (ours when serving, the agreed one when downloading): request and
   * reject piece indexes are then checked against it, not only against the cap.
   */
  readonly metadataSize?: number;
  /** Require canonical key order. Default false: key order buys no safety and some clients differ. */
  readonly strict?: boolean;
}

/** Number of 16 KiB pieces of metadata of `totalSize` bytes. */
export function metadataPieceCount(totalSize: number): number {
  return Math.ceil(totalSize / METADATA_PIECE_SIZE);
}

/** Length of piece `piece` of metadata of `totalSize` bytes (0 if the piece is outside). */
export function metadataPieceLength(totalSize: number, piece: number): number {
  const start = piece * METADATA_PIECE_SIZE;
  if (piece < 0 || start >= totalSize) return 0;
  return Math.min(METADATA_PIECE_SIZE, totalSize - start);
}

function fail(code: UtMetadataErrorCode, message: string, cause?: unknown): never {
  throw new UtMetadataError(code, message, cause === undefined ? undefined : { cause });
}

function checkSize(totalSize: number, max: number, what: string): void {
  if (!Number.isSafeInteger(totalSize) || totalSize <= 0 || totalSize > max) {
    fail('UT_METADATA_BAD_SIZE', `${what} ${totalSize} outside 1..${max}`);
  }
}

function checkPiece(piece: number, size: number): void {
  const count = metadataPieceCount(size);
  if (!Number.isSafeInteger(piece) || piece < 0 || piece >= count) {
    fail('UT_METADATA_BAD_PIECE', `piece ${piece} outside 0..${count - 1}`);
  }
}

function intField(dict: Map<string, BValue>, key: string): number {
  const v = dict.get(key);
  if (typeof v !== 'number') fail('UT_METADATA_MALFORMED', `${key}: ${v === undefined ? 'missing' : 'not an integer'}`);
  return v;
}

/** Decodes one ut_metadata payload. Throws UtMetadataError only. */
export function decodeUtMetadata(payload: Uint8Array, opts: UtMetadataDecodeOptions = {}): UtMetadataMessage {
  const max = opts.maxMetadataSize ?? DEFAULT_MAX_METADATA_SIZE;
  let value: BValue;
  let end: number;
  try {
    // The dict is tiny; tight bounds keep a hostile one from costing anything before we look at it.
    ({ value, end } = decodePrefix(payload, { strict: opts.strict ?? false, maxDepth: 4, maxElements: 64, maxStringLength: 256 }));
  } catch (e) {
    return fail('UT_METADATA_MALFORMED', `not a bencoded dictionary: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (!isDict(value)) fail('UT_METADATA_MALFORMED', 'not a bencoded dictionary');
  const msgType = intField(value, 'msg_type');
  if (msgType !== 0 && msgType !== 1 && msgType !== 2) fail('UT_METADATA_UNKNOWN_TYPE', `unknown msg_type ${msgType}`);
  const piece = intField(value, 'piece');
  if (msgType === UtMetadataType.data) {
    const totalSize = intField(value, 'total_size');
    checkSize(totalSize, max, 'total_size');
    if (opts.metadataSize !== undefined && totalSize !== opts.metadataSize) {
      fail('UT_METADATA_BAD_SIZE', `total_size ${totalSize} differs from the metadata size ${opts.metadataSize}`);
    }
    checkPiece(piece, totalSize);
    const data = payload.subarray(end);
    const want = metadataPieceLength(totalSize, piece);
    if (data.length !== want) fail('UT_METADATA_BAD_DATA_LENGTH', `piece ${piece} has ${data.length} bytes, expected ${want}`);
    return { type: 'data', piece, totalSize, data };
  }
  if (end !== payload.length) fail('UT_METADATA_TRAILING_BYTES', `${payload.length - end} bytes after the dictionary`);
  checkPiece(piece, opts.metadataSize ?? max);
  return { type: msgType === UtMetadataType.request ? 'request' : 'reject', piece };
}

/** Encodes one ut_metadata payload (what follows the extended id byte). */
export function encodeUtMetadata(m: UtMetadataMessage, opts: { readonly maxMetadataSize?: number } = {}): Uint8Array {
  const max = opts.maxMetadataSize ?? DEFAULT_MAX_METADATA_SIZE;
  if (!Number.isSafeInteger(m.piece) || m.piece < 0) fail('UT_METADATA_BAD_ARGUMENT', `piece ${m.piece} is not a non-negative integer`);
  if (m.type !== 'data') {
    return encode(new Map<string, number>([['msg_type', UtMetadataType[m.type]], ['piece', m.piece]]));
  }
  try {
    checkSize(m.totalSize, max, 'total_size');
    checkPiece(m.piece, m.totalSize);
  } catch (e) {
    fail('UT_METADATA_BAD_ARGUMENT', (e as Error).message, e);
  }
  const want = metadataPieceLength(m.totalSize, m.piece);
  if (m.data.length !== want) fail('UT_METADATA_BAD_ARGUMENT', `piece ${m.piece} has ${m.data.length} bytes, expected ${want}`);
  const head = encode(new Map<string, number>([['msg_type', 1], ['piece', m.piece], ['total_size', m.totalSize]]));
  const out = new Uint8Array(head.length + m.data.length);
  out.set(head);
  out.set(m.data, head.length);
  return out;
}

/**
 * The serving side: our answer to a request for `piece`. `info` is the whole verified info
 * dictionary, or undefined while we do not have it (BEP 9: then every request is rejected).
 */
export function answerMetadataRequest(info: Uint8Array | undefined, piece: number): UtMetadataData | UtMetadataReject {
  if (info === undefined || info.length === 0 || metadataPieceLength(info.length, piece) === 0 || !Number.isSafeInteger(piece)) {
    return { type: 'reject', piece };
  }
  const start = piece * METADATA_PIECE_SIZE;
  return { type: 'data', piece, totalSize: info.length, data: info.subarray(start, start + metadataPieceLength(info.length, piece)) };
}
