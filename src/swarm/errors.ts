// Typed errors of the swarm state machines (bitfields, piece picker, request queue, choker).
// They are raised on wrong use (an index out of range, a bitfield of the wrong length) and on
// hostile input passed through unchecked; the caller typically drops the peer that caused it.
import { ShoalError } from '../errors.js';

export type SwarmErrorCode =
  | 'SWARM_BITFIELD_LENGTH'
  | 'SWARM_BITFIELD_SPARE_BITS'
  | 'SWARM_INDEX_RANGE'
  | 'SWARM_BAD_GEOMETRY'
  | 'SWARM_BAD_BLOCK'
  | 'SWARM_BAD_ARGUMENT';

export class SwarmError extends ShoalError {
  declare readonly code: SwarmErrorCode;

  constructor(code: SwarmErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `swarm: ${message}`, options);
  }
}
