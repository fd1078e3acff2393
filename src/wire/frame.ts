// Framing rules and payload parsing shared by the streaming decoder and single-message decode.
// `checkFrame` runs as soon as the length prefix and id are known, before a byte of payload is
// buffered: a fixed-size message with the wrong length, or any message above its limit, is
// rejected without allocating. `parsePayload` then builds the message from a view.
import { WireError } from './errors.js';
import { readU32 } from './bytes.js';
import { BLOCK_SIZE, HASH_REQUEST_PAYLOAD_LENGTH, MessageId, type HashRequestFields, type WireMessage } from './types.js';

export interface WireLimits {
  /** Largest length prefix accepted (id + payload), for any message. Default 1 MiB + 13. */
  readonly maxMessageLength: number;
  /** Largest block in a `piece` message. Default 32 KiB (twice the standard block). */
  readonly maxBlockLength: number;
  /** Largest payload of an `extended` message, after its extended id. Default 1 MiB. */
  readonly maxExtendedLength: number;
}

export const DEFAULT_LIMITS: WireLimits = Object.freeze({
  maxMessageLength: 1024 * 1024 + 13,
  maxBlockLength: 2 * BLOCK_SIZE,
  maxExtendedLength: 1024 * 1024,
});

/** Fills in and checks limits given by a caller. */
export function resolveLimits(partial: Partial<WireLimits> = {}): WireLimits {
  const out = { ...DEFAULT_LIMITS, ...partial };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new WireError('WIRE_BAD_ARGUMENT', `limit ${k} must be a positive integer, got ${String(v)}`);
  }
  return out;
}

const NAMES: readonly string[] = (() => {
  const n: string[] = [];
  const names: Record<number, string> = {
    0: 'choke', 1: 'unchoke', 2: 'interested', 3: 'not-interested', 4: 'have', 5: 'bitfield', 6: 'request',
    7: 'piece', 8: 'cancel', 9: 'port', 13: 'suggest', 14: 'have-all', 15: 'have-none', 16: 'reject',
    17: 'allowed-fast', 20: 'extended', 21: 'hash-request', 22: 'hashes', 23: 'hash-reject',
  };
  for (let i = 0; i < 256; i++) n.push(names[i] ?? `unknown id ${i}`);
  return n;
})();

/** Name of a message id, for errors and logs. */
export function messageName(id: number): string {
  return NAMES[id] ?? `unknown id ${id}`;
}

/**
 * Expected length prefix of each fixed-size message; -1 for variable-size messages and
 * unknown ids.
 */
const FIXED_LENGTH: Int32Array = (() => {
  const t = new Int32Array(256).fill(-1);
  for (const id of [MessageId.choke, MessageId.unchoke, MessageId.interested, MessageId.notInterested, MessageId.haveAll, MessageId.haveNone]) t[id] = 1;
  for (const id of [MessageId.have, MessageId.suggest, MessageId.allowedFast]) t[id] = 5;
  for (const id of [MessageId.request, MessageId.cancel, MessageId.reject]) t[id] = 13;
  t[MessageId.port] = 3;
  t[MessageId.hashRequest] = 1 + HASH_REQUEST_PAYLOAD_LENGTH;
  t[MessageId.hashReject] = 1 + HASH_REQUEST_PAYLOAD_LENGTH;
  return t;
})();

function tooLarge(what: string, len: number, limit: number, id: number, offset: number | undefined): WireError {
  return new WireError('WIRE_MESSAGE_TOO_LARGE', `${what} of ${len} bytes exceeds the limit of ${limit}`, {
    messageType: messageName(id),
    offset,
  });
}

function badLength(detail: string, id: number, offset: number | undefined): WireError {
  return new WireError('WIRE_BAD_LENGTH', detail, { messageType: messageName(id), offset });
}

/** Checks a length prefix `len` (>= 1) against message `id`; throws WireError if it cannot be valid. */
export function checkFrame(len: number, id: number, limits: WireLimits, offset?: number): void {
  if (len > limits.maxMessageLength) throw tooLarge('message', len, limits.maxMessageLength, id, offset);
  const fixed = FIXED_LENGTH[id] as number;
  if (fixed >= 0) {
    if (len !== fixed) throw badLength(`payload of ${len - 1} bytes, expected ${fixed - 1}`, id, offset);
    return;
  }
  switch (id) {
    case MessageId.piece:
      if (len < 9) throw badLength(`payload of ${len - 1} bytes is shorter than the 8-byte piece header`, id, offset);
      if (len - 9 > limits.maxBlockLength) throw tooLarge('block', len - 9, limits.maxBlockLength, id, offset);
      return;
    case MessageId.extended:
      if (len < 2) throw badLength('payload lacks the extended message id', id, offset);
      if (len - 2 > limits.maxExtendedLength) throw tooLarge('extended payload', len - 2, limits.maxExtendedLength, id, offset);
      return;
    case MessageId.hashes: {
      const rest = len - 1 - HASH_REQUEST_PAYLOAD_LENGTH;
      if (rest < 0 || rest % 32 !== 0) {
        throw badLength(`payload of ${len - 1} bytes is not 48 + a multiple of 32`, id, offset);
      }
      return;
    }
    default:
      return; // bitfield and unknown ids: any size up to the message limit
  }
}

const CHOKE: WireMessage = Object.freeze({ type: 'choke' });
const UNCHOKE: WireMessage = Object.freeze({ type: 'unchoke' });
const INTERESTED: WireMessage = Object.freeze({ type: 'interested' });
const NOT_INTERESTED: WireMessage = Object.freeze({ type: 'not-interested' });
const HAVE_ALL: WireMessage = Object.freeze({ type: 'have-all' });
const HAVE_NONE: WireMessage = Object.freeze({ type: 'have-none' });
/** Payload-less messages are shared frozen objects: no allocation per message. */
export const KEEP_ALIVE: WireMessage = Object.freeze({ type: 'keep-alive' });

function hashFields(b: Uint8Array, off: number): HashRequestFields {
  return {
    piecesRoot: b.subarray(off, off + 32),
    baseLayer: readU32(b, off + 32),
    index: readU32(b, off + 36),
    length: readU32(b, off + 40),
    proofLayers: readU32(b, off + 44),
  };
}

/**
 * Builds the message with id `id` from the `len` payload bytes at b[off..]. The frame must have
 * passed checkFrame; byte fields are views into `b`.
 */
export function parsePayload(id: number, b: Uint8Array, off: number, len: number): WireMessage {
  switch (id) {
    case MessageId.piece:
      return { type: 'piece', index: readU32(b, off), begin: readU32(b, off + 4), block: b.subarray(off + 8, off + len) };
    case MessageId.request:
      return { type: 'request', index: readU32(b, off), begin: readU32(b, off + 4), length: readU32(b, off + 8) };
    case MessageId.have:
      return { type: 'have', index: readU32(b, off) };
    case MessageId.choke: return CHOKE;
    case MessageId.unchoke: return UNCHOKE;
    case MessageId.interested: return INTERESTED;
    case MessageId.notInterested: return NOT_INTERESTED;
    case MessageId.bitfield:
      return { type: 'bitfield', bitfield: b.subarray(off, off + len) };
    case MessageId.cancel:
      return { type: 'cancel', index: readU32(b, off), begin: readU32(b, off + 4), length: readU32(b, off + 8) };
    case MessageId.port:
      return { type: 'port', port: ((b[off] as number) << 8) | (b[off + 1] as number) };
    case MessageId.suggest:
      return { type: 'suggest', index: readU32(b, off) };
    case MessageId.haveAll: return HAVE_ALL;
    case MessageId.haveNone: return HAVE_NONE;
    case MessageId.reject:
      return { type: 'reject', index: readU32(b, off), begin: readU32(b, off + 4), length: readU32(b, off + 8) };
    case MessageId.allowedFast:
      return { type: 'allowed-fast', index: readU32(b, off) };
    case MessageId.extended:
      return { type: 'extended', extendedId: b[off] as number, payload: b.subarray(off + 1, off + len) };
    case MessageId.hashRequest:
      return { type: 'hash-request', ...hashFields(b, off) };
    case MessageId.hashReject:
      return { type: 'hash-reject', ...hashFields(b, off) };
    case MessageId.hashes:
      return { type: 'hashes', ...hashFields(b, off), hashes: b.subarray(off + HASH_REQUEST_PAYLOAD_LENGTH, off + len) };
    default:
      return { type: 'unknown', id, payload: b.subarray(off, off + len) };
  }
}
