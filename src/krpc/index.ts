// KRPC, the DHT's message layer (BEP 5, 32, 42, 43, 44, 51): pure codec, bytes in, values out.
export * from './errors.js';
export * from './address.js';
export * from './types.js';
export * from './decode.js';
export * from './encode.js';
