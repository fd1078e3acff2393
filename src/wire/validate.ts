// Checks a decoded message against the torrent it is about (BEP 3 semantics, BEP 6 fast messages,
// BEP 52 hash request rules). The decoder only knows framing; this knows piece counts and sizes.
// Returns the problem rather than throwing, so a session can decide between dropping the peer
// and ignoring the message.
import { WireError } from './errors.js';
import type { ReservedFlags } from './reserved.js';
import { BLOCK_SIZE, type HashRequestFields, type WireMessage } from './types.js';

export interface TorrentGeometry {
  readonly pieceCount: number;
  /** Nominal piece length; every piece but the last has it unless `pieceSize` says otherwise. */
  readonly pieceLength: number;
  /** Length of the piece space (padding included). */
  readonly totalLength: number;
  /** Optional override for layouts where more pieces than the last are short. */
  readonly pieceSize?: (index: number) => number;
}

export interface ValidateOptions {
  /** Largest block a request, cancel, reject or piece may cover. Default 32 KiB. */
  readonly maxBlockLength?: number;
}

/** Size in bytes of piece `index` (the last piece may be short). */
export function pieceSize(g: TorrentGeometry, index: number): number {
  if (g.pieceSize) return g.pieceSize(index);
  if (index === g.pieceCount - 1) return g.totalLength - (g.pieceCount - 1) * g.pieceLength;
  return g.pieceLength;
}

function fail(code: WireError['code'], type: string, message: string): WireError {
  return new WireError(code, message, { messageType: type });
}

function checkIndex(type: string, index: number, g: TorrentGeometry): WireError | null {
  if (index >= g.pieceCount) return fail('WIRE_BAD_INDEX', type, `piece ${index} out of range (torrent has ${g.pieceCount})`);
  return null;
}

function checkBlock(type: string, index: number, begin: number, length: number, g: TorrentGeometry, max: number): WireError | null {
  const bad = checkIndex(type, index, g);
  if (bad) return bad;
  if (length === 0) return fail('WIRE_BAD_BLOCK', type, `empty block at piece ${index} offset ${begin}`);
  if (length > max) return fail('WIRE_BAD_BLOCK', type, `block of ${length} bytes exceeds ${max}`);
  const size = pieceSize(g, index);
  if (begin + length > size) {
    return fail('WIRE_BAD_BLOCK', type, `block [${begin}, ${begin + length}) outside piece ${index} of ${size} bytes`);
  }
  return null;
}

/** Whether `bitfield` has exactly ceil(pieceCount/8) bytes with the spare low bits zero. */
function checkBitfield(bitfield: Uint8Array, pieceCount: number): WireError | null {
  const want = Math.ceil(pieceCount / 8);
  if (bitfield.length !== want) {
    return fail('WIRE_BAD_BITFIELD', 'bitfield', `${bitfield.length} bytes, expected ${want} for ${pieceCount} pieces`);
  }
  const spare = want * 8 - pieceCount;
  if (spare > 0 && ((bitfield[want - 1] as number) & ((1 << spare) - 1)) !== 0) {
    return fail('WIRE_BAD_BITFIELD', 'bitfield', `spare bits after piece ${pieceCount - 1} are set`);
  }
  return null;
}

/** BEP 52: length a power of two >= 2, index a multiple of length. */
function checkHashRequest(type: string, f: HashRequestFields): WireError | null {
  if (f.length < 2 || (f.length & (f.length - 1)) !== 0) {
    return fail('WIRE_BAD_HASH_REQUEST', type, `length ${f.length} is not a power of two >= 2`);
  }
  if (f.index % f.length !== 0) return fail('WIRE_BAD_HASH_REQUEST', type, `index ${f.index} is not a multiple of length ${f.length}`);
  return null;
}

/**
 * Returns null if `msg` makes sense for a torrent of geometry `g`, else the WireError describing
 * why not. Messages with no torrent-dependent fields always pass.
 */
export function validateMessage(msg: WireMessage, g: TorrentGeometry, opts?: ValidateOptions): WireError | null {
  // No `opts = {}` default: this runs on every message received, and the default would allocate.
  const max = opts?.maxBlockLength ?? 2 * BLOCK_SIZE;
  switch (msg.type) {
    case 'have':
    case 'suggest':
    case 'allowed-fast':
      return checkIndex(msg.type, msg.index, g);
    case 'request':
    case 'cancel':
    case 'reject':
      return checkBlock(msg.type, msg.index, msg.begin, msg.length, g, max);
    case 'piece':
      return checkBlock('piece', msg.index, msg.begin, msg.block.length, g, max);
    case 'bitfield':
      return checkBitfield(msg.bitfield, g.pieceCount);
    case 'hash-request':
    case 'hash-reject':
      return checkHashRequest(msg.type, msg);
    case 'hashes': {
      const bad = checkHashRequest('hashes', msg);
      if (bad) return bad;
      const count = msg.hashes.length / 32;
      if (count < msg.length || count > msg.length + msg.proofLayers) {
        return fail('WIRE_BAD_HASH_REQUEST', 'hashes', `${count} hashes for length ${msg.length} and ${msg.proofLayers} proof layers`);
      }
      return null;
    }
    default:
      return null;
  }
}

/**
 * Returns a WIRE_NOT_NEGOTIATED error for a message whose extension the connection has not enabled
 * (BEP 6: fast messages without the fast bit on both sides MUST close the connection; BEP 10:
 * extended messages need the extension bit). `features` is commonFeatures(ours, theirs).
 */
export function checkNegotiated(msg: WireMessage, features: ReservedFlags): WireError | null {
  switch (msg.type) {
    case 'suggest':
    case 'have-all':
    case 'have-none':
    case 'reject':
    case 'allowed-fast':
      return features.fast ? null : fail('WIRE_NOT_NEGOTIATED', msg.type, 'fast extension (BEP 6) not enabled on this connection');
    case 'extended':
      return features.extensionProtocol ? null : fail('WIRE_NOT_NEGOTIATED', msg.type, 'extension protocol (BEP 10) not enabled on this connection');
    default:
      return null;
  }
}
