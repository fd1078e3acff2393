// Peer wire protocol codec (BEP 3, 5, 6, 10, 52): handshake, messages, streaming decoder,
// geometry validation, extension handshake, peer ids. Pure: no sockets, no timers.
export * from './types.js';
export * from './errors.js';
export * from './reserved.js';
export * from './handshake.js';
export * from './encode.js';
export { DEFAULT_LIMITS, messageName, type WireLimits } from './frame.js';
export * from './decoder.js';
export * from './detach.js';
export * from './validate.js';
export * from './extension-handshake.js';
export * from './peer-id.js';
export * from './allowed-fast.js';
export * from './ut-metadata.js';
export * from './ut-pex.js';
