// Copies of decoded messages that own their bytes. The decoder hands out byte fields as views of
// the chunk it was given (BEP 3 framing, no copy); when the transport reuses that chunk's memory
// for its next read, a message kept past the current call must first be detached.
import type { WireMessage } from './types.js';

/** `m` with every byte field copied into memory of its own (messages without bytes as they are). */
export function detachMessage(m: WireMessage): WireMessage {
  switch (m.type) {
    case 'handshake':
      return { ...m, reserved: copy(m.reserved), infoHash: copy(m.infoHash), peerId: copy(m.peerId) };
    case 'bitfield':
      return { ...m, bitfield: copy(m.bitfield) };
    case 'piece':
      return { ...m, block: copy(m.block) };
    case 'extended':
    case 'unknown':
      return { ...m, payload: copy(m.payload) };
    case 'hash-request':
    case 'hash-reject':
      return { ...m, piecesRoot: copy(m.piecesRoot) };
    case 'hashes':
      return { ...m, piecesRoot: copy(m.piecesRoot), hashes: copy(m.hashes) };
    case 'keep-alive':
    case 'choke':
    case 'unchoke':
    case 'interested':
    case 'not-interested':
    case 'have':
    case 'have-all':
    case 'have-none':
    case 'suggest':
    case 'allowed-fast':
    case 'request':
    case 'cancel':
    case 'reject':
    case 'port':
      return m;
    default:
      // A new message type must say here whether it carries bytes.
      return unreachable(m);
  }
}

/** A copy in new memory (Buffer#slice would return a view, so not `.slice()`). */
function copy(b: Uint8Array): Uint8Array {
  const c = new Uint8Array(b.length);
  c.set(b);
  return c;
}

function unreachable(m: never): never {
  throw new TypeError(`detachMessage: unknown message ${JSON.stringify(m)}`);
}
