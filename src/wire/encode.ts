// Encoders for length-prefixed peer wire messages (BEP 3 core, BEP 5 port, BEP 6 fast extension,
// BEP 10 extended, BEP 52 hash messages). Pure functions; each returns a fresh buffer, and the
// `write*` variants fill a caller's buffer so many requests can go out in one write.
// A piece is encoded as a 13-byte header plus the caller's block, so the transport can writev
// both without copying the block.
import { WireError } from './errors.js';
import { isU32, writeU32 } from './bytes.js';
import { encodeHandshake } from './handshake.js';
import {
  HASH_REQUEST_PAYLOAD_LENGTH,
  HAVE_MESSAGE_LENGTH,
  MessageId,
  PIECE_HEADER_LENGTH,
  REQUEST_MESSAGE_LENGTH,
  type HashRequestFields,
  type WireMessage,
} from './types.js';

const KNOWN_IDS = new Set<number>(Object.values(MessageId));

function u32Arg(what: string, v: number, type: string): void {
  if (!isU32(v)) throw new WireError('WIRE_BAD_ARGUMENT', `${what} must be an integer in 0..2^32-1, got ${v}`, { messageType: type });
}

function frame(id: number, payloadLength: number, type: string): Uint8Array {
  if (payloadLength + 1 > 0xffffffff) {
    throw new WireError('WIRE_BAD_ARGUMENT', `payload of ${payloadLength} bytes does not fit a length prefix`, { messageType: type });
  }
  const out = new Uint8Array(5 + payloadLength);
  writeU32(out, 0, payloadLength + 1);
  out[4] = id;
  return out;
}

function noPayload(id: number): Uint8Array {
  return Uint8Array.of(0, 0, 0, 1, id);
}

export function encodeKeepAlive(): Uint8Array {
  return new Uint8Array(4);
}
export function encodeChoke(): Uint8Array {
  return noPayload(MessageId.choke);
}
export function encodeUnchoke(): Uint8Array {
  return noPayload(MessageId.unchoke);
}
export function encodeInterested(): Uint8Array {
  return noPayload(MessageId.interested);
}
export function encodeNotInterested(): Uint8Array {
  return noPayload(MessageId.notInterested);
}
export function encodeHaveAll(): Uint8Array {
  return noPayload(MessageId.haveAll);
}
export function encodeHaveNone(): Uint8Array {
  return noPayload(MessageId.haveNone);
}

function writeIndexMessage(out: Uint8Array, off: number, id: number, index: number, type: string): number {
  u32Arg('piece index', index, type);
  writeU32(out, off, 5);
  out[off + 4] = id;
  writeU32(out, off + 5, index);
  return off + HAVE_MESSAGE_LENGTH;
}

/** Writes a 9-byte `have` at `off`; returns the offset after it. */
export function writeHave(out: Uint8Array, off: number, index: number): number {
  return writeIndexMessage(out, off, MessageId.have, index, 'have');
}
export function encodeHave(index: number): Uint8Array {
  const out = new Uint8Array(HAVE_MESSAGE_LENGTH);
  writeHave(out, 0, index);
  return out;
}
export function encodeSuggest(index: number): Uint8Array {
  const out = new Uint8Array(HAVE_MESSAGE_LENGTH);
  writeIndexMessage(out, 0, MessageId.suggest, index, 'suggest');
  return out;
}
export function encodeAllowedFast(index: number): Uint8Array {
  const out = new Uint8Array(HAVE_MESSAGE_LENGTH);
  writeIndexMessage(out, 0, MessageId.allowedFast, index, 'allowed-fast');
  return out;
}

export function encodeBitfield(bitfield: Uint8Array): Uint8Array {
  const out = frame(MessageId.bitfield, bitfield.length, 'bitfield');
  out.set(bitfield, 5);
  return out;
}

function writeBlockRef(out: Uint8Array, off: number, id: number, index: number, begin: number, length: number, type: string): number {
  u32Arg('piece index', index, type);
  u32Arg('begin', begin, type);
  u32Arg('length', length, type);
  writeU32(out, off, 13);
  out[off + 4] = id;
  writeU32(out, off + 5, index);
  writeU32(out, off + 9, begin);
  writeU32(out, off + 13, length);
  return off + REQUEST_MESSAGE_LENGTH;
}

/** Writes a 17-byte `request` at `off`; returns the offset after it. */
export function writeRequest(out: Uint8Array, off: number, index: number, begin: number, length: number): number {
  return writeBlockRef(out, off, MessageId.request, index, begin, length, 'request');
}
/** Writes a 17-byte `cancel` at `off`; returns the offset after it. */
export function writeCancel(out: Uint8Array, off: number, index: number, begin: number, length: number): number {
  return writeBlockRef(out, off, MessageId.cancel, index, begin, length, 'cancel');
}
/** Writes a 17-byte `reject` (BEP 6) at `off`; returns the offset after it. */
export function writeReject(out: Uint8Array, off: number, index: number, begin: number, length: number): number {
  return writeBlockRef(out, off, MessageId.reject, index, begin, length, 'reject');
}
export function encodeRequest(index: number, begin: number, length: number): Uint8Array {
  const out = new Uint8Array(REQUEST_MESSAGE_LENGTH);
  writeRequest(out, 0, index, begin, length);
  return out;
}
export function encodeCancel(index: number, begin: number, length: number): Uint8Array {
  const out = new Uint8Array(REQUEST_MESSAGE_LENGTH);
  writeCancel(out, 0, index, begin, length);
  return out;
}
export function encodeReject(index: number, begin: number, length: number): Uint8Array {
  const out = new Uint8Array(REQUEST_MESSAGE_LENGTH);
  writeReject(out, 0, index, begin, length);
  return out;
}

/** Writes the 13-byte header of a piece message whose block has `blockLength` bytes. */
export function writePieceHeader(out: Uint8Array, off: number, index: number, begin: number, blockLength: number): number {
  u32Arg('piece index', index, 'piece');
  u32Arg('begin', begin, 'piece');
  if (!isU32(blockLength) || blockLength > 0xffffffff - 9) {
    throw new WireError('WIRE_BAD_ARGUMENT', `block length ${blockLength} does not fit a length prefix`, { messageType: 'piece' });
  }
  writeU32(out, off, blockLength + 9);
  out[off + 4] = MessageId.piece;
  writeU32(out, off + 5, index);
  writeU32(out, off + 9, begin);
  return off + PIECE_HEADER_LENGTH;
}

/** The header of a piece message; send it followed by the block itself (writev, no copy). */
export function encodePieceHeader(index: number, begin: number, blockLength: number): Uint8Array {
  const out = new Uint8Array(PIECE_HEADER_LENGTH);
  writePieceHeader(out, 0, index, begin, blockLength);
  return out;
}

/** A whole piece message in one buffer (copies the block; prefer the header + block pair). */
export function encodePiece(index: number, begin: number, block: Uint8Array): Uint8Array {
  const out = new Uint8Array(PIECE_HEADER_LENGTH + block.length);
  writePieceHeader(out, 0, index, begin, block.length);
  out.set(block, PIECE_HEADER_LENGTH);
  return out;
}

/** BEP 5: announces the sender's DHT port. */
export function encodePort(port: number): Uint8Array {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new WireError('WIRE_BAD_ARGUMENT', `port must be in 0..65535, got ${port}`, { messageType: 'port' });
  }
  return Uint8Array.of(0, 0, 0, 3, MessageId.port, port >>> 8, port & 0xff);
}

function checkExtendedId(extendedId: number): void {
  if (!Number.isInteger(extendedId) || extendedId < 0 || extendedId > 255) {
    throw new WireError('WIRE_BAD_ARGUMENT', `extended message id must be in 0..255, got ${extendedId}`, { messageType: 'extended' });
  }
}

/** The 6-byte header of an extended message with a payload of `payloadLength` bytes. */
export function encodeExtendedHeader(extendedId: number, payloadLength: number): Uint8Array {
  checkExtendedId(extendedId);
  if (!isU32(payloadLength) || payloadLength > 0xffffffff - 2) {
    throw new WireError('WIRE_BAD_ARGUMENT', `payload of ${payloadLength} bytes does not fit a length prefix`, { messageType: 'extended' });
  }
  const out = new Uint8Array(6);
  writeU32(out, 0, payloadLength + 2);
  out[4] = MessageId.extended;
  out[5] = extendedId;
  return out;
}

/** BEP 10: an extended message; id 0 carries the extension handshake (extension-handshake.ts). */
export function encodeExtended(extendedId: number, payload: Uint8Array): Uint8Array {
  checkExtendedId(extendedId);
  const out = frame(MessageId.extended, 1 + payload.length, 'extended');
  out[5] = extendedId;
  out.set(payload, 6);
  return out;
}

function writeHashFields(out: Uint8Array, f: HashRequestFields, type: string): void {
  if (f.piecesRoot.length !== 32) {
    throw new WireError('WIRE_BAD_ARGUMENT', `pieces root must be 32 bytes, got ${f.piecesRoot.length}`, { messageType: type });
  }
  u32Arg('base layer', f.baseLayer, type);
  u32Arg('index', f.index, type);
  u32Arg('length', f.length, type);
  u32Arg('proof layers', f.proofLayers, type);
  out.set(f.piecesRoot, 5);
  writeU32(out, 37, f.baseLayer);
  writeU32(out, 41, f.index);
  writeU32(out, 45, f.length);
  writeU32(out, 49, f.proofLayers);
}

/** BEP 52 hash request (id 21). */
export function encodeHashRequest(f: HashRequestFields): Uint8Array {
  const out = frame(MessageId.hashRequest, HASH_REQUEST_PAYLOAD_LENGTH, 'hash-request');
  writeHashFields(out, f, 'hash-request');
  return out;
}

/** BEP 52 hash reject (id 23): the payload of the request being refused. */
export function encodeHashReject(f: HashRequestFields): Uint8Array {
  const out = frame(MessageId.hashReject, HASH_REQUEST_PAYLOAD_LENGTH, 'hash-reject');
  writeHashFields(out, f, 'hash-reject');
  return out;
}

/** BEP 52 hashes (id 22): the request's fields followed by the concatenated 32-byte hashes. */
export function encodeHashes(f: HashRequestFields & { readonly hashes: Uint8Array }): Uint8Array {
  if (f.hashes.length % 32 !== 0) {
    throw new WireError('WIRE_BAD_ARGUMENT', `hashes must be a multiple of 32 bytes, got ${f.hashes.length}`, { messageType: 'hashes' });
  }
  const out = frame(MessageId.hashes, HASH_REQUEST_PAYLOAD_LENGTH + f.hashes.length, 'hashes');
  writeHashFields(out, f, 'hashes');
  out.set(f.hashes, 5 + HASH_REQUEST_PAYLOAD_LENGTH);
  return out;
}

/** A message with an id this codec does not define (for tests and experiments). */
export function encodeUnknown(id: number, payload: Uint8Array): Uint8Array {
  if (!Number.isInteger(id) || id < 0 || id > 255 || KNOWN_IDS.has(id)) {
    throw new WireError('WIRE_BAD_ARGUMENT', `${id} is not an unassigned message id`, { messageType: 'unknown' });
  }
  const out = frame(id, payload.length, 'unknown');
  out.set(payload, 5);
  return out;
}

/** Encodes any message (the handshake too) into one buffer. */
export function encodeMessage(m: WireMessage): Uint8Array {
  switch (m.type) {
    case 'handshake': return encodeHandshake(m);
    case 'keep-alive': return encodeKeepAlive();
    case 'choke': return encodeChoke();
    case 'unchoke': return encodeUnchoke();
    case 'interested': return encodeInterested();
    case 'not-interested': return encodeNotInterested();
    case 'have-all': return encodeHaveAll();
    case 'have-none': return encodeHaveNone();
    case 'have': return encodeHave(m.index);
    case 'suggest': return encodeSuggest(m.index);
    case 'allowed-fast': return encodeAllowedFast(m.index);
    case 'bitfield': return encodeBitfield(m.bitfield);
    case 'request': return encodeRequest(m.index, m.begin, m.length);
    case 'cancel': return encodeCancel(m.index, m.begin, m.length);
    case 'reject': return encodeReject(m.index, m.begin, m.length);
    case 'piece': return encodePiece(m.index, m.begin, m.block);
    case 'port': return encodePort(m.port);
    case 'extended': return encodeExtended(m.extendedId, m.payload);
    case 'hash-request': return encodeHashRequest(m);
    case 'hash-reject': return encodeHashReject(m);
    case 'hashes': return encodeHashes(m);
    case 'unknown': return encodeUnknown(m.id, m.payload);
  }
}
