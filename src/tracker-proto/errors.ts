// Typed errors of the tracker codecs (BEP 3, 15, 23, 48): every malformed request or response,
// from a bad query string to a truncated UDP packet, surfaces as a TrackerProtoError with a stable code.
import { ShoalError } from '../errors.js';

export type TrackerProtoErrorCode =
  | 'TRACKER_BAD_QUERY'
  | 'TRACKER_QUERY_TOO_LONG'
  | 'TRACKER_TOO_MANY_PARAMS'
  | 'TRACKER_MISSING_PARAM'
  | 'TRACKER_BAD_INFO_HASH'
  | 'TRACKER_BAD_PEER_ID'
  | 'TRACKER_BAD_PORT'
  | 'TRACKER_BAD_NUMBER'
  | 'TRACKER_BAD_EVENT'
  | 'TRACKER_BAD_PARAM'
  | 'TRACKER_TOO_MANY_HASHES'
  | 'TRACKER_BAD_IP'
  | 'TRACKER_BAD_RESPONSE'
  | 'TRACKER_UDP_TRUNCATED'
  | 'TRACKER_UDP_OVERSIZED'
  | 'TRACKER_UDP_BAD_PROTOCOL'
  | 'TRACKER_UDP_BAD_ACTION'
  | 'TRACKER_UDP_BAD_LENGTH'
  | 'TRACKER_UNENCODABLE';

export class TrackerProtoError extends ShoalError {
  declare readonly code: TrackerProtoErrorCode;
  constructor(code: TrackerProtoErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
