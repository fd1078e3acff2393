// Bencode (BEP 3): strict and tolerant decoding, canonical encoding, typed field access.
export * from './types.js';
export * from './errors.js';
export * from './decode.js';
export * from './encode.js';
export * from './access.js';
