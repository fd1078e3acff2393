// Typed errors of Local Service Discovery (BEP 14): malformed announces from the LAN and bad
// arguments to the encoder. Received garbage is counted and dropped, never fatal.
import { ShoalError } from '../../errors.js';

export type LsdErrorCode =
  /** A datagram larger than the limit. */
  | 'LSD_TOO_LARGE'
  /** Not a BT-SEARCH request, or a header line that is not `Name: value`. */
  | 'LSD_MALFORMED'
  /** Port header missing or not a decimal 1..65535. */
  | 'LSD_BAD_PORT'
  /** No valid 40-hex-digit Infohash header. */
  | 'LSD_NO_INFOHASH'
  /** An encoder or the adapter was given a value that cannot be announced. */
  | 'LSD_BAD_ARGUMENT'
  /** The multicast socket could not be opened, bound or joined to the group. */
  | 'LSD_SOCKET';

export class LsdError extends ShoalError {
  declare readonly code: LsdErrorCode;
  constructor(code: LsdErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `lsd: ${message}`, options);
  }
}
