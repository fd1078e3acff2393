// Tracker protocol codecs: HTTP (BEP 3/23/7/24/48) and UDP (BEP 15/41). Pure: bytes in, values out.
export * from './errors.js';
export * from './types.js';
export * from './ip.js';
export * from './compact.js';
export * from './query.js';
export * from './http-request.js';
export * from './http-response.js';
export * from './udp.js';
