// The BEP 3 handshake: <19><"BitTorrent protocol"><8 reserved><20 info hash><20 peer id>,
// 68 bytes, sent once by each side before any length-prefixed message. BEP 52 keeps the format
// (a v2 swarm uses the SHA-256 info hash truncated to 20 bytes).
import { WireError } from './errors.js';
import { HANDSHAKE_LENGTH, PROTOCOL_STRING, type Handshake } from './types.js';

/** The first 20 bytes every handshake starts with. */
export const HANDSHAKE_PREFIX: Uint8Array = (() => {
  const p = new Uint8Array(1 + PROTOCOL_STRING.length);
  p[0] = PROTOCOL_STRING.length;
  for (let i = 0; i < PROTOCOL_STRING.length; i++) p[i + 1] = PROTOCOL_STRING.charCodeAt(i);
  return p;
})();

export interface HandshakeInit {
  readonly reserved: Uint8Array;
  readonly infoHash: Uint8Array;
  readonly peerId: Uint8Array;
}

function checkSize(what: string, b: Uint8Array, n: number): void {
  if (b.length !== n) {
    throw new WireError('WIRE_BAD_ARGUMENT', `${what} must be ${n} bytes, got ${b.length}`, { messageType: 'handshake' });
  }
}

export function encodeHandshake(h: HandshakeInit): Uint8Array {
  checkSize('reserved', h.reserved, 8);
  checkSize('info hash', h.infoHash, 20);
  checkSize('peer id', h.peerId, 20);
  const out = new Uint8Array(HANDSHAKE_LENGTH);
  out.set(HANDSHAKE_PREFIX, 0);
  out.set(h.reserved, 20);
  out.set(h.infoHash, 28);
  out.set(h.peerId, 48);
  return out;
}

/**
 * Checks bytes [from, to) of a handshake being received, so a peer speaking another protocol is
 * dropped on its first byte rather than after 68.
 */
export function checkHandshakePrefix(buf: Uint8Array, from: number, to: number, streamOffset = 0): void {
  const end = Math.min(to, HANDSHAKE_PREFIX.length);
  for (let i = from; i < end; i++) {
    if (buf[i] !== HANDSHAKE_PREFIX[i]) {
      const what = i === 0 ? `protocol string length ${buf[i] as number}, expected 19` : `protocol string differs from "${PROTOCOL_STRING}" at byte ${i}`;
      throw new WireError('WIRE_BAD_HANDSHAKE', what, { messageType: 'handshake', offset: streamOffset });
    }
  }
}

/** Parses a complete 68-byte handshake. Fields are views into `bytes`. */
export function decodeHandshake(bytes: Uint8Array, streamOffset?: number): Handshake {
  if (bytes.length !== HANDSHAKE_LENGTH) {
    throw new WireError('WIRE_BAD_HANDSHAKE', `handshake must be ${HANDSHAKE_LENGTH} bytes, got ${bytes.length}`, {
      messageType: 'handshake',
      offset: streamOffset,
    });
  }
  checkHandshakePrefix(bytes, 0, HANDSHAKE_PREFIX.length, streamOffset);
  return {
    type: 'handshake',
    reserved: bytes.subarray(20, 28),
    infoHash: bytes.subarray(28, 48),
    peerId: bytes.subarray(48, 68),
  };
}
