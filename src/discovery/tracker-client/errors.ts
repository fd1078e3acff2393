// Errors of the tracker client: transport failures, timeouts, and trackers that refuse (failure reason).
import { ShoalError } from '../../errors.js';

export type TrackerClientErrorCode =
  | 'TRACKER_TIMEOUT'
  | 'TRACKER_UNREACHABLE'
  | 'TRACKER_HTTP_STATUS'
  | 'TRACKER_RESPONSE_TOO_LARGE'
  | 'TRACKER_FAILURE'
  | 'TRACKER_UNSUPPORTED_URL'
  | 'TRACKER_NO_SCRAPE';

export class TrackerClientError extends ShoalError {
  declare readonly code: TrackerClientErrorCode;
  constructor(code: TrackerClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
