// Typed errors of the KRPC codec (BEP 5). A decoder error keeps the transaction id and message
// kind when they could be read, so a node can answer a malformed query with error 203.
import { ShoalError } from '../errors.js';

export type KrpcErrorCode =
  | 'KRPC_TOO_LARGE'
  | 'KRPC_BAD_BENCODE'
  | 'KRPC_MALFORMED'
  | 'KRPC_BAD_FIELD'
  | 'KRPC_UNENCODABLE';

export class KrpcError extends ShoalError {
  declare readonly code: KrpcErrorCode;
  /** The message's `t`, when it was readable: lets a node answer a bad query with error 203. */
  readonly transactionId: Uint8Array | undefined;
  /** The message's `y`, when it was readable. */
  readonly messageType: 'q' | 'r' | 'e' | undefined;

  constructor(
    code: KrpcErrorCode,
    message: string,
    opts: { transactionId?: Uint8Array | undefined; messageType?: 'q' | 'r' | 'e' | undefined; cause?: unknown } = {},
  ) {
    super(code, `krpc: ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.transactionId = opts.transactionId;
    this.messageType = opts.messageType;
  }
}
