// Torrent creation (BEP 3 v1, BEP 52 v2 and hybrid, BEP 47 padding): walk, hash on all cores, write.
export * from './create.js';
export * from './errors.js';
export * from './piece-length.js';
export { walk, type FoundFile, type WalkResult } from './walk.js';
export { hashPieceSpace, DEFAULT_CHUNK_SIZE, type SpaceFile, type HashSpaceOptions, type HashSpaceResult } from './hash-space.js';
