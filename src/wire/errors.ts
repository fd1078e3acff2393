// Typed errors of the peer wire codec (BEP 3, 6, 10, 52). Each names what is wrong, in which
// message, and where in the stream, so a session can log one line and drop the peer.
import { ShoalError } from '../errors.js';

export type WireErrorCode =
  /** The 68-byte handshake is malformed (wrong pstrlen / pstr, wrong size). */
  | 'WIRE_BAD_HANDSHAKE'
  /** A length prefix exceeds the configured limit for the message (checked before buffering). */
  | 'WIRE_MESSAGE_TOO_LARGE'
  /** A message's payload length does not fit its type (e.g. a `have` with 5 payload bytes). */
  | 'WIRE_BAD_LENGTH'
  /** The stream ended inside a message, or a single-message decode got too few bytes. */
  | 'WIRE_TRUNCATED'
  /** A single-message decode got bytes after the message. */
  | 'WIRE_TRAILING_BYTES'
  /** A piece index outside the torrent. */
  | 'WIRE_BAD_INDEX'
  /** A block (begin, length) outside its piece, empty, or longer than allowed. */
  | 'WIRE_BAD_BLOCK'
  /** A bitfield of the wrong size or with spare bits set. */
  | 'WIRE_BAD_BITFIELD'
  /** A BEP 52 hash request / hashes / hash reject that breaks the BEP's rules. */
  | 'WIRE_BAD_HASH_REQUEST'
  /** A message of an extension (BEP 6 fast, BEP 10 extended) that the handshakes did not both enable. */
  | 'WIRE_NOT_NEGOTIATED'
  /** A BEP 10 extension handshake that is not a valid dictionary of the expected shape. */
  | 'WIRE_BAD_EXTENSION_HANDSHAKE'
  /** An encoder or constructor was called with a value the wire format cannot carry. */
  | 'WIRE_BAD_ARGUMENT';

export interface WireErrorDetail {
  /** Message type concerned (`have`, `piece`, `handshake`, `id 42`...), when known. */
  readonly messageType?: string;
  /** Byte offset in the stream where the offending message starts, when decoding a stream. */
  readonly offset?: number;
  readonly cause?: unknown;
}

export class WireError extends ShoalError {
  declare readonly code: WireErrorCode;
  readonly messageType: string | undefined;
  readonly offset: number | undefined;

  constructor(code: WireErrorCode, message: string, detail: WireErrorDetail = {}) {
    const where = [
      detail.messageType !== undefined ? `'${detail.messageType}' message` : '',
      detail.offset !== undefined ? `at stream byte ${detail.offset}` : '',
    ].filter((s) => s !== '').join(' ');
    super(code, `wire: ${message}${where ? ` (${where})` : ''}`, { cause: detail.cause });
    this.messageType = detail.messageType;
    this.offset = detail.offset;
  }
}
