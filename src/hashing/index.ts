// Hashing off the main thread: a worker-thread pool for BEP 3 SHA-1 and BEP 52 SHA-256 pieces.
export * from './pool.js';
export * from './errors.js';
export * from './protocol.js';
export { sha1, sha1Pieces, sha256Blocks, v2PieceHashes, hashPieces, pieceRootOf, SHA1_SIZE } from './compute.js';
export { hashFileRanges, streamLength, SLICE_SIZE } from './read-hash.js';
