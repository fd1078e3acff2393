// Swarm state machines: bitfields, piece picking, request pipelining and choking (BEP 3, BEP 6).
// Pure: no I/O, no timers, no wall clock, no Math.random; time and randomness are injected.
export { Bitfield, MAX_BITFIELD_SIZE } from './bitfield.js';
export { Choker, type ChokeDecision, type ChokerOptions, type ChokerPeer } from './choker.js';
export { SwarmError, type SwarmErrorCode } from './errors.js';
export { DEFAULT_BLOCK_SIZE, Geometry, type BlockRequest, type PieceGeometry } from './geometry.js';
export { MAX_PRIORITY } from './piece-buckets.js';
export {
  PiecePicker,
  type BlockReceivedResult,
  type PeerBlock,
  type PickOptions,
  type PiecePickerOptions,
  type PriorityRange,
} from './piece-picker.js';
export { RateEstimator, type RateEstimatorOptions } from './rate.js';
export { SuperSeeder, type SuperSeederOptions } from './super-seeder.js';
export { RequestQueue, type RequestQueueOptions, type TickResult } from './request-queue.js';
export { randomInt, shuffle, xoshiro128ss, type Random } from './random.js';
export type { PeerId } from './types.js';
export {
  MetadataAssembler,
  type AddPeerResult,
  type MetadataAssemblerOptions,
  type MetadataDataResult,
  type MetadataRequest,
} from './metadata-assembler.js';
