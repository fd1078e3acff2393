// Typed errors of the bencode codec: each names what is wrong and the byte offset where.
import { ShoalError } from '../errors.js';

export type BencodeErrorCode =
  | 'BENCODE_TRUNCATED'
  | 'BENCODE_UNEXPECTED_BYTE'
  | 'BENCODE_BAD_INTEGER'
  | 'BENCODE_INTEGER_RANGE'
  | 'BENCODE_BAD_STRING_LENGTH'
  | 'BENCODE_STRING_TOO_LONG'
  | 'BENCODE_TOO_DEEP'
  | 'BENCODE_TOO_MANY_ELEMENTS'
  | 'BENCODE_KEY_ORDER'
  | 'BENCODE_DUPLICATE_KEY'
  | 'BENCODE_TRAILING_BYTES'
  | 'BENCODE_UNENCODABLE';

export class BencodeError extends ShoalError {
  declare readonly code: BencodeErrorCode;
  /** Offset in the input where the problem was found (-1 for encoder errors). */
  readonly offset: number;

  constructor(code: BencodeErrorCode, message: string, offset: number) {
    super(code, offset >= 0 ? `bencode: ${message} at byte ${offset}` : `bencode: ${message}`);
    this.offset = offset;
  }
}
